// The built-in planner's first answer: a shortest plan by A* with the admissible h_max heuristic over the procedure's
// STRIPS actions, every rule compiled into the domain (see builtin/domain.ts).
import type { Plan, PlanStep } from '../core/plan.js';
import type { PlanTarget, Rule } from '../procedures/types.js';
import { applicable, apply, compileDomain, ownersFor, relaxedBound, stateKey, type Domain } from './builtin/domain.js';
import { explainNoPlan, explainStatic } from './builtin/explain.js';
import { Heap } from './builtin/heap.js';

export interface SearchPreferences {
  /** Actions to favour when plans of equal length exist (e.g. patterns from approved plans). */
  prefer?: string[];
  /** Actions never to use (prohibitions from lessons or a person). */
  avoid?: string[];
  /** Actions the plan must contain (a person asked for them). */
  require?: string[];
  /** Preferred orderings, applied when the plan stays valid. */
  orderings?: { before: string; after: string }[];
  /** Also obey warning-severity rules (default true; the planner relaxes this only if no plan exists). */
  strict?: boolean;
  /** Search effort bound. */
  maxExpansions?: number;
  /** Effort bound in operator visits (see relaxedBound): large domains stop sooner. */
  maxWork?: number;
}

export type SearchResult =
  | { found: true; actions: string[]; expanded: number }
  | { found: false; reason: string; expanded: number /** The budget ran out: a plan may still exist. */; outOfBudget?: true };

interface Keyed<T> {
  key: number;
  seq: number;
  value: T;
}

/** Smallest key first (within a hair), then first queued. */
const byKey = <T>(x: Keyed<T>, y: Keyed<T>) => x.key < y.key - 1e-9 || (Math.abs(x.key - y.key) <= 1e-9 && x.seq < y.seq);

function rulesFor(target: PlanTarget, prefs: SearchPreferences): Rule[] {
  return target.set.rules.filter((r) => (prefs.strict ?? true) || r.severity === 'error');
}

/** h_max with unit steps: the most steps any single goal fact still needs (admissible, so A* stays optimal). */
function hmax(domain: Domain, state: Uint8Array, meter?: { work: number }): number {
  const start = new Float64Array(domain.nFacts).fill(Infinity);
  for (let f = 0; f < domain.nFacts; f++) if (state[f]) start[f] = 0;
  return relaxedBound(domain, domain.ops, start, () => 1, meter);
}

/** Finds a shortest (then most preferred) action sequence reaching the goal under the rules. */
export function searchPlan(target: PlanTarget, prefs: SearchPreferences = {}): SearchResult {
  return searchWith(target, rulesFor(target, prefs), prefs, true);
}

function searchWith(target: PlanTarget, rules: Rule[], prefs: SearchPreferences, explain: boolean): SearchResult {
  const domain = compileDomain(target, { rules, avoid: prefs.avoid ?? [], require: prefs.require ?? [] });
  const why = explainStatic(target, domain, rules);
  if (why) return { found: false, reason: why, expanded: 0 };
  const prefer = new Set(prefs.prefer ?? []);
  // Preferred actions cost exactly 1; others a hair more, so ties break toward what memory favours.
  const stepCost = (id: string) => (prefer.has(id) ? 1 : 1 + 1e-4);
  const limit = prefs.maxExpansions ?? 200_000;
  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  type NodeT = { state: Uint8Array; g: number; depth: number; parent: NodeT | null; op: string | undefined };
  const best = new Map<string, number>();
  const open = new Heap<Keyed<NodeT>>(byKey);
  let seq = 0;
  const push = (key: number, value: NodeT) => open.push({ key, seq: seq++, value });
  push(hmax(domain, start), { state: start, g: 0, depth: 0, parent: null, op: undefined });
  let expanded = 0;
  const meter = { work: 0 };
  const maxWork = prefs.maxWork ?? Infinity;
  // The empty plan is its own node: a proposal needs at least one step even when the goal already holds.
  while (open.size > 0) {
    const node = open.pop()!.value;
    if (node.depth > 0 && domain.goal.every((f) => node.state[f])) {
      const actions: string[] = [];
      for (let n: NodeT | null = node; n?.op; n = n.parent) actions.push(n.op);
      return { found: true, actions: actions.reverse(), expanded };
    }
    if (node.depth > 0 && (best.get(stateKey(domain, node.state, node.op)) ?? Infinity) < node.g - 1e-9) continue;
    if (++expanded > limit || meter.work > maxWork)
      return { found: false, reason: `no plan found within ${Math.min(limit, expanded)} search steps`, expanded, outOfBudget: true };
    if (node.depth >= domain.maxSteps) continue;
    for (const op of domain.ops) {
      if (!applicable(op, node.state, node.op)) continue;
      const next = apply(op, node.state);
      const g = node.g + stepCost(op.id);
      const k = stateKey(domain, next, op.id);
      if ((best.get(k) ?? Infinity) <= g + 1e-9) continue;
      const h = hmax(domain, next, meter);
      if (h === Infinity || node.depth + 1 + h > domain.maxSteps) continue;
      best.set(k, g);
      push(g + h, { state: next, g, depth: node.depth + 1, parent: node, op: op.id });
    }
  }
  if (!explain) return { found: false, reason: 'no plan exists', expanded };
  // Each check is one more exhaustive search, bounded so a large set cannot stall the answer.
  const solvable = (rs: Rule[]) => {
    const r = searchWith(target, rs, { ...prefs, maxExpansions: Math.min(limit, 20_000) }, false);
    return r.found ? true : r.outOfBudget ? undefined : false;
  };
  return { found: false, reason: explainNoPlan(target, rules, solvable), expanded };
}

/** Turns an action sequence into plan steps: owners from owner rules or roles (kept apart where duties must be segregated), fields filled. */
export function materialize(target: PlanTarget, actions: string[]): PlanStep[] {
  const { set } = target;
  const byId = new Map(set.actions.map((a) => [a.id, a]));
  const { owners } = ownersFor(target, set.rules);
  return actions.map((id) => {
    const a = byId.get(id);
    const step: PlanStep = { action: id, description: a?.description ?? id, owner: owners.get(id) ?? `${id} owner` };
    const fields = new Set(a?.fields ?? []);
    for (const r of set.rules) if (r.kind === 'required-fields' && (!r.actions || r.actions.includes(id))) r.fields.forEach((f) => fields.add(f));
    for (const f of fields) if (step[f] === undefined) step[f] = f === 'evidence' ? `record of ${id} linked in the change ticket` : `${f} for ${id}`;
    return step;
  });
}

export function planFromActions(target: PlanTarget, actions: string[], summary: string): Plan {
  return { title: target.goal.description, summary, procedure: target.set.id, goal: target.goal.id, steps: materialize(target, actions) };
}
