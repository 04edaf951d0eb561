// The built-in planner on generated PDDL too large for its exact search: the greedy first plan and the weighted-A*
// improvements are valid by jupiter's validator and by an independent simulation of the PDDL written here (no
// grounding, no procedure set: test/support/pddl-sim.ts), rules still bind, obfuscated domains plan, and nothing unproved is called optimal.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { importPddl } from '../src/procedures/pddl/import.js';
import { planId, scorePlan } from '../src/procedures/quality.js';
import type { PlanTarget, Rule } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { GENERATORS, obfuscate, type PddlInstance } from '../tools/pddl-gen.js';
import { request } from './support/plan-request.js';
import { tempDir } from './support/cli.js';
import { simulate as simulateSteps } from './support/pddl-sim.js';

/** The independent simulation of a plan's steps. */
const simulate = (instance: PddlInstance, plan: Plan) =>
  simulateSteps(
    instance,
    plan.steps.map(({ action }) => action),
  );

function imported(instance: PddlInstance): PlanTarget {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'domain.pddl'), instance.domain);
  writeFileSync(path.join(dir, 'problem.pddl'), instance.problem);
  const { set, issues } = importPddl(path.join(dir, 'domain.pddl'), path.join(dir, 'problem.pddl'), path.join(dir, 'set.yaml'));
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return { set, goal: set.goals[0]! };
}

const CASES: [string, PddlInstance][] = [
  ['logistics, 30 objects', GENERATORS.logistics(30, 1)],
  ['depots, 20 objects', GENERATORS.depots(20, 1)],
  ['depots, 30 objects', GENERATORS.depots(30, 2)],
  ['obfuscated logistics, 30 objects', obfuscate(GENERATORS.logistics(30, 2), 2)],
  ['obfuscated depots, 20 objects', obfuscate(GENERATORS.depots(20, 2), 2)],
];

describe('the built-in planner on problems beyond its exact search', () => {
  for (const [name, instance] of CASES) {
    it(`${name}: a first plan, valid by the validator and by simulating the PDDL, not called optimal`, async () => {
      const target = imported(instance);
      const r = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
      expect(validatePlan(r.plan, target).findings).toEqual([]);
      expect(simulate(instance, r.plan)).toBeUndefined();
      expect(r.optimal).toBeUndefined();
      expect(r.plan.summary).toMatch(/^First plan by greedy best-first search/);
    });
  }

  // Depots 30: lama-first's order (FF and the landmark count in turn) spends the whole budget on seed 7 without a plan
  // (it stacks a goal tower in the wrong order), and the landmark count alone with FF's helpful actions alone preferred
  // on seed 6; ordered by the count, landmark-reaching actions preferred too, a plan comes early on both.
  // Depots 20, seed 10: the landmark count stops improving early and, ordered by it alone, the whole budget went by
  // without a plan; the novelty queues, taking turns on that plateau, lead out of it.
  for (const [size, seed, why] of [
    [30, 6, 'a weaker order gets lost'],
    [30, 7, 'a weaker order gets lost'],
    [20, 10, 'the landmark count plateaus'],
  ] as const)
    it(`depots ${size}, seed ${seed}, where ${why}: a plan, valid by the validator and the simulation`, async () => {
      const instance = GENERATORS.depots(size, seed);
      const target = imported(instance);
      const r = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
      expect(validatePlan(r.plan, target).findings).toEqual([]);
      expect(simulate(instance, r.plan)).toBeUndefined();
      expect(r.plan.summary).toMatch(/^First plan by greedy best-first search/);
    });

  it('improves on the champion with a shorter valid plan', async () => {
    // Depots at 20 objects: the greedy first plan (35 steps) leaves room the improving search finds (30 steps). On
    // logistics at 20 it found none within its budget, so a test there could not tell a working improver from none.
    const instance = GENERATORS.depots(20, 2);
    const target = imported(instance);
    const planner = new BuiltinPlanner();
    const first = await planner.propose(request(target, 1, null, new Set()));
    const champion = { plan: first.plan, score: scorePlan(first.plan, target), planId: planId(first.plan), iteration: 1 };
    const next = await planner.propose(request(target, 2, champion, new Set([champion.planId])));
    expect(validatePlan(next.plan, target).findings).toEqual([]);
    expect(simulate(instance, next.plan)).toBeUndefined();
    expect(next.plan.steps.length).toBeLessThan(first.plan.steps.length);
    expect(next.optimal).toBeUndefined();
  });

  it('obeys rules on a large problem: a flight the first plan used, forbidden, is never used, and the plan stays valid', async () => {
    const instance = GENERATORS.logistics(30, 1);
    const target = imported(instance);
    const first = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
    // Another plane can always fly the same route, so a plan without this step exists.
    const banned = first.plan.steps.find((s) => s.action.startsWith('fly-airplane.'))!.action;
    const rule: Rule = { id: 'h-no-first', kind: 'forbidden', action: banned, severity: 'error', origin: 'human' };
    const ruled = { set: { ...target.set, rules: [rule] }, goal: target.goal };
    const r = await new BuiltinPlanner().propose(request(ruled, 1, null, new Set()));
    expect(r.plan.steps.map((s) => s.action)).not.toContain(banned);
    expect(validatePlan(r.plan, ruled).findings).toEqual([]);
    expect(simulate(instance, r.plan)).toBeUndefined();
  });

  it('the simulation is a real check: a plan missing a step fails it', async () => {
    const instance = GENERATORS.logistics(30, 1);
    const target = imported(instance);
    const r = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
    expect(simulate(instance, { ...r.plan, steps: r.plan.steps.slice(1) })).toMatch(/does not hold|not reached/);
  });
});
