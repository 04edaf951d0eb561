// Picks the procedure set and goal a free-text goal (or an explicit "set/goal") is checked against.
import { UsageError } from '../core/errors.js';
import type { GoalDef, PlanTarget, ProcedureLibrary } from './types.js';

const STOP = new Set(['the', 'a', 'an', 'of', 'to', 'for', 'and', 'our', 'new', 'in', 'on', 'with', 'my', 'we']);

export function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !STOP.has(w));
}

/** A crude stem so "deploying", "deploys" and "deployment" meet "deploy". */
function stem(w: string): string {
  return w.replace(/(ments?|ing|ed|es|s)$/, '') || w;
}

function score(goal: GoalDef, setName: string, text: string): number {
  const tokens = new Set(words(text).map(stem));
  let s = 0;
  for (const kw of goal.keywords) {
    const kws = words(kw).map(stem);
    if (kws.length > 0 && kws.every((k) => tokens.has(k))) s += kws.length > 1 ? 3 : 2;
  }
  for (const w of words(`${goal.id} ${goal.description} ${setName}`)) if (tokens.has(stem(w))) s += 0.5;
  return s;
}

/** Resolves "set" or "set/goal" exactly. */
export function findTarget(library: ProcedureLibrary, spec: string): PlanTarget {
  const [setId, goalId] = spec.split('/', 2);
  const set = library.sets.find((s) => s.id === setId);
  if (!set) throw new UsageError(`--procedure: no procedure set "${setId}" (have ${library.sets.map((s) => s.id).join(', ')})`);
  const goal = goalId ? set.goals.find((g) => g.id === goalId) : set.goals[0];
  if (!goal) throw new UsageError(`--procedure: ${set.id} has no goal "${goalId}" (have ${set.goals.map((g) => g.id).join(', ')})`);
  return { set, goal };
}

/** The best-matching goal for free text; a clear error when nothing matches. */
export function matchGoal(library: ProcedureLibrary, text: string): PlanTarget {
  let best: (PlanTarget & { score: number }) | undefined;
  for (const set of library.sets) {
    for (const goal of set.goals) {
      const s = score(goal, set.name, text);
      if (!best || s > best.score) best = { set, goal, score: s };
    }
  }
  if (!best || best.score <= 0.5) {
    const all = library.sets.flatMap((s) => s.goals.map((g) => `${s.id}/${g.id}`));
    throw new UsageError(`no procedure goal matches "${text}": name one with --procedure (${all.join(', ')})`);
  }
  return { set: best.set, goal: best.goal };
}
