// Champion and challenger: judges a proposal against the session's best valid plan and keeps the records that
// make "improved", "alternative" and "converged" checkable claims rather than words.
import type { Plan } from '../core/plan.js';
import type { Outcome } from '../memory/types.js';
import type { Champion } from '../planners/types.js';
import { compareScores, type Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import type { ScoreChange, SessionState } from './types.js';

/**
 * The plans a session has seen: its list (saved with the session, grown in place) and a set beside it, so a run of
 * thousands of distinct plans looks one up in constant time instead of scanning or copying the list every iteration.
 */
export class SeenPlans {
  private readonly set: Set<string>;
  constructor(private readonly list: string[]) {
    this.set = new Set(list);
  }
  has(id: string): boolean {
    return this.set.has(id);
  }
  add(id: string): void {
    if (this.set.has(id)) return;
    this.set.add(id);
    this.list.push(id);
  }
  /** The same plans as a set, for a planner's request (read-only). */
  get ids(): ReadonlySet<string> {
    return this.set;
  }
}

/** How many alternatives a session keeps for the checkpoint view. */
const KEEP_ALTERNATIVES = 3;

export interface Proposal {
  plan: Plan;
  planId: string;
  valid: boolean;
  /** Present when valid. */
  score?: Score;
}

/** What a valid or invalid proposal is worth against the champion and the plans seen so far. */
export function judge(p: Proposal, champion: Champion | null, seen: SeenPlans, objectives: Objective[]): Outcome {
  if (!p.valid || !p.score) return 'failed';
  // No champion (the first valid plan, or the champion was rejected): any valid plan takes the place.
  if (!champion) return 'improved';
  if (seen.has(p.planId)) return 'repeat';
  const c = compareScores(p.score, champion.score, objectives);
  return c < 0 ? 'improved' : c === 0 ? 'alternative' : 'worse';
}

/** Among K proposals, the one to record: the best valid plan not seen before, else the best valid, else the least broken. */
export function pickBest<T extends Proposal & { errors: number }>(proposals: T[], seen: SeenPlans, objectives: Objective[]): T | undefined {
  const ranked = [...proposals].sort((a, b) => {
    if (a.valid !== b.valid) return a.valid ? -1 : 1;
    if (!a.valid) return a.errors - b.errors;
    const fresh = Number(seen.has(a.planId)) - Number(seen.has(b.planId));
    if (fresh !== 0) return fresh;
    return compareScores(a.score!, b.score!, objectives);
  });
  return ranked[0];
}

/** Applies an iteration's judgement to the session: champion, improvements, alternatives, seen plans. */
export function applyJudgement(
  state: SessionState,
  seen: SeenPlans,
  iteration: number,
  p: Proposal,
  outcome: Outcome,
  objectives: Objective[],
): ScoreChange | undefined {
  let change: ScoreChange | undefined;
  if (outcome === 'improved' && p.score) {
    change = { iteration, before: state.champion?.score ?? null, after: p.score };
    if (state.champion) remember(state, { planId: state.champion.planId, score: state.champion.score, iteration: state.champion.iteration }, objectives);
    state.champion = { plan: p.plan, score: p.score, planId: p.planId, iteration } satisfies Champion;
    state.improvements.push(change);
    state.lastImprovement = iteration;
    state.idleSince = iteration;
  } else if ((outcome === 'alternative' || outcome === 'worse') && p.score) {
    remember(state, { planId: p.planId, score: p.score, iteration }, objectives);
  }
  seen.add(p.planId);
  return change;
}

function remember(state: SessionState, alt: { planId: string; score: Score; iteration: number }, objectives: Objective[]): void {
  if (state.alternatives.some((a) => a.planId === alt.planId)) return;
  state.alternatives.push(alt);
  state.alternatives.sort((a, b) => compareScores(a.score, b.score, objectives) || a.iteration - b.iteration);
  state.alternatives.splice(KEEP_ALTERNATIVES);
}

/** Improvements since the previous checkpoint (iterations after `since`). */
export function improvementsSince(state: SessionState, since: number): ScoreChange[] {
  return state.improvements.filter((c) => c.iteration > since);
}
