// A resumed session's champion is the plan jupiter checked: a plan file or session file edited afterwards is an
// error naming the file, and a champion the current rules refuse is champion no more (issue 23, item 4).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { SessionStore } from '../src/engine/sessions.js';
import type { SessionState } from '../src/engine/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';

/** A two-iteration built-in session, made resumable for one more; its folder, store and state. */
async function session(procedures = SHIPPED): Promise<{ cwd: string; store: SessionStore; state: SessionState }> {
  const cwd = tempDir();
  const r = await runCli(['plan', 'Deploy the orchestrator', '--procedures', procedures, '--unattended', '-n', '2', '-c', '0'], { cwd });
  expect(r.code).toBe(0);
  const store = new SessionStore(path.join(cwd, 'memory', 'sessions'));
  const [listed] = (await store.list()).sessions;
  const state = await store.load(listed!.id);
  Object.assign(state, { status: 'interrupted' });
  state.settings.iterations = state.progress.completed + 1;
  delete state.converged;
  return { cwd, store, state };
}

const resume = (cwd: string, id: string) => runCli(['resume', id, '--unattended'], { cwd });

describe('the champion on resume', () => {
  it('a plan file whose steps were edited is an error naming it, never the champion', async () => {
    const { cwd, store, state } = await session();
    const id = state.champion!.planId;
    await store.save(state);
    const file = path.join(cwd, 'memory', 'plans', `${id}.json`);
    const edited = JSON.parse(readFileSync(file, 'utf8')) as Plan;
    for (const step of edited.steps) step.owner = 'Mallory';
    writeFileSync(file, JSON.stringify(edited));
    const r = await resume(cwd, state.id);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: does not match its id ${id}`);
    // Nothing was run on it: the session is as it was.
    expect((await store.load(state.id)).progress.completed).toBe(state.progress.completed);
  });

  it('a champion the procedures now forbid is dropped with a warning; the champion after the run passes them', async () => {
    const procedures = tempDir('jupiter-proc-');
    cpSync(SHIPPED, procedures, { recursive: true });
    const { cwd, store, state } = await session(procedures);
    await store.save(state);
    const plan = JSON.parse(readFileSync(path.join(cwd, 'memory', 'plans', `${state.champion!.planId}.json`), 'utf8')) as Plan;
    const forbidden = plan.steps[0]!.action;
    const file = path.join(procedures, 'production-deployment.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        /^rules:\n/m,
        `rules:\n  - id: no-${forbidden}\n    kind: forbidden\n    action: ${forbidden}\n    description: not any more\n`,
      ),
    );
    const r = await resume(cwd, state.id);
    expect(r.stderr + r.stdout).toContain(`the champion of iteration ${state.champion!.iteration} fails the current rules`);
    const after = (await store.load(state.id)).champion;
    const target = findTarget(loadProcedures(procedures), `${state.procedure}/${state.goalId}`);
    expect(after?.planId).not.toBe(state.champion!.planId);
    if (after) {
      const kept = JSON.parse(readFileSync(path.join(cwd, 'memory', 'plans', `${after.planId}.json`), 'utf8')) as Plan;
      expect(validatePlan(kept, target).valid).toBe(true);
    }
  });
});
