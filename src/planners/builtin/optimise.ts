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

/** Best-first search in score order; pure and synchronous, bounded by `maxExpansions`. */
export function optimise(target: PlanTarget, opts: OptimiseOptions): OptimiseResult {
  const domain = compileDomain(target, { rules: opts.rules, avoid: opts.avoid ?? [] });
  const ops = opts.exhaustive ? domain.ops : relevantOps(domain);
  const model = new ScheduleModel(target);
  const toSched = domain.factNames.map((n) => model.facts.get(n));
  const objectives = opts.objectives;
  const useSched = objectives.includes('makespan');
  const countSteps = objectives.includes('steps') || Number.isFinite(domain.maxSteps);
  const limit = opts.maxExpansions ?? 60_000;
  const maxWork = opts.maxWork ?? Infinity;
  const meter = { work: 0 };
  const people = new People(target.set);
  const resource = new Map(ops.map((o) => [o.id, people.resource(people.identify(o.owner, o.id), 0)]));

  const bounds = (l: Label) => {
    const h = (holding: (f: number) => number, weight: (op: Op) => number) => {
      const start = new Float64Array(domain.nFacts);
      for (let f = 0; f < domain.nFacts; f++) start[f] = l.state[f] ? holding(f) : Infinity;
      return relaxedBound(domain, ops, start, weight, meter);
    };
    const steps = countSteps
      ? h(
          () => 0,
          () => 1,
        )
      : 0;
    const makespan = useSched
      ? Math.max(
          l.sched.makespan,
          h(
            (f) => (toSched[f] === undefined ? 0 : l.sched.addedAt(toSched[f])),
            (o) => o.duration,
          ),
        )
      : 0;
    const cost = objectives.includes('cost')
      ? h(
          () => 0,
          (o) => o.cost,
        )
      : 0;
    const risk = objectives.includes('risk')
      ? h(
          () => 0,
          (o) => o.riskWeight,
        )
      : 0;
    return { steps, makespan, cost, risk };
  };
  const isGoal = (l: Label) => l.steps > 0 && domain.goal.every((g) => l.state[g]);
  const keyOf = (l: Label, b: { steps: number; makespan: number; cost: number; risk: number }) => {
    const value: Record<Objective, number> = { makespan: b.makespan, cost: l.cost + b.cost, risk: l.riskWeight + b.risk, steps: l.steps + b.steps };
    // Score order first; among equals, finished plans first, then fewer steps.
    return [...objectives.map((o) => value[o]), isGoal(l) ? 0 : 1, l.steps];
  };
  const dominates = (a: Label, b: Label) =>
    (!objectives.includes('cost') || a.cost <= b.cost + 1e-9) &&
    (!objectives.includes('risk') || a.riskWeight <= b.riskWeight + 1e-12) &&
    (!countSteps || a.steps <= b.steps) &&
    (!useSched || a.sched.dominates(b.sched));

  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  const root: Label = {
    state: start,
    last: undefined,
    sched: new ScheduleBuilder(model),
    cost: 0,
    riskWeight: 0,
    steps: 0,
    parent: null,
    op: undefined,
    key: [],
    dead: false,
  };
  const rootBounds = bounds(root);
  if ([rootBounds.steps, rootBounds.makespan, rootBounds.cost, rootBounds.risk].some((x) => x === Infinity)) return { proved: false, expanded: 0 };
  root.key = keyOf(root, rootBounds);
  const open = new Heap<Label>((x, y) => less(x.key, y.key));
  open.push(root);
  const labels = new Map<string, Label[]>();
  let expanded = 0;
  let best: FoundPlan | undefined;
  let sound = true;
  while (open.size > 0) {
    const node = open.pop()!;
    if (node.dead) continue;
    if (isGoal(node)) {
      const actions: string[] = [];
      for (let n: Label | null = node; n?.op; n = n.parent) actions.push(n.op);
      actions.reverse();
      const plan = planFromActions(target, actions, '');
      // The validator has the last word: a plan it rejects means the search and the rules disagree, so nothing is proved.
      if (!validatePlan(plan, target).valid) sound = false;
      else {
        const found: FoundPlan = { actions, planId: planId(plan), score: scorePlan(plan, target) };
        best ??= found;
        if (!opts.seen.has(found.planId) && !(opts.rejected?.size && opts.rejected.has(scheduleKey(plan, target))))
          return { plan: found, best, proved: sound, expanded };
      }
    }
    if (++expanded > limit || meter.work > maxWork) return best ? { best, proved: sound, expanded } : { proved: false, expanded };
    if (node.steps >= domain.maxSteps) continue;
    for (const op of ops) {
      if (!applicable(op, node.state, node.last)) continue;
      const sched = node.sched.clone();
      sched.append(op.id, resource.get(op.id)!);
      const child: Label = {
        state: apply(op, node.state),
        last: op.id,
        sched,
        cost: node.cost + op.cost,
        riskWeight: node.riskWeight + op.riskWeight,
        steps: node.steps + 1,
        parent: node,
        op: op.id,
        key: [],
        dead: false,
      };
      const b = bounds(child);
      if (b.steps === Infinity || b.makespan === Infinity || b.cost === Infinity || b.risk === Infinity || child.steps + b.steps > domain.maxSteps) continue;
      const k = stateKey(domain, child.state, child.last);
      if (opts.exhaustive) {
        child.key = keyOf(child, b);
        open.push(child);
        continue;
      }
      const same = labels.get(k) ?? [];
      if (same.some((l) => !l.dead && dominates(l, child))) continue;
      for (const l of same) if (!l.dead && dominates(child, l)) l.dead = true;
      labels.set(k, [...same.filter((l) => !l.dead), child]);
      child.key = keyOf(child, b);
      open.push(child);
    }
  }
  return best ? { best, proved: sound, expanded } : { proved: sound, expanded };
}
