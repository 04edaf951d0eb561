// Which earlier steps each step of a plan waits for, by the same rules the scheduler times them with, and its critical path.
import type { Plan } from '../core/plan.js';
import { People } from './people.js';
import { planDemands } from './rules/index.js';
import type { Schedule } from './schedule.js';
import type { PlanTarget } from './types.js';

/** For one fact: the steps (0-based) that needed, added or removed it so far, and the latest adder. */
interface FactSteps {
  users: number[];
  adders: number[];
  deleters: number[];
  latestAdder?: number;
}

/** Every constraint the scheduler applies to step `i`, as the earlier steps (0-based) it comes from. */
function directConstraints(plan: Plan, target: PlanTarget): Set<number>[] {
  const actions = new Map(target.set.actions.map((a) => [a.id, a]));
  const facts = new Map<string, FactSteps>();
  const factOf = (f: string) => facts.get(f) ?? facts.set(f, { users: [], adders: [], deleters: [] }).get(f)!;
  const lastOfOwner = new Map<string, number>();
  const { order, rightAfter } = planDemands(target.set.rules);
  const people = new People(target.set);
  return plan.steps.map((s, i) => {
    const a = actions.get(s.action);
    const deps = new Set<number>();
    const owner = people.resource(people.identify(s.owner, s.action), i + 1);
    const prev = lastOfOwner.get(owner);
    if (prev !== undefined) deps.add(prev);
    for (const f of a?.requires ?? []) {
      const fs = factOf(f);
      if (fs.latestAdder !== undefined) deps.add(fs.latestAdder);
      for (const d of fs.deleters) deps.add(d);
    }
    for (const f of a?.provides ?? []) for (const d of factOf(f).deleters) deps.add(d);
    for (const f of a?.removes ?? []) for (const d of [...factOf(f).users, ...factOf(f).adders]) deps.add(d);
    for (const [before, after] of order) {
      if (after !== s.action) continue;
      const first = plan.steps.findIndex((x, j) => j < i && x.action === before);
      if (first >= 0) deps.add(first);
    }
    if (i > 0 && rightAfter.some(([action, after]) => action === s.action && after === plan.steps[i - 1]!.action)) deps.add(i - 1);
    for (const f of a?.requires ?? []) factOf(f).users.push(i);
    for (const f of a?.removes ?? []) factOf(f).deleters.push(i);
    for (const f of a?.provides ?? []) {
      factOf(f).adders.push(i);
      factOf(f).latestAdder = i;
    }
    lastOfOwner.set(owner, i);
    return deps;
  });
}

/**
 * The steps (1-based) each step depends on, without the ones another dependency already implies (transitive
 * reduction): a step starts when the last of them ends, exactly when the scheduler starts it.
 */
export function stepDependencies(plan: Plan, target: PlanTarget): number[][] {
  const direct = directConstraints(plan, target);
  const reach: Set<number>[] = [];
  direct.forEach((deps, i) => {
    const all = new Set<number>();
    for (const d of deps) {
      all.add(d);
      for (const x of reach[d]!) all.add(x);
    }
    reach[i] = all;
  });
  return direct.map((deps) => {
    const implied = new Set<number>();
    for (const d of deps) for (const x of reach[d]!) implied.add(x);
    return [...deps]
      .filter((d) => !implied.has(d))
      .sort((x, y) => x - y)
      .map((d) => d + 1);
  });
}

/** Steps (1-based) on the critical path: from a step that ends last, back through each dependency that ends as it starts. */
export function criticalSteps(schedule: Schedule, dependencies: readonly number[][]): Set<number> {
  const critical = new Set<number>();
  if (schedule.makespan <= 0) return critical;
  const byStep = new Map(schedule.steps.map((s) => [s.step, s]));
  const walk = (n: number) => {
    if (critical.has(n)) return;
    critical.add(n);
    const s = byStep.get(n)!;
    for (const d of dependencies[n - 1] ?? []) if (byStep.get(d)!.end === s.start) walk(d);
  };
  for (const s of schedule.steps) if (s.end === schedule.makespan) walk(s.step);
  return critical;
}
