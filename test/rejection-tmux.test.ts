// At a terminal, with the built-in planner: after a person rejects the champion, the next plan differs from it in
// schedule (not the same steps reordered), read off the screen and scheduled like any plan.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { loadProcedures } from '../src/procedures/load.js';
import { scheduleKey } from '../src/procedures/schedule.js';
import { findTarget } from '../src/procedures/target.js';
import { BIN, SHIPPED, tempDir } from './support/cli.js';
import { tmux, tmuxScreen, typeInNewTerminal } from './support/tmux.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-reject-${process.pid}`;
const { until } = tmuxScreen(session, 400);
const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');

/** The plan a checkpoint shows for `iteration`: its numbered "action — owner" lines. */
function shownPlan(text: string, iteration: number): Plan {
  const block = text.split(/Checkpoint · iteration /).find((b) => b.startsWith(`${iteration}/`));
  const steps = [...(block ?? '').matchAll(/^\s+\d+\. (\S+) — (.+)$/gm)].map((m) => ({ action: m[1]!, owner: m[2]!.trim() }));
  return { title: 'shown', summary: '', steps };
}

describe.skipIf(!hasTmux)('a rejection sticks for the built-in planner, at a terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('the plan after a rejection differs in schedule from the rejected one, and a rejected optimum is never champion again', async () => {
    const cwd = tempDir('jupiter-reject-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 4 -c 1 --patience 0 --procedures ${SHIPPED}; echo "EXIT=$?"`;
    typeInNewTerminal(session, 160, 60, cmd);

    await until(/Checkpoint · iteration 1\/4[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter'); // Reject with a reason
    await until(/Reason for rejecting \(Esc to go back\)/);
    // A reason that states no rule: only the rejection itself can make the next plan differ.
    tmux('send-keys', '-t', session, '-l', 'I do not like this one');
    tmux('send-keys', '-t', session, 'Enter');
    // Not a rule: the built-in planner says it cannot follow notes and asks what to do with it; keep it as a note.
    await until(/cannot follow notes[\s\S]*What now\?/);
    tmux('send-keys', '-t', session, 'Enter');

    const text = await until(/Checkpoint · iteration 2\/4[\s\S]*What next\?/);
    const rejected = shownPlan(text, 1);
    const next = shownPlan(text, 2);
    expect(rejected.steps.length).toBeGreaterThan(0);
    expect(next.steps.length).toBeGreaterThan(0);
    expect(scheduleKey(next, deploy)).not.toBe(scheduleKey(rejected, deploy));
    expect(text).toContain('You rejected the champion of iteration 1: "I do not like this one"');

    // Now reject the proved optimum itself. A plan at least as good cannot displace it on score, so only the
    // rejection takes it off: the next checkpoint's best plan must be a new one, never iteration 2's.
    expect(text.slice(text.lastIndexOf('Checkpoint · iteration 2/4'))).toMatch(/Best plan so far \(iteration 2\)/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter'); // Reject with a reason
    await until(/Reason for rejecting[\s\S]*Reason for rejecting \(Esc to go back\)/);
    tmux('send-keys', '-t', session, '-l', 'Not this one either');
    tmux('send-keys', '-t', session, 'Enter');
    await until(/What now\?[\s\S]*What now\?/);
    tmux('send-keys', '-t', session, 'Enter');
    const third = await until(/Checkpoint · iteration 3\/4[\s\S]*What next\?/);
    expect(third).toContain('You rejected the champion of iteration 2: "Not this one either"');
    expect(third.slice(third.lastIndexOf('Checkpoint · iteration 3/4'))).toMatch(/Best plan so far \(iteration 3\)/);
    expect(scheduleKey(shownPlan(third, 3), deploy)).not.toBe(scheduleKey(next, deploy));
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter'); // Stop
    const final = await until(/EXIT=\d+/);
    expect(final).toMatch(/EXIT=0/);
  });
});
