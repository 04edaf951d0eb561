// End to end as a person would: the real CLI in a real terminal (tmux), checkpoint prompts answered by keystroke.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';
import { fakeServers, type Reply } from './support/fake-openai.js';

const { serve } = fakeServers();
/** The same valid plan every time: the run never converges, so every checkpoint is reached. */
const SAME_PLAN: Reply = {
  content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))),
  usage: { prompt_tokens: 100, completion_tokens: 50 },
};

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-e2e-${process.pid}`;
const { screen, until } = tmuxScreen(session, 200);

/** Counts how many times `pattern` occurs on screen, for prompts that repeat. */
const occurrences = (pattern: RegExp) => (screen().match(new RegExp(pattern.source, 'g')) ?? []).length;

describe.skipIf(!hasTmux)('checkpoint prompts in a real terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('continue, reject with a reason, then stop, by keystroke', async () => {
    const cwd = tempDir('jupiter-tmux-');
    const server = await serve(() => SAME_PLAN);
    const model = `--provider custom --base-url ${server.url} --model test-model --patience 0`;
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 6 -c 2 ${model} --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 160, 50, cmd);

    await until(/Checkpoint · iteration 2\/6[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Enter'); // Continue autonomously

    await until(/Checkpoint · iteration 4\/6[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter'); // Reject with a reason
    await until(/Reason for rejecting \(Esc to go back\)/);
    tmux('send-keys', '-t', session, 'Escape'); // changed my mind: back to the menu
    await until(/\(back\)[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter'); // Reject with a reason, for real
    await until(/\(back\)[\s\S]*Reason for rejecting \(Esc to go back\)/);
    tmux('send-keys', '-t', session, '-l', 'Name the on-call SRE in the deploy step');
    tmux('send-keys', '-t', session, 'Enter');
    // Not a rule: kept as a note by one Enter (the model planner reads notes; the builder is offered too).
    expect(await until(/What now\?[\s\S]*Keep it as a note/)).toContain('As a note the planner reads it, but nothing checks that a plan follows it.');
    tmux('send-keys', '-t', session, 'Enter');

    await until(/Checkpoint · iteration 6\/6 \(final\)[\s\S]*What next\?/);
    expect(occurrences(/What next\?/)).toBeGreaterThanOrEqual(3);
    // The model answered the rejected plan again: it is no champion, so there is nothing to approve.
    expect(occurrences(/Approve this plan and finish/)).toBe(0);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Enter'); // Stop

    const final = await until(/EXIT=\d+/);
    // NO_COLOR in a real terminal: no colour codes on screen (capture -e keeps them when there are any).
    expect(tmux('capture-pane', '-p', '-e', '-t', session, '-S', '-200')).not.toMatch(/\x1b\[(3\d|9\d)(;\d+)*m/);
    expect(final).toMatch(/EXIT=0/);
    expect(final).toContain('Session stopped after 6 iterations.');
    // Stopped at the final checkpoint: a resume would run nothing; a fork goes on from here.
    expect(final).toMatch(/Memory is up to date; all its iterations ran: to go on from here, fork it \(`jupiter resume \S+ --from 6 --fork -n <more>`\)\./);
    expect(final).toMatch(/▲ Iteration 1: first valid plan/);
    // Each checkpoint shows the champion with its score, and what improved since the last one.
    expect(final).toMatch(/Best plan so far \(iteration 1\): makespan [\dhdm ]+ · cost \d+ · steps 12/);
    expect(final).toMatch(/iteration 1: first valid plan, makespan/);
    expect(final).toContain('No improvement since the last checkpoint.');
    // A live terminal: the status line is redrawn in place, never left behind as a line per iteration.
    expect(final).not.toMatch(/Iteration \d+ · (recalling|proposing|validating)…/);
    expect(final).toContain('You rejected the champion of iteration 1 (at iteration 4): "Name the on-call SRE in the deploy step"');

    const memory = path.join(cwd, 'memory');
    expect(readFileSync(path.join(memory, 'lessons.md'), 'utf8')).toMatch(/- ×1 · human · Name the on-call SRE in the deploy step/);
    const log = readFileSync(path.join(memory, 'execution_log.md'), 'utf8');
    expect(log.match(/^## Iteration \d+/gm)).toHaveLength(6);
    expect(log).toContain('## Review of iteration 4 · rejected');
    // The same plan again after the rejection is never approved nor champion again.
    expect(log).toContain('## Iteration 5 · rejected-before');
    expect(log).toContain('## Iteration 6 · rejected-before');
    expect(final).toContain('No plan stands: you rejected the champion at iteration 4');
    // Nothing checks this reason (no rule kind reads it), so no iteration may claim to have addressed it.
    expect(log).not.toMatch(/Addressed feedback:.*Name the on-call SRE/);
  });
});
