// Lower bounds on any valid plan's score, from the procedures alone: the steps every valid plan must hold (required
// rules, and the only provider of a fact one of them or the goal needs) and the longest chain of steps the goal's
// facts wait for (each fact reached at its earliest, ignoring what steps remove: a relaxation, so never too high).
import type { Score } from './quality.js';
import type { ActionDef, PlanTarget } from './types.js';

/** Actions a plan may use: those no error rule forbids. */
function usable(target: PlanTarget): ActionDef[] {
  const forbidden = new Set(target.set.rules.flatMap((r) => (r.kind === 'forbidden' && r.severity === 'error' ? [r.action] : [])));
  return target.set.actions.filter((a) => !forbidden.has(a.id));
}

/** Actions every valid plan holds: the required ones, and the sole usable provider of a fact one of those (or the goal) needs. */
function landmarks(target: PlanTarget, actions: ActionDef[]): ActionDef[] {
  const initial = new Set(target.goal.initial ?? target.set.initial);
  const byId = new Map(actions.map((a) => [a.id, a]));
  const needed = new Map<string, ActionDef>();
  const facts = [...target.goal.facts];
  const need = (a: ActionDef | undefined) => {
    if (!a || needed.has(a.id)) return;
    needed.set(a.id, a);
    facts.push(...a.requires);
  };
  for (const r of target.set.rules) if (r.kind === 'required' && r.severity === 'error') need(byId.get(r.action));
  const seen = new Set<string>();
  for (let f = facts.pop(); f !== undefined; f = facts.pop()) {
    if (seen.has(f) || initial.has(f)) continue;
    seen.add(f);
    const providers = actions.filter((a) => a.provides.includes(f));
    if (providers.length === 1) need(providers[0]);
  }
  return [...needed.values()];
}

/** Earliest time each fact can hold (h_max with durations, deletes ignored): a fact's first provider ends no sooner. */
function earliest(target: PlanTarget, actions: ActionDef[]): { fact: Map<string, number>; end: (a: ActionDef) => number } {
  const fact = new Map<string, number>((target.goal.initial ?? target.set.initial).map((f) => [f, 0]));
  const end = (a: ActionDef) => {
    let start = 0;
    for (const f of a.requires) start = Math.max(start, fact.get(f) ?? Infinity);
    return start + (a.duration ?? 0);
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of actions) {
      const t = end(a);
      if (!Number.isFinite(t)) continue;
      for (const f of a.provides) {
        if (t < (fact.get(f) ?? Infinity)) {
          fact.set(f, t);
          changed = true;
        }
      }
    }
  }
  return { fact, end };
}

/**
 * A score no valid plan can beat on any objective: makespan (the longest chain to a goal fact or a required step),
 * cost and risk (the steps every plan holds), steps (how many those are). Infinity makespan: the goal is unreachable.
 */
export function lowerBound(target: PlanTarget): Score {
  const actions = usable(target);
  const must = landmarks(target, actions);
  const { fact, end } = earliest(target, actions);
  let makespan = 0;
  for (const f of target.goal.facts) makespan = Math.max(makespan, fact.get(f) ?? Infinity);
  for (const a of must) makespan = Math.max(makespan, end(a));
  let safe = 1;
  for (const a of must) safe *= 1 - (a.risk ?? 0);
  const cost = must.reduce((n, a) => n + (a.cost ?? 0), 0);
  return { makespan, cost: Math.round(cost * 1e6) / 1e6, risk: Math.round((1 - safe) * 1e6) / 1e6, steps: must.length };
}
