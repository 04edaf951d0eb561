// Brings a session file up to date with the log (the truth): a crash after a commit loses and repeats nothing,
// and the champion a killed run had found is the champion of the resumed one.
import { InputError } from '../core/errors.js';
import type { Memory } from '../memory/store.js';
import { planId, scorePlan } from '../procedures/quality.js';
import type { PlanTarget } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import { reconcile } from './reconcile.js';
import type { SessionState } from './types.js';

/**
 * Catches `state` up with the log, then checks its champion (see trustChampion). Returns what a person should be
 * told (a champion the current rules refuse); `sessionFile` names the session file in an error.
 */
export async function catchUp(state: SessionState, memory: Memory, target: PlanTarget, sessionFile: string): Promise<string[]> {
  await catchUpLog(state, memory, target);
  return trustChampion(state, target, sessionFile);
}

/**
 * The champion is the plan its id is the hash of (else the session file was edited: an error naming it), and it
 * passes the current rules (else it is champion no more: the run finds another, and says so).
 */
function trustChampion(state: SessionState, target: PlanTarget, sessionFile: string): string[] {
  const c = state.champion;
  if (!c) return [];
  if (planId(c.plan) !== c.planId)
    throw new InputError(`its champion (iteration ${c.iteration}) does not match its plan id ${c.planId}: the plan was changed after jupiter wrote it`, {
      file: sessionFile,
    });
  const v = validatePlan(c.plan, target);
  if (v.valid) return [];
  state.champion = null;
  const why = v.findings.find((f) => f.severity === 'error')?.message ?? 'it fails validation';
  return [`the champion of iteration ${c.iteration} fails the current rules (${why}): it is champion no more, and the run looks for another`];
}

async function catchUpLog(state: SessionState, memory: Memory, target: PlanTarget): Promise<void> {
  const r = reconcile(await memory.records({ session: state.id }), state.id);
  if (r.lastIteration === 0 && state.progress.completed === 0) return;
  const behind = r.lastIteration > state.progress.completed;
  state.progress = { ...r.progress, rejected: r.progress.rejected, humanApprovals: r.progress.humanApprovals, overridden: r.progress.overridden };
  state.usage = r.usage;
  state.pendingFeedback = r.pendingFeedback;
  state.seen = [...new Set([...state.seen, ...r.seen])];
  if (!behind) return;
  // The session file missed the last commits: what the log says wins.
  state.consecutiveFailures = r.consecutiveFailures;
  state.lastImprovement = Math.max(state.lastImprovement, r.lastImprovement);
  state.idleSince = Math.max(state.idleSince, r.lastImprovement);
  if (r.last) {
    const plan = await memory.planOf(r.last);
    if (plan) {
      state.currentPlan = plan;
      state.currentValidation = validatePlan(plan, target);
    }
  }
  const c = r.champion;
  if (c?.planId && (state.champion?.iteration ?? 0) < c.iteration) {
    // Plans are stored once per distinct plan (plans/<planId>.yaml); old folders kept one per iteration.
    const plan = await memory.planOf({ planId: c.planId, session: state.id, iteration: c.iteration });
    if (plan) state.champion = { plan, score: c.score ?? scorePlan(plan, target), planId: c.planId, iteration: c.iteration };
  }
}
