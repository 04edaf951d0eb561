// At a real terminal (tmux): a rejection read as a rule that contradicts a rule the person kept in human_rules.md shows
// the kept rule, their words and file:line before it is confirmed, and replaces it only when they say so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-conflict-${process.pid}`;
const { until } = tmuxScreen(session, 300);
const keys = (...k: string[]) => void tmux('send-keys', '-t', session, ...k);
const type = (text: string) => void tmux('send-keys', '-t', session, '-l', text);

const KEPT = `# Human rules

## production-deployment / deploy-service

- always include notify-stakeholders · goal production-deployment/deploy-service · confirmed · "support must hear of every release"
`;

describe.skipIf(!hasTmux)('a contradicting reading at a real terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('shows the kept rule with its words and file:line, and replaces it when the person says yes', async () => {
    const cwd = tempDir('jupiter-tmux-conflict-');
    mkdirSync(path.join(cwd, 'memory'));
    writeFileSync(path.join(cwd, 'memory', 'human_rules.md'), KEPT);
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 4 -c 2 --patience 0 --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 160, 50, cmd);

    await until(/Checkpoint · iteration 2\/4 \(final\)[\s\S]*What next\?/);
    // The built-in planner proves its plan optimal at once: the checkpoint is final (Finish, Approve, Review, Reject).
    keys('Down', 'Down', 'Down', 'Enter');
    await until(/Reason for rejecting/);
    type('Never use notify-stakeholders');
    keys('Enter');
    await until(/I read this as:[\s\S]*Enforce it\?/);
    keys('Down', 'Enter'); // for every session on this goal

    const shown = await until(/This contradicts a rule you kept:[\s\S]*Replace it with the new rule\?/);
    expect(shown).toContain('• always include notify-stakeholders (your words: "support must hear of every release")');
    expect(shown).toContain('memory/human_rules.md:5');
    keys('Enter'); // yes, replace
    await until(/Feedback enforced as 1 rule: never use notify-stakeholders/);
    await until(/Checkpoint · iteration 4\/4 \(final\)[\s\S]*What next\?/);
    keys('Enter'); // Finish
    expect(await until(/EXIT=\d+/)).toMatch(/EXIT=0/);

    const rules = readFileSync(path.join(cwd, 'memory', 'human_rules.md'), 'utf8');
    expect(rules).toMatch(/^- never use notify-stakeholders · goal production-deployment\/deploy-service · confirmed · "Never use notify-stakeholders"$/m);
    expect(rules).not.toContain('always include notify-stakeholders');
  });
});
