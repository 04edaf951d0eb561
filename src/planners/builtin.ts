// The built-in planner: searches the procedures for a valid plan, steered by memory and human feedback.
import { actionIntents } from '../feedback/intents.js';
import type { Plan } from '../core/plan.js';
import { validatePlan } from '../procedures/validate.js';
import type { PlanTarget } from '../procedures/types.js';
import type { MemoryItem } from '../memory/types.js';
import { planFromActions, searchPlan, type SearchPreferences } from './search.js';
import { PlannerError, type PlanRequest, type PlanResponse, type Planner } from './types.js';

/** Reads action ids out of a person's feedback: "add notify-stakeholders", "don't use deploy-directly". */
export function preferencesFromFeedback(target: PlanTarget, feedback: string[]): { require: string[]; avoid: string[] } {
  const ids = target.set.actions.map((a) => a.id);
  const require = new Set<string>();
  const avoid = new Set<string>();
  for (const text of feedback) {
    const intents = actionIntents(text, ids);
    intents.include.forEach((a) => require.add(a));
    intents.avoid.forEach((a) => avoid.add(a));
  }
  return { require: [...require], avoid: [...avoid] };
}

/** Turns recalled memory into search preferences; only lessons seen twice or from a person become prohibitions. */
export function preferencesFromMemory(items: MemoryItem[]): SearchPreferences {
  const prefer = new Set<string>();
  const avoid = new Set<string>();
  const orderings: { before: string; after: string }[] = [];
  for (const item of items) {
    const d = item.data;
    if (d.type === 'include' && item.kind === 'pattern') prefer.add(d.action);
    else if (d.type === 'fix') prefer.add(d.action);
    else if (d.type === 'ordering') orderings.push({ before: d.before, after: d.after });
    else if (d.type === 'avoid' && (item.human > 0 || item.count >= 2)) avoid.add(d.action);
    else if (d.type === 'include' && item.kind !== 'pattern' && item.human > 0) prefer.add(d.action);
  }
  return { prefer: [...prefer], avoid: [...avoid], orderings };
}

/**
 * Among the many equally short orderings the search may return, prefer the one that follows the order the
 * procedure declares its actions in (a scan before the release, not after it): each step moves earlier past
 * a later-declared one whenever the plan stays valid.
 */
export function canonicalOrder(target: PlanTarget, actions: string[]): string[] {
  const rank = new Map(target.set.actions.map((a, i) => [a.id, i]));
  const current = [...actions];
  for (let moved = true; moved; ) {
    moved = false;
    for (let i = 1; i < current.length; i++) {
      if ((rank.get(current[i]!) ?? 0) >= (rank.get(current[i - 1]!) ?? 0)) continue;
      const swapped = [...current];
      [swapped[i - 1], swapped[i]] = [swapped[i]!, swapped[i - 1]!];
      if (validatePlan(planFromActions(target, swapped, ''), target).valid) {
        current.splice(0, current.length, ...swapped);
        moved = true;
      }
    }
  }
  return current;
}

/** Moves steps to honour preferred orderings, keeping each move only if the plan stays valid. */
function applyOrderings(target: PlanTarget, actions: string[], orderings: { before: string; after: string }[]): string[] {
  let current = actions;
  for (const { before, after } of orderings) {
    const i = current.indexOf(before);
    const j = current.indexOf(after);
    if (i < 0 || j < 0 || i < j) continue;
    const moved = [...current.slice(0, j), before, ...current.slice(j).filter((_, k) => k !== i - j)];
    if (validatePlan(planFromActions(target, moved, ''), target).valid) current = moved;
  }
  return current;
}

export class BuiltinPlanner implements Planner {
  readonly name = 'builtin';

  async propose(req: PlanRequest): Promise<PlanResponse> {
    if (req.signal.aborted) throw new PlannerError('aborted', 'cancelled');
    const memory = preferencesFromMemory(req.recall.items);
    const asked = preferencesFromFeedback(req.target, req.feedback);
    const notes: string[] = [];
    const attempts: SearchPreferences[] = [
      { ...memory, require: asked.require, avoid: [...(memory.avoid ?? []), ...asked.avoid] },
      { ...memory, require: asked.require, avoid: asked.avoid },
      { ...memory, require: [], avoid: [], strict: true },
      { prefer: memory.prefer ?? [], strict: false },
    ];
    for (const [n, prefs] of attempts.entries()) {
      const result = searchPlan(req.target, prefs);
      if (!result.found) {
        if (n === 0 && (asked.require.length || asked.avoid.length)) notes.push(`could not honour all feedback (${result.reason})`);
        if (n === attempts.length - 1) throw new PlannerError('no-plan', result.reason);
        continue;
      }
      const actions = applyOrderings(req.target, canonicalOrder(req.target, result.actions), memory.orderings ?? []);
      const summary = this.summarize(req, actions, prefs, notes);
      // Titled with the person's own goal; the procedure goal it was matched to is in `goal`.
      const plan: Plan = { ...planFromActions(req.target, actions, summary), title: req.goalText.trim().slice(0, 200) || req.target.goal.description };
      return { plan, mode: 'builtin', promptChars: 0 };
    }
    throw new PlannerError('no-plan', 'no plan found');
  }

  private summarize(req: PlanRequest, actions: string[], prefs: SearchPreferences, notes: string[]): string {
    const parts = [`Shortest plan satisfying ${req.target.set.name} for "${req.goalText}" (${actions.length} steps).`];
    if (prefs.require?.length) parts.push(`Includes ${prefs.require.join(', ')} as asked.`);
    if (prefs.avoid?.length) parts.push(`Avoids ${prefs.avoid.join(', ')}.`);
    if (req.feedback.length) parts.push(`Addresses feedback: ${req.feedback.map((f) => `"${f}"`).join('; ')}.`);
    return [...parts, ...notes].join(' ');
  }
}
