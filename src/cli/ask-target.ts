// The terminal question asked when a goal matches a procedure goal only weakly, ambiguously or not at all.
import { select } from '@inquirer/prompts';
import { safeText } from '../core/text.js';
import { matchReason, targetName, type AskTarget, type GoalRanking, type TargetChoice } from '../procedures/target.js';
import type { PlanTarget } from '../procedures/types.js';

const MAX_LISTED = 8;

function question(r: GoalRanking): string {
  const goal = `"${safeText(r.text, true)}"`;
  const best = r.candidates[0];
  if (r.strength === 'none' || !best) return `No procedure goal matches ${goal}. What now?`;
  if (r.strength === 'close') return `${goal} matches ${r.candidates.length} procedure goals about equally. Which one?`;
  return `${goal} matches ${targetName(best)} only weakly (${matchReason(best)}). What now?`;
}

/** Choices in one list: a drafted procedure set first when nothing fits, the candidates, then every other goal. */
export function targetChoices(r: GoalRanking, all: PlanTarget[]): { name: string; value: TargetChoice }[] {
  const draft = { name: 'Draft new procedures for this goal (jupiter procedures new)', value: { kind: 'new' } as TargetChoice };
  const describe = (t: PlanTarget, why?: string) => `${targetName(t)} — ${safeText(t.goal.description, true)}${why ? ` (${why})` : ''}`;
  const listed = r.candidates
    .slice(0, MAX_LISTED)
    .map((c) => ({ name: describe(c, matchReason(c)), value: { kind: 'use', target: { set: c.set, goal: c.goal } } as TargetChoice }));
  const others = all
    .filter((t) => !r.candidates.some((c) => c.set === t.set && c.goal === t.goal))
    .slice(0, Math.max(0, MAX_LISTED - listed.length))
    .map((t) => ({ name: describe(t), value: { kind: 'use', target: t } as TargetChoice }));
  const cancel = { name: 'Cancel', value: { kind: 'cancel' } as TargetChoice };
  // A close call is usually one of the candidates; a weak or absent match usually needs procedures of its own.
  return r.strength === 'close' ? [...listed, draft, ...others, cancel] : [draft, ...listed, ...others, cancel];
}

export function terminalAskTarget(context: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}): AskTarget {
  return async (ranking, all) => select({ message: question(ranking), choices: targetChoices(ranking, all), loop: false }, context);
}
