// Champion and challenger: which of K proposals an iteration records, and the improvements a checkpoint shows.
import { compareScores } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import type { Proposal, Reducer } from '../state/reducer.js';
import type { ScoreChange, SessionState } from '../state/session.js';

/**
 * Among K proposals, the one to record: the best valid plan no person rejected and not seen before, else the best
 * valid, else the least broken.
 */
export function pickBest<T extends Proposal & { errors: number }>(proposals: T[], reducer: Reducer, objectives: Objective[]): T | undefined {
  const stale = (p: T) => (reducer.isRejected(p) ? 2 : reducer.has(p.planId) || reducer.has(p.key) ? 1 : 0);
  const ranked = [...proposals].sort((a, b) => {
    if (a.valid !== b.valid) return a.valid ? -1 : 1;
    if (!a.valid) return a.errors - b.errors;
    return stale(a) - stale(b) || compareScores(a.score!, b.score!, objectives);
  });
  return ranked[0];
}

/** Improvements since the previous checkpoint (iterations after `since`). */
export function improvementsSince(state: SessionState, since: number): ScoreChange[] {
  return state.improvements.filter((c) => c.iteration > since);
}
