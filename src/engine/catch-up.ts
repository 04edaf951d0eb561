// Brings a session file up to date with the log (the truth): a crash after a commit loses and repeats nothing,
// and the champion a killed run had found is the champion of the resumed one.
import { parse } from 'yaml';
import type { Plan } from '../core/plan.js';
import { toPlan } from '../core/plan-io.js';
import { readRegular } from '../core/fs/regular.js';
import type { Memory } from '../memory/store.js';
import { scorePlan } from '../procedures/quality.js';
import type { PlanTarget } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import { reconcile } from './reconcile.js';
import type { SessionState } from './types.js';

async function planOf(memory: Memory, session: string, iteration: number): Promise<Plan | undefined> {
  try {
    // Never through a link or from a FIFO (a hang): such a plan file counts as missing.
    const plan = toPlan(parse(readRegular(memory.planFile(session, iteration)).toString('utf8')));
    return typeof plan === 'string' ? undefined : plan;
  } catch {
    return undefined; // no plan stored (the iteration errored before proposing one)
  }
}

export async function catchUp(state: SessionState, memory: Memory, target: PlanTarget): Promise<void> {
  const r = reconcile(await memory.records(), state.id);
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
    const plan = await planOf(memory, state.id, r.last.iteration);
    if (plan) {
      state.currentPlan = plan;
      state.currentValidation = validatePlan(plan, target);
    }
  }
  const c = r.champion;
  if (c && c.planId && (state.champion?.iteration ?? 0) < c.iteration) {
    const plan = await planOf(memory, state.id, c.iteration);
    if (plan) state.champion = { plan, score: c.score ?? scorePlan(plan, target), planId: c.planId, iteration: c.iteration };
  }
}
