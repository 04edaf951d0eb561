// After a person rejects the champion, memory's best plan for the goal is the plan still standing (the reducer's
// champion, re-checked), not nothing: successful_patterns.md, `summary`, and the next session's prompt show it. On
// resume, the champion is re-checked under human_rules.md as a person left it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointDecision, Reviewer, SessionState } from '../src/engine/types.js';
import { Memory } from '../src/memory/store.js';
import { buildPrompt } from '../src/planners/prompt.js';
import { objectivesOf } from '../src/procedures/quality.js';
import { runCli, tempDir } from './support/cli.js';
import { deploy, runDeploySession, ScriptedReviewer } from './support/deploy-session.js';

const SCOPE = { procedure: 'production-deployment', goalId: 'deploy-service' };

/** At the checkpoint of `at`: reject with `reason` (kept as a note), or stop; otherwise continue. */
class Person extends ScriptedReviewer {
  constructor(at: number, decision: CheckpointDecision) {
    super((ctx) => (ctx.iteration === at ? decision : { kind: 'continue' }));
  }
}

async function run(dir: string, id: string, iterations: number, checkpoint: number, reviewer: Reviewer): Promise<SessionState> {
  const { state, memory } = await runDeploySession(dir, id, { iterations, checkpoint, reviewer });
  await memory.close();
  return state;
}

const exemplarLine = (text: string) => text.split('\n').find((l) => l.includes('best plan so far'));

describe('memory after a rejection', () => {
  it('shows the standing champion as the best plan: successful_patterns.md, summary and the next prompt', async () => {
    const cwd = tempDir('jupiter-standing-');
    const dir = path.join(cwd, 'memory');
    const state = await run(dir, 's1', 2, 2, new Person(2, { kind: 'reject', reason: 'I do not trust this plan' }));
    // The optimum of iteration 2 was rejected: iteration 1's plan stands.
    expect(state.progress.rejected).toBe(1);
    expect(state.champion?.iteration).toBe(1);
    const memory = await Memory.open(dir);
    const standing = await memory.planOf({ planId: state.champion!.planId, session: 's1', iteration: 1 });
    const steps = standing!.steps.map((s) => s.action).join(' → ');

    const patterns = readFileSync(path.join(dir, 'successful_patterns.md'), 'utf8');
    expect(exemplarLine(patterns)).toContain(`: ${steps}`);
    const exemplar = (await memory.items()).find((i) => i.data.type === 'exemplar');
    expect(exemplar?.data).toMatchObject({ planId: state.champion!.planId, iteration: 1, score: state.champion!.score });

    // The next session's prompt recalls it as the best plan.
    const recall = await memory.recall({
      goalText: 'Deploy the orchestrator',
      ...SCOPE,
      findings: [],
      session: 's2',
      budgetTokens: 4000,
      actions: deploy.set.actions.map((a) => a.id),
    });
    const { user } = buildPrompt({
      goalText: 'Deploy the orchestrator',
      target: deploy,
      iteration: 1,
      currentPlan: null,
      currentFindings: [],
      champion: null,
      objectives: objectivesOf(deploy),
      seen: new Set(),
      recall,
      feedback: [],
      signal: new AbortController().signal,
    });
    expect(exemplarLine(user)).toContain(`: ${steps}`);
    await memory.close();

    const summary = await runCli(['summary', '--goal', 'production-deployment/deploy-service'], { cwd });
    expect(summary.code, summary.stderr).toBe(0);
    expect(exemplarLine(summary.stdout)).toContain(steps);
    expect(summary.stdout).toContain('✖ the champion before was rejected');
  });

  it('export of a session whose only champion was rejected says so (not "no valid plan yet")', async () => {
    const cwd = tempDir('jupiter-standing-');
    const dir = path.join(cwd, 'memory');
    const state = await run(dir, 's1', 1, 1, new Person(1, { kind: 'reject', reason: 'I do not trust this plan' }));
    expect(state.champion).toBeNull();
    const r = await runCli(['export', 's1'], { cwd });
    expect([r.code, r.stderr]).toEqual([
      2,
      'jupiter: session s1 has no champion: a person rejected it at iteration 1 ("I do not trust this plan") and no other valid plan stands; export --iteration N for another plan\n',
    ]);
    // The summary's chart shows the goal's plan, then that none stands after the rejection (before: no rows at all).
    const summary = await runCli(['summary', '--session', 's1'], { cwd });
    expect(summary.stdout).toContain('Champion score over iterations: production-deployment/deploy-service (makespan, cost, steps; lower is better)\n');
    expect(summary.stdout).toMatch(/^ {12}1 ·+ no plan stands ✖ the champion before was rejected$/m);
  });

  it('on resume, a rule a person wrote into human_rules.md that breaks the champion unseats it', async () => {
    const cwd = tempDir('jupiter-standing-');
    const dir = path.join(cwd, 'memory');
    const stopped = await run(dir, 's1', 3, 1, new Person(1, { kind: 'stop' }));
    expect(stopped.champion?.iteration).toBe(1);
    const memory = await Memory.open(dir);
    const champion = await memory.planOf({ planId: stopped.champion!.planId, session: 's1', iteration: 1 });
    await memory.close();
    const actions = champion!.steps.map((s) => s.action);
    const banned = actions.includes('deploy-staging') ? 'deploy-staging' : 'provision-green';
    expect(actions).toContain(banned);
    writeFileSync(
      path.join(dir, 'human_rules.md'),
      `# Human rules\n\n## production-deployment / deploy-service\n\n- never use ${banned} · goal production-deployment/deploy-service · confirmed · "we stopped doing that"\n`,
    );

    const resumed = await runCli(['resume', 's1', '--unattended'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout + resumed.stderr).toMatch(/the champion of iteration 1 fails the current rules \(.*\): it stands no more/);
    const session = JSON.parse(readFileSync(path.join(dir, 'sessions', 's1.json'), 'utf8')) as SessionState;
    expect(session.champion?.iteration).toBeGreaterThan(1);
    const after = await Memory.open(dir);
    const now = await after.planOf({ planId: session.champion!.planId, session: 's1', iteration: session.champion!.iteration });
    await after.close();
    expect(now!.steps.map((s) => s.action)).not.toContain(banned);
  });
});
