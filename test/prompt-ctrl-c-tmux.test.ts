// Ctrl-C at a question asked before any run starts (which goal did you mean?) is an interruption (exit 130, one
// plain line), not "jupiter: unexpected error: User force closed the prompt with SIGINT" (exit 1).
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-prompt-ctrlc-${process.pid}`;
const { until } = tmuxScreen(session, 200);

describe.skipIf(!hasTmux)('Ctrl-C at the goal-match question', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('exits 130 saying it stopped at the question', { timeout: 60_000 }, async () => {
    const cwd = tempDir('jupiter-prompt-ctrlc-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Roll back the payments service" --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 120, 30, cmd);
    await until(/Draft new procedures for this goal/);
    tmux('send-keys', '-t', session, 'C-c');
    const screen = await until(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=130/);
    expect(screen).toContain('jupiter: stopped at the question (Ctrl-C); nothing was changed');
    expect(screen).not.toContain('unexpected error');
  });
});
