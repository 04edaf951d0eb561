// Plan scores as memory keeps them: an exemplar's line, and whether a new champion beats the goal's exemplar.
import { compareScores, formatScore, type Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';

const sameObjectives = (a: Objective[] | undefined, b: Objective[] | undefined) => (a ?? []).join(',') === (b ?? []).join(',');
const orderOf = (objectives: Objective[] | undefined): Objective[] => (objectives?.length ? objectives : ['steps']);

/**
 * Whether a new champion should replace the held exemplar: only when it is strictly better under the same
 * objectives, or when the two cannot be compared (no score, other objectives) and the newer one wins.
 */
export function betterScore(held: { score?: Score; objectives?: Objective[] }, next: { score?: Score; objectives?: Objective[] }): 'new' | 'held' {
  if (!held.score || !next.score || !sameObjectives(held.objectives, next.objectives)) return 'new';
  return compareScores(next.score, held.score, orderOf(next.objectives)) < 0 ? 'new' : 'held';
}

/** An exemplar's line: the goal's best valid plan so far, with its score. */
export function exemplarText(steps: string[], score: Score | undefined, objectives: Objective[] | undefined): string {
  return `best plan so far${score ? ` (${formatScore(score, orderOf(objectives))})` : ''}: ${steps.join(' → ')}`;
}
