// The fixes the validator offers, as edits of the plan: each names only steps that can run where it puts them, and
// says "move" when the step is already in the plan. Insights apply the same edits to check what they claim.
import type { Plan } from '../core/plan.js';
import type { ActionDef, ProcedureSet } from './types.js';

/**
 * `put`: before the step at index `at` (the plan's length: at the end), place in order each new action (an id) and
 * each existing step (its index, moved there). `remove`: drop the step at that index, putting `put` in its place.
 * Indexes are the unedited plan's.
 */
export type PlanEdit = { put: (string | number)[]; at: number } | { remove: number; put: string[] };

/** A step as a fix names it: `step 3 (build-artifact)`. */
export const stepName = (plan: Plan, i: number) => `step ${i + 1} (${plan.steps[i]?.action ?? '?'})`;

/** The edited plan, and for each of its steps the index it had before (-1: inserted). */
export function applyEdit(plan: Plan, edit: PlanEdit): { plan: Plan; origin: number[] } {
  const at = 'remove' in edit ? edit.remove : edit.at;
  const moved = new Set((edit.put as (string | number)[]).filter((x): x is number => typeof x === 'number'));
  if ('remove' in edit) moved.add(edit.remove);
  const kept = plan.steps.map((_, i) => i).filter((i) => !moved.has(i));
  const pos = kept.findIndex((i) => i >= at);
  const cut = pos < 0 ? kept.length : pos;
  const placed = edit.put.map((x) => (typeof x === 'number' ? x : -1));
  const origin = [...kept.slice(0, cut), ...placed, ...kept.slice(cut)];
  const fresh = (edit.put as (string | number)[]).filter((x): x is string => typeof x === 'string');
  let added = 0;
  const steps = origin.map((i) => (i >= 0 ? plan.steps[i]! : { action: fresh[added++]! }));
  return { plan: { ...plan, steps }, origin };
}

/** Error-forbidden actions: never suggested. */
export function forbiddenIds(set: ProcedureSet): Set<string> {
  return new Set(set.rules.flatMap((r) => (r.kind === 'forbidden' && r.severity === 'error' ? [r.action] : [])));
}

/** Allowed actions that add `fact`. */
function providersOf(set: ProcedureSet, fact: string, forbidden: Set<string>): ActionDef[] {
  return set.actions.filter((a) => a.provides.includes(fact) && !forbidden.has(a.id));
}

const runs = (a: ActionDef, state: ReadonlySet<string>) => a.requires.every((f) => state.has(f));

/** `id` brought in before step `at`: the plan's later step of it moved up, else a new one. */
const takeOrAdd = (plan: Plan, at: number, id: string): string | number => {
  const later = plan.steps.findIndex((s, j) => j > at && s.action === id);
  return later >= 0 ? later : id;
};

/**
 * How to have `id` run just before step `at`, given the facts that hold there: move it up when the plan has it
 * later, else add it; when it cannot run there, first bring in one step per fact it lacks (each runnable there).
 * Undefined when no such edit exists (it needs more than one step of preparation, or `at` was never reached).
 */
export function bringIn(plan: Plan, set: ProcedureSet, state: ReadonlySet<string> | undefined, at: number, id: string): PlanEdit | undefined {
  const action = set.actions.find((a) => a.id === id);
  if (!state || !action) return undefined;
  const forbidden = forbiddenIds(set);
  const put: (string | number)[] = [];
  for (const fact of action.requires.filter((f) => !state.has(f))) {
    const provider = providersOf(set, fact, forbidden).find((p) => runs(p, state));
    if (!provider) return undefined;
    const step = takeOrAdd(plan, at, provider.id);
    if (!put.includes(step)) put.push(step);
  }
  put.push(takeOrAdd(plan, at, id));
  return { put, at };
}

/** The first provider of `fact` that can be brought in before step `at`, and how. */
export function provide(plan: Plan, set: ProcedureSet, state: ReadonlySet<string> | undefined, at: number, fact: string): PlanEdit | undefined {
  for (const p of providersOf(set, fact, forbiddenIds(set))) {
    const edit = bringIn(plan, set, state, at, p.id);
    if (edit) return edit;
  }
  return undefined;
}

/** A forbidden step's fix: leave it out, with an allowed step in its place for each fact it gave that one can give there. */
export function replace(set: ProcedureSet, state: ReadonlySet<string> | undefined, plan: Plan, i: number): PlanEdit {
  const action = set.actions.find((a) => a.id === plan.steps[i]?.action);
  const forbidden = forbiddenIds(set);
  const put: string[] = [];
  for (const fact of action?.provides ?? []) {
    if (!state || state.has(fact)) continue;
    const p = providersOf(set, fact, forbidden).find((x) => runs(x, state));
    if (p && !put.includes(p.id)) put.push(p.id);
  }
  return { remove: i, put };
}

/** An edit as a fix hint says it, e.g. "move step 5 (provision-replica) before step 4 (cut-over)". */
export function describeEdit(plan: Plan, edit: PlanEdit): string {
  if ('remove' in edit)
    return edit.put.length ? `replace ${stepName(plan, edit.remove)} with ${edit.put.join(', then ')}` : `remove ${stepName(plan, edit.remove)}`;
  const [only] = edit.put;
  // The failing step moved down after the step it must follow.
  if (edit.put.length === 1 && typeof only === 'number' && only < edit.at) return `move ${stepName(plan, only)} after ${stepName(plan, edit.at - 1)}`;
  const what = edit.put.map((x) => (typeof x === 'number' ? `move ${stepName(plan, x)}` : `add ${x}`)).join(', then ');
  const last = plan.steps.length - 1;
  const where = edit.at > last ? `at the end${last >= 0 ? `, after ${stepName(plan, last)}` : ''}` : `before ${stepName(plan, edit.at)}`;
  return `${what}${edit.put.length > 1 ? ',' : ''} ${where}`;
}
