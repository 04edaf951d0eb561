// Checks a model's claim that its plan is optimal: refuted when a known plan (the champion) or the exact search scores
// better; holds when the plan meets the procedures' lower bound on every objective, or when the exact search proves
// the optimum within its budget and the plan scores the same; otherwise unchecked. Nothing else may say "optimal".
import type { OptimalClaim } from '../memory/types.js';
import { compareScores, formatScore, type Score } from '../procedures/quality.js';
import { lowerBound } from '../procedures/bounds.js';
import type { Objective, PlanTarget } from '../procedures/types.js';
import { optimise, type OptimiseResult } from './builtin/optimise.js';

/** A plan known to be valid that the claim is measured against (the session's champion). */
export interface KnownPlan {
  score: Score;
  iteration: number;
}

/** Effort the proof may take, in operator visits (the built-in planner's exact first search uses the same). */
const PROOF_WORK = 3_000_000;
const PROOF_EXPANSIONS = 60_000;

/** Holds one exact search per rule set and objectives for a run (the optimum does not depend on the claimed plan). */
export class ClaimChecker {
  private readonly proofs = new Map<string, OptimiseResult>();

  constructor(private readonly budget: { maxWork: number; maxExpansions: number } = { maxWork: PROOF_WORK, maxExpansions: PROOF_EXPANSIONS }) {}

  check(score: Score, target: PlanTarget, objectives: Objective[], champion: KnownPlan | null): OptimalClaim {
    const o: Objective[] = objectives.length ? objectives : ['steps'];
    if (champion && compareScores(champion.score, score, o) < 0)
      return {
        verdict: 'refuted',
        by: 'champion',
        text: `refuted: the champion of iteration ${champion.iteration} scores better (${formatScore(champion.score, o)})`,
      };
    if (!score.warnings && meetsBound(score, lowerBound(target), o))
      return { verdict: 'holds', by: 'bound', text: 'holds (proved by the lower bound: it meets it on every objective)' };
    const proof = this.proof(target, o);
    if (proof.best && compareScores(proof.best.score, score, o) < 0)
      return { verdict: 'refuted', by: 'search', text: `refuted: a plan the search found scores better (${formatScore(proof.best.score, o)})` };
    if (proof.proved && proof.best && compareScores(proof.best.score, score, o) === 0)
      return { verdict: 'holds', by: 'search', text: 'holds (proved by search)' };
    return { verdict: 'unchecked', text: 'unchecked: no bound reached and the search proved nothing within its budget' };
  }

  private proof(target: PlanTarget, objectives: Objective[]): OptimiseResult {
    const key = `${objectives.join()}|${target.set.id}|${target.goal.id}|${target.set.rules.map((r) => r.id).join()}`;
    let proof = this.proofs.get(key);
    if (!proof) {
      proof = optimise(target, { objectives, rules: target.set.rules, seen: new Set(), ...this.budget });
      this.proofs.set(key, proof);
    }
    return proof;
  }
}

/** The plan is at the lower bound on every objective: no valid plan can be better on any of them. */
function meetsBound(score: Score, bound: Score, objectives: Objective[]): boolean {
  return objectives.every((o) => score[o] <= bound[o] + 1e-9);
}
