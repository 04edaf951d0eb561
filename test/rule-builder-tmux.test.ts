// The rule builder at a real terminal (tmux): a reason the reader cannot read, with the built-in planner (which
// cannot follow notes), is said as a rule in a few keys; the rule is kept for this session and the next plans obey it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-builder-${process.pid}`;
const { until } = tmuxScreen(session, 300);
const keys = (...k: string[]) => void tmux('send-keys', '-t', session, ...k);
const type = (text: string) => void tmux('send-keys', '-t', session, '-l', text);

describe.skipIf(!hasTmux)('the rule builder in a real terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('an unreadable reason becomes "security-scan before run-tests" by typing the line, checked as it is typed', async () => {
    const cwd = tempDir('jupiter-tmux-builder-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 4 -c 2 --patience 0 --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 160, 50, cmd);

    await until(/Checkpoint · iteration 2\/4[\s\S]*What next\?/);
    // The built-in planner proves its plan optimal at once: the checkpoint is final (Finish, Approve, Review, Reject).
    keys('Down', 'Down', 'Down', 'Enter');
    await until(/Reason for rejecting/);
    type('This plan feels wrong to me');
    keys('Enter');

    const unread = await until(/What now\?[\s\S]*Say it as a rule myself \(rule builder\)/);
    expect(unread).toContain('I could not read "This plan feels wrong to me" as a rule the validator can check.');
    expect(unread).toContain('The built-in planner cannot follow notes: as a note it changes nothing.');
    keys('Down', 'Enter'); // the rule builder
    await until(/Which kind of rule\?/);
    keys('Enter'); // type the rule line
    await until(/Rule line:/);
    type('security-scan before run-test');
    await until(/✗ no action "run-test" in this procedure/);
    type('s');
    await until(/✓ security-scan must come before run-tests/);
    keys('Enter');

    const confirm = await until(/Your rule:[\s\S]*Enforce it\?/);
    expect(confirm).toContain('security-scan: Scan the artifact and its dependencies for known vulnerabilities');
    expect(confirm).toMatch(/❯ Yes, for this session only/); // one Enter: this session, not the goal
    keys('Enter');

    await until(/Feedback enforced as 1 rule: security-scan before run-tests/);
    await until(/Checkpoint · iteration 4\/4 \(final\)[\s\S]*What next\?/);
    keys('Enter'); // Finish
    expect(await until(/EXIT=\d+/)).toMatch(/EXIT=0/);

    const rules = readFileSync(path.join(cwd, 'memory', 'human_rules.md'), 'utf8');
    expect(rules).toMatch(/^- security-scan before run-tests · session \S+ · confirmed · "This plan feels wrong to me"$/m);
    // Every plan after the rule does the scan before the tests.
    const log = readFileSync(path.join(cwd, 'memory', 'execution_log.md'), 'utf8');
    const later = log.split(/^## Iteration /m).filter((s) => /^[34]\b/.test(s));
    expect(later).toHaveLength(2);
    for (const section of later) expect(section.indexOf('security-scan')).toBeLessThan(section.indexOf('run-tests'));
  });
});
