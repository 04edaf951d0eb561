// Plan scores as memory shows them (an exemplar's line, the summary's chart) and compares them across sessions.
import type { Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';

/** Minutes as a short duration: 3000 → "2d 2h" (working days of 24 h, as procedures declare them). */
export function formatMinutes(minutes: number): string {
  if (!Number.isFinite(minutes)) return '–';
  const m = Math.round(minutes);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const r = m % 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', r ? `${r}m` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0m';
}

/** One objective's value, readable. */
export function formatObjective(score: Score, o: Objective): string {
  if (o === 'makespan') return `makespan ${formatMinutes(score.makespan)}`;
  if (o === 'risk') return `risk ${Math.round(score.risk * 1000) / 1000}`;
  if (o === 'cost') return `cost ${Math.round(score.cost * 100) / 100}`;
  return `${score.steps} steps`;
}

export function formatScore(score: Score, objectives: Objective[] | undefined): string {
  const order: Objective[] = objectives?.length ? objectives : ['steps'];
  return order.map((o) => formatObjective(score, o)).join(' · ');
}

/** Lexicographic comparison under `objectives`: negative when `a` is better (lower), 0 when equal. */
export function compareScores(a: Score, b: Score, objectives: Objective[]): number {
  for (const o of objectives) {
    const d = a[o] - b[o];
    if (Math.abs(d) > 1e-9) return d;
  }
  return 0;
}

const sameObjectives = (a: Objective[] | undefined, b: Objective[] | undefined) => (a ?? []).join(',') === (b ?? []).join(',');

/**
 * Whether a new champion should replace the held exemplar: only when it is strictly better under the same
 * objectives, or when the two cannot be compared (no score, other objectives) and the newer one wins.
 */
export function betterScore(held: { score?: Score; objectives?: Objective[] }, next: { score?: Score; objectives?: Objective[] }): 'new' | 'held' {
  if (!held.score || !next.score || !sameObjectives(held.objectives, next.objectives)) return 'new';
  return compareScores(next.score, held.score, next.objectives?.length ? next.objectives : ['steps']) < 0 ? 'new' : 'held';
}

/** An exemplar's line: the goal's best valid plan so far, with its score. */
export function exemplarText(steps: string[], score: Score | undefined, objectives: Objective[] | undefined): string {
  return `best plan so far${score ? ` (${formatScore(score, objectives)})` : ''}: ${steps.join(' → ')}`;
}
