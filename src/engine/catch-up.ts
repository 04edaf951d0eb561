// Brings a session file up to date with the log (the truth): a crash after a commit loses and repeats nothing,
// and the champion a killed run had found is the champion of the resumed one.
import type { Memory } from '../memory/store.js';
import { scorePlan } from '../procedures/quality.js';
import type { PlanTarget } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import { reconcile } from './reconcile.js';
import type { SessionState } from './types.js';

export async function catchUp(state: SessionState, memory: Memory, target: PlanTarget): Promise<void> {
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
    // Plans are stored once per distinct plan (plans/<planId>.json, .yaml before JSON); old folders kept one per iteration.
    const plan = await memory.planOf({ planId: c.planId, session: state.id, iteration: c.iteration });
    if (plan) state.champion = { plan, score: c.score ?? scorePlan(plan, target), planId: c.planId, iteration: c.iteration };
  }
}
