// Brings a session file up to date with the log (the truth): the session's records are folded again by the same
// reducer the live run uses, so a crash after a commit loses and repeats nothing, and the champion a killed run had
// found (or a person's rejection left standing) is the champion of the resumed one.
import type { Memory } from '../memory/store.js';
import type { PlanTarget } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import { foldRecords } from '../state/reducer.js';
import type { SessionState } from '../state/session.js';

export async function catchUp(state: SessionState, memory: Memory, target: PlanTarget): Promise<void> {
  const records = await memory.records({ session: state.id });
  if (!records.length) return;
  const fold = foldRecords(records, state.id);
  const behind = fold.progress.completed > state.progress.completed;
  const { converged, idleSince, seen, ...rest } = fold;
  Object.assign(state, rest);
  state.seen = [...new Set([...state.seen, ...seen])];
  state.idleSince = Math.max(state.idleSince, idleSince);
  // A convergence the file dropped (new objectives) stays dropped unless the log went on past the file.
  if (behind) {
    if (converged) state.converged = converged;
    else delete state.converged;
  } else if (!converged) delete state.converged;
  if (!fold.lastProposal) delete state.lastProposal;
  if (!fold.rejectedChampion) delete state.rejectedChampion;
  if (!behind) return;
  // The session file missed the last commits: the last iteration's plan is the current one.
  const last = records.filter((r) => r.type === 'iteration').at(-1);
  const plan = last ? await memory.planOf(last) : undefined;
  if (plan) {
    state.currentPlan = plan;
    state.currentValidation = validatePlan(plan, target);
  }
}
