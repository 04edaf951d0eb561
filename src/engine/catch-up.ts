// Brings a session file up to date with the log (the truth): the session's records are folded again by the same
// reducer the live run uses, so a crash after a commit loses and repeats nothing, and the champion a killed run had
// found (or a person's rejection left standing) is the champion of the resumed one.
import type { RejectedPlan } from '../memory/rejections.js';
import type { Memory } from '../memory/store.js';
import type { PlanTarget } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import type { ForkPoint } from '../state/lineage.js';
import { foldRecords } from '../state/reducer.js';
import { recordsOfLine } from './fork.js';
import type { SessionState } from '../state/session.js';

/**
 * Catches `state` up with the log, then checks the plans it stands on (see trustStanding), and drops any a person
 * rejected on this goal in another session since. Returns what a person
 * should be told. `forks`: the fork points of the session and its ancestors (engine/fork.ts forksAbove): a fork's
 * state is its ancestors' records through where it branched, then its own.
 */
export async function catchUp(state: SessionState, memory: Memory, target: PlanTarget, forks: ReadonlyMap<string, ForkPoint> = new Map()): Promise<string[]> {
  await catchUpLog(state, memory, target, forks);
  const rejected = (await memory.goalRejections(state)).filter((p) => p.session !== state.id);
  return trustStanding(state, memory, target, rejected);
}

/**
 * The champion and alternatives are re-read and re-validated: a plan file edited since it was written is an error
 * naming it (the plan store checks each against its id), and a plan the current rules refuse stands no more (the
 * best one that passes becomes champion), said in a warning.
 */
async function trustStanding(state: SessionState, memory: Memory, target: PlanTarget, rejected: readonly RejectedPlan[]): Promise<string[]> {
  const standing = [state.champion, ...state.alternatives].filter((r) => r !== null);
  const kept: typeof standing = [];
  const notes: string[] = [];
  for (const ref of standing) {
    const by = rejected.find((p) => p.planId === ref.planId || (ref.key !== undefined && p.key === ref.key));
    if (by) {
      notes.push(
        `the ${ref === state.champion ? 'champion' : 'alternative'} of iteration ${ref.iteration} is a plan a person rejected in session ${by.session}: it stands no more`,
      );
      continue;
    }
    const plan = await memory.planOf({ planId: ref.planId, session: state.id, iteration: ref.iteration });
    const v = plan ? validatePlan(plan, target) : undefined;
    if (!v || v.valid) kept.push(ref);
    else {
      const why = v.findings.find((f) => f.severity === 'error')?.message ?? 'it fails validation';
      notes.push(
        `the ${ref === state.champion ? 'champion' : 'alternative'} of iteration ${ref.iteration} fails the current rules (${why}): it stands no more`,
      );
    }
  }
  if (kept.length < standing.length) {
    // A proof of optimality was about the plans the old rules allowed: with the champion gone, it is void.
    if (state.champion && kept[0] !== state.champion) delete state.converged;
    state.champion = kept[0] ?? null;
    state.alternatives = kept.slice(1);
  }
  return notes;
}

async function catchUpLog(state: SessionState, memory: Memory, target: PlanTarget, forks: ReadonlyMap<string, ForkPoint>): Promise<void> {
  const records = await recordsOfLine(state, memory, forks);
  if (!records.length) return;
  const fold = foldRecords(records);
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
