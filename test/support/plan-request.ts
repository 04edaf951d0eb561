// A PlanRequest as the engine builds one, for driving planners directly in tests.
import type { Champion, PlanRequest } from '../../src/planners/types.js';
import { objectivesOf } from '../../src/procedures/quality.js';
import type { PlanTarget } from '../../src/procedures/types.js';

export function request(target: PlanTarget, iteration: number, champion: Champion | null, seen: Set<string>, objectives = objectivesOf(target)): PlanRequest {
  return {
    goalText: target.goal.description,
    target,
    iteration,
    currentPlan: champion?.plan ?? null,
    currentFindings: [],
    champion,
    objectives,
    seen,
    recall: { items: [], tokens: 0, budget: 0, total: 0 },
    feedback: [],
    signal: new AbortController().signal,
  };
}
