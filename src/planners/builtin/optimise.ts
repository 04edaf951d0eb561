// The built-in planner's optimiser: best-first search over plans in score order (lexicographic under the
// objectives), so the first plan it reaches is optimal and the next ones are the best alternatives.
import { planFromActions } from '../search.js';
import { planId, scorePlan, type Score } from '../../procedures/quality.js';
import { People } from '../../procedures/people.js';
import { ScheduleBuilder, ScheduleModel, scheduleKey } from '../../procedures/schedule.js';
import type { Objective, PlanTarget, Rule } from '../../procedures/types.js';
import { validatePlan } from '../../procedures/validate.js';
import { applicable, apply, compileDomain, relaxedBound, stateKey, type Domain, type Op } from './domain.js';
import { Heap } from './heap.js';

export interface OptimiseOptions {
  objectives: readonly Objective[];
  /** Rules to obey (all, or the errors only when warnings are relaxed). */
  rules: Rule[];
  avoid?: string[];
  /** Plan ids not to return (already proposed in this session). */
  seen: ReadonlySet<string>;
  /** Schedules (scheduleKey) not to return: those of plans a person rejected. */
  rejected?: ReadonlySet<string>;
  maxExpansions?: number;
  /** Effort bound in operator visits (see relaxedBound): large domains stop sooner. */
  maxWork?: number;
  /**
   * Also walk plans that pruning would skip (steps that add nothing the goal needs, partial plans another one beats):
   * for distinct alternatives once the pruned search has no unseen plan left. Slower; never needed for the optimum.
   */
  exhaustive?: boolean;
}

export interface FoundPlan {
  actions: string[];
  planId: string;
  score: Score;
}

export interface OptimiseResult {
  /** The best plan whose id is not in `seen`, when the search reached one. */
  plan?: FoundPlan;
  /** The best plan of all (seen or not), when the search reached it. */
  best?: FoundPlan;
  /** The search reached `best` before its budget ran out, with admissible bounds: no valid plan scores better. */
  proved: boolean;
  expanded: number;
}

interface Label {
  state: Uint8Array;
  last: string | undefined;
  sched: ScheduleBuilder;
  cost: number;
  riskWeight: number;
  steps: number;
  parent: Label | null;
  op: string | undefined;
  key: number[];
  dead: boolean;
}

/** Operators that can contribute to the goal; a plan with any other step is beaten by the same plan without it. */
function relevantOps(domain: Domain): Op[] {
  const facts = new Set(domain.goal);
  const chosen = new Set<Op>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const op of domain.ops) {
      if (chosen.has(op) || !op.add.some((f) => facts.has(f))) continue;
      chosen.add(op);
      op.pre.forEach((f) => facts.add(f));
      // The step an immediately-after rule puts before this one is needed too.
      for (const a of op.after) {
        for (const o of domain.ops) {
          if (o.id === a && !chosen.has(o)) {
            chosen.add(o);
            o.pre.forEach((f) => facts.add(f));
          }
        }
      }
      grew = true;
    }
  }
  return domain.ops.filter((o) => chosen.has(o));
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (Math.abs(d) > 1e-9) return d < 0;
  }
  return false;
}

/** Admissible bounds on what the rest of a plan adds, per objective (0 where the objective is not asked for). */
interface Bounds {
  steps: number;
  makespan: number;
  cost: number;
  risk: number;
}

/** One search's fixed parts: the compiled domain, the operators it tries, the schedule model, what it counts. */
interface Search {
  target: PlanTarget;
  opts: OptimiseOptions;
  domain: Domain;
  ops: Op[];
  model: ScheduleModel;
  /** The schedule's fact number of each domain fact. */
  toSched: (number | undefined)[];
  useSched: boolean;
  countSteps: boolean;
  meter: { work: number };
  /** Each operator's owner, as the schedule's resource. */
  resource: Map<string, string>;
}

function setUp(target: PlanTarget, opts: OptimiseOptions): Search {
  const domain = compileDomain(target, { rules: opts.rules, avoid: opts.avoid ?? [] });
  const ops = opts.exhaustive ? domain.ops : relevantOps(domain);
  const model = new ScheduleModel(target);
  const people = new People(target.set);
  return {
    target,
    opts,
    domain,
    ops,
    model,
    toSched: domain.factNames.map((n) => model.facts.get(n)),
    useSched: opts.objectives.includes('makespan'),
    countSteps: opts.objectives.includes('steps') || Number.isFinite(domain.maxSteps),
    meter: { work: 0 },
    resource: new Map(ops.map((o) => [o.id, people.resource(people.identify(o.owner, o.id), 0)])),
  };
}

/** h_max bounds from a label's state: each fact held counts from `holding` (its time for makespan, else 0). */
function bounds(s: Search, l: Label): Bounds {
  const { domain, opts } = s;
  const h = (holding: (f: number) => number, weight: (op: Op) => number) => {
    const start = new Float64Array(domain.nFacts);
    for (let f = 0; f < domain.nFacts; f++) start[f] = l.state[f] ? holding(f) : Infinity;
    return relaxedBound(domain, s.ops, start, weight, s.meter);
  };
  const zero = () => 0;
  const steps = s.countSteps ? h(zero, () => 1) : 0;
  const sched = (f: number) => (s.toSched[f] === undefined ? 0 : l.sched.addedAt(s.toSched[f]));
  const makespan = s.useSched
    ? Math.max(
        l.sched.makespan,
        h(sched, (o) => o.duration),
      )
    : 0;
  const cost = opts.objectives.includes('cost') ? h(zero, (o) => o.cost) : 0;
  const risk = opts.objectives.includes('risk') ? h(zero, (o) => o.riskWeight) : 0;
  return { steps, makespan, cost, risk };
}

const isGoal = (s: Search, l: Label) => l.steps > 0 && s.domain.goal.every((g) => l.state[g]);

/** A label's place in the open list: score order first; among equals, finished plans first, then fewer steps. */
function keyOf(s: Search, l: Label, b: Bounds): number[] {
  const value: Record<Objective, number> = { makespan: b.makespan, cost: l.cost + b.cost, risk: l.riskWeight + b.risk, steps: l.steps + b.steps };
  return [...s.opts.objectives.map((o) => value[o]), isGoal(s, l) ? 0 : 1, l.steps];
}

/** `a` is at least as good as `b` on every objective counted, so no plan through `b` beats the best through `a`. */
function dominates(s: Search, a: Label, b: Label): boolean {
  const objectives = s.opts.objectives;
  return (
    (!objectives.includes('cost') || a.cost <= b.cost + 1e-9) &&
    (!objectives.includes('risk') || a.riskWeight <= b.riskWeight + 1e-12) &&
    (!s.countSteps || a.steps <= b.steps) &&
    (!s.useSched || a.sched.dominates(b.sched))
  );
}

function label(state: Uint8Array, sched: ScheduleBuilder, from: Label | null, op: Op | undefined): Label {
  return {
    state,
    last: op?.id,
    sched,
    cost: (from?.cost ?? 0) + (op?.cost ?? 0),
    riskWeight: (from?.riskWeight ?? 0) + (op?.riskWeight ?? 0),
    steps: from ? from.steps + 1 : 0,
    parent: from,
    op: op?.id,
    key: [],
    dead: false,
  };
}

/** The plan a goal label ends, checked by the validator (undefined: it rejects it, and nothing is proved). */
function planAt(s: Search, node: Label): { found: FoundPlan; fresh: boolean } | undefined {
  const actions: string[] = [];
  for (let n: Label | null = node; n?.op; n = n.parent) actions.push(n.op);
  actions.reverse();
  const { target, opts } = s;
  const plan = planFromActions(target, actions, '');
  if (!validatePlan(plan, target).valid) return undefined;
  const found: FoundPlan = { actions, planId: planId(plan), score: scorePlan(plan, target) };
  return { found, fresh: !opts.seen.has(found.planId) && !(opts.rejected?.size && opts.rejected.has(scheduleKey(plan, target))) };
}

/** Queues each step that can follow `node` unless its bounds exceed a limit or (pruned search) a label as good holds its state. */
function expand(s: Search, node: Label, open: Heap<Label>, labels: Map<string, Label[]>): void {
  const { domain } = s;
  for (const op of s.ops) {
    if (!applicable(op, node.state, node.last)) continue;
    const sched = node.sched.clone();
    sched.append(op.id, s.resource.get(op.id)!);
    const child = label(apply(op, node.state), sched, node, op);
    const b = bounds(s, child);
    if (b.steps === Infinity || b.makespan === Infinity || b.cost === Infinity || b.risk === Infinity || child.steps + b.steps > domain.maxSteps) continue;
    if (!s.opts.exhaustive) {
      const k = stateKey(domain, child.state, child.last);
      const same = labels.get(k) ?? [];
      if (same.some((l) => !l.dead && dominates(s, l, child))) continue;
      for (const l of same) if (!l.dead && dominates(s, child, l)) l.dead = true;
      labels.set(k, [...same.filter((l) => !l.dead), child]);
    }
    child.key = keyOf(s, child, b);
    open.push(child);
  }
}

/** Best-first search in score order; pure and synchronous, bounded by `maxExpansions`. */
export function optimise(target: PlanTarget, opts: OptimiseOptions): OptimiseResult {
  const s = setUp(target, opts);
  const limit = opts.maxExpansions ?? 60_000;
  const maxWork = opts.maxWork ?? Infinity;
  const start = new Uint8Array(s.domain.nFacts);
  for (const f of s.domain.init) start[f] = 1;
  const root = label(start, new ScheduleBuilder(s.model), null, undefined);
  const rootBounds = bounds(s, root);
  if ([rootBounds.steps, rootBounds.makespan, rootBounds.cost, rootBounds.risk].some((x) => x === Infinity)) return { proved: false, expanded: 0 };
  root.key = keyOf(s, root, rootBounds);
  const open = new Heap<Label>((a, b) => less(a.key, b.key));
  open.push(root);
  const labels = new Map<string, Label[]>();
  let expanded = 0;
  let best: FoundPlan | undefined;
  let sound = true;
  while (open.size > 0) {
    const node = open.pop()!;
    if (node.dead) continue;
    if (isGoal(s, node)) {
      // The validator has the last word: a plan it rejects means the search and the rules disagree, so nothing is proved.
      const at = planAt(s, node);
      if (!at) sound = false;
      else {
        best ??= at.found;
        if (at.fresh) return { plan: at.found, best, proved: sound, expanded };
      }
    }
    if (++expanded > limit || s.meter.work > maxWork) return best ? { best, proved: sound, expanded } : { proved: false, expanded };
    if (node.steps < s.domain.maxSteps) expand(s, node, open, labels);
  }
  return best ? { best, proved: sound, expanded } : { proved: sound, expanded };
}
