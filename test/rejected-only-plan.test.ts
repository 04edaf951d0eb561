// A person rejects the only plan at the run's last checkpoint: the run ends with no plan standing, and says so. It is
// not "the planner never produced a usable plan" (it did), nor advice to check an endpoint the run never had.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';
import { runDeploySession, ScriptedReviewer } from './support/deploy-session.js';

describe('the only champion rejected at the last checkpoint', () => {
  it('ends paused for a person: no plan stands, the rejection named; not a planner failure', async () => {
    const dir = tempDir('jupiter-rejected-only-');
    const reviewer = new ScriptedReviewer(() => ({ kind: 'reject', reason: 'Too slow, three days is not acceptable' }));
    const { state, memory } = await runDeploySession(dir, 's1', { iterations: 1, checkpoint: 1, reviewer });
    await memory.close();
    expect(state.champion).toBeNull();
    expect(state.status).toBe('paused');
    expect(state.haltReason).toBe('no plan stands: you rejected the champion of iteration 1 and no other valid plan stands; its one iteration ran');
    expect(state.haltReason).not.toMatch(/never produced|planner error/);
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-rejected-only-${process.pid}`;
const { until } = tmuxScreen(session, 300);

describe.skipIf(!hasTmux)('in a real terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('exit 3, and the last line names the fork that goes on, not an endpoint to check', { timeout: 60_000 }, async () => {
    const cwd = tempDir('jupiter-rejected-only-tty-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 1 -c 1 --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 120, 40, cmd);
    await until(/What next\?/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter');
    await until(/Reason for rejecting/);
    tmux('send-keys', '-t', session, '-l', 'Too slow, three days is not acceptable');
    tmux('send-keys', '-t', session, 'Enter');
    await until(/What now\?/);
    tmux('send-keys', '-t', session, 'Enter');
    const screen = await until(/EXIT=\d+/);
    expect(screen).toMatch(/EXIT=3/);
    expect(screen).toMatch(
      /no plan stands: you rejected the champion of iteration 1 .*State saved; to go on, fork it with more: `jupiter resume \S+ --from 1 --fork -n <more>`/,
    );
    expect(screen).not.toMatch(/never produced a usable plan|jupiter doctor/);
  });
});
