import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { optimise } from '../src/planners/builtin/optimise.js';
import { materialize } from '../src/planners/search.js';
import type { Champion, PlanResponse } from '../src/planners/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { compareScores, objectivesOf, planId, scorePlan } from '../src/procedures/quality.js';
import type { ActionDef, Objective, PlanTarget, ProcedureSet, Rule } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { SHIPPED } from './support/cli.js';
import { request } from './support/plan-request.js';

/** Runs the planner as the engine would: champion and seen fed back, until it declares an optimum. */
async function run(target: PlanTarget, max = 20) {
  const planner = new BuiltinPlanner();
  const objectives = objectivesOf(target);
  const seen = new Set<string>();
  let champion: Champion | null = null;
  const trace: { response: PlanResponse; id: string; improved: boolean }[] = [];
  for (let i = 1; i <= max; i++) {
    const response = await planner.propose(request(target, i, champion, seen));
    expect(validatePlan(response.plan, target).valid, `iteration ${i} valid`).toBe(true);
    const id = planId(response.plan);
    const score = scorePlan(response.plan, target);
    const improved = !champion || compareScores(score, champion.score, objectives) < 0;
    if (improved) champion = { plan: response.plan, score, planId: id, iteration: i };
    trace.push({ response, id, improved });
    if (response.optimal) break;
    expect(seen.has(id), `iteration ${i} repeats a plan`).toBe(false);
    seen.add(id);
  }
  return { trace, champion: champion!, objectives };
}

describe('built-in planner as an anytime optimiser', () => {
  const library = loadProcedures(SHIPPED);
  for (const set of library.sets) {
    const target = { set, goal: set.goals[0]! };
    it(`improves ${set.id} and proves the optimum`, async () => {
      const { trace, champion, objectives } = await run(target);
      expect(objectives).toEqual(['makespan', 'cost', 'steps']);
      // Iteration 1 is the shortest plan; a strictly better one follows; the run ends with a proved optimum.
      expect(trace.filter((t) => t.improved).length).toBeGreaterThanOrEqual(2);
      const last = trace[trace.length - 1]!;
      expect(last.response.optimal).toMatch(/^optimal for makespan, cost, steps/);
      expect(last.improved).toBe(true);
      // Nothing beats the declared optimum, by an independent full search without warning preferences either.
      const check = optimise(target, { objectives, rules: set.rules.filter((r) => r.severity === 'error'), seen: new Set() });
      expect(check.proved).toBe(true);
      const gap = compareScores(check.best!.score, champion.score, objectives);
      if (last.response.optimal === 'optimal for makespan, cost, steps') expect(gap).toBe(0);
      else expect(gap).toBeLessThanOrEqual(0);
      const scores = trace.map((t) => scorePlan(t.response.plan, target));
      expect(compareScores(scores[scores.length - 1]!, scores[0]!, objectives)).toBeLessThan(0);
    });
  }

  it('shows the improvement on production deployment: staged rollout first, blue-green proved optimal', async () => {
    const set = library.sets.find((s) => s.id === 'production-deployment')!;
    const { trace } = await run({ set, goal: set.goals[0]! });
    const first = trace[0]!.response.plan.steps.map((s) => s.action);
    const last = trace[trace.length - 1]!.response.plan.steps.map((s) => s.action);
    expect(first).toContain('deploy-production');
    expect(last).toContain('switch-to-green');
    expect(trace[trace.length - 1]!.response.optimal).toBe('optimal for makespan, cost, steps (among plans that also follow the warning rules)');
  });

  it('returns distinct alternatives after the optimum and never a seen plan while one exists', async () => {
    const set = library.sets.find((s) => s.id === 'change-management')!;
    const target = { set, goal: set.goals[0]! };
    const planner = new BuiltinPlanner();
    const seen = new Set<string>();
    let champion: Champion | null = null;
    for (let i = 1; i <= 8; i++) {
      const r = await planner.propose(request(target, i, champion, seen));
      const id = planId(r.plan);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      const score = scorePlan(r.plan, target);
      if (!champion || compareScores(score, champion.score, objectivesOf(target)) < 0) champion = { plan: r.plan, score, planId: id, iteration: i };
    }
    expect(seen.size).toBe(8);
  });
});

describe('a declared optimum is truly optimal (brute force on small generated sets)', () => {
  const FACTS = ['f0', 'f1', 'f2', 'f3'];
  const BOUND = 4;
  const facts = fc.subarray(FACTS, { minLength: 0, maxLength: 2 });
  const action = (i: number) =>
    fc
      .record({
        requires: facts,
        provides: fc.subarray(FACTS, { minLength: 1, maxLength: 2 }),
        removes: facts,
        duration: fc.integer({ min: 0, max: 5 }),
        cost: fc.integer({ min: 0, max: 4 }),
        risk: fc.constantFrom(0, 0.05, 0.35),
        role: fc.constantFrom('ops', 'dev', 'sec'),
      })
      .map((a): ActionDef => ({ id: `a${i}`, description: `action ${i}`, fields: ['owner'], ...a }));
  const setArb = fc.integer({ min: 2, max: 4 }).chain((n) =>
    fc
      .record({
        actions: fc.tuple(...Array.from({ length: n }, (_, i) => action(i))),
        initial: facts,
        goal: fc.subarray(FACTS, { minLength: 1, maxLength: 2 }),
        objectives: fc.constantFrom<Objective[]>(['makespan', 'cost', 'steps'], ['cost', 'makespan'], ['risk', 'steps'], ['steps'], ['makespan']),
        rules: fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('ordering' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
            fc.record({ kind: fc.constant('immediately-after' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
            fc.record({ kind: fc.constant('required' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
            fc.record({ kind: fc.constant('forbidden' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
            fc.record({ kind: fc.constant('segregation' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
            fc.record({ kind: fc.constant('owner' as const), a: fc.nat(n - 1), b: fc.nat(n - 1) }),
          ),
          { maxLength: 3 },
        ),
      })
      .map(({ actions, initial, goal, objectives, rules }): PlanTarget => {
        const rs: Rule[] = [{ id: 'bound', kind: 'max-steps', max: BOUND, severity: 'error' }];
        rules.forEach((r, k) => {
          const base = { id: `h${k}`, severity: 'error' as const, origin: 'human' as const };
          const [x, y] = [`a${r.a}`, `a${r.b}`];
          if (r.kind === 'ordering' && x !== y) rs.push({ ...base, kind: 'ordering', before: x, after: y });
          if (r.kind === 'immediately-after') rs.push({ ...base, kind: 'immediately-after', action: x, after: y });
          if (r.kind === 'required' || r.kind === 'forbidden') rs.push({ ...base, kind: r.kind, action: x });
          if (r.kind === 'segregation' && x !== y) rs.push({ ...base, kind: 'segregation', actions: [x, y] });
          if (r.kind === 'owner') rs.push({ ...base, kind: 'owner', action: x, owner: r.b % 2 ? 'ops' : 'cfo' });
        });
        const set: ProcedureSet = {
          id: 'gen',
          name: 'generated',
          description: '',
          file: 'generated',
          initial,
          goals: [{ id: 'g', description: 'generated goal', keywords: [], facts: goal, objectives }],
          actions,
          rules: rs,
        };
        return { set, goal: set.goals[0]! };
      }),
  );

  /** Every valid plan of 1..BOUND steps (owners as the planner assigns them), best first. */
  function bruteForce(target: PlanTarget): { actions: string[]; plan: Plan }[] {
    const ids = target.set.actions.map((a) => a.id);
    const out: { actions: string[]; plan: Plan }[] = [];
    let layer: string[][] = [[]];
    for (let len = 1; len <= BOUND; len++) {
      layer = layer.flatMap((seq) => ids.map((id) => [...seq, id]));
      for (const seq of layer) {
        const plan: Plan = { title: 'b', summary: '', steps: materialize(target, seq) };
        if (validatePlan(plan, target).valid) out.push({ actions: seq, plan });
      }
    }
    const o = objectivesOf(target);
    return out.sort((a, b) => compareScores(scorePlan(a.plan, target), scorePlan(b.plan, target), o));
  }

  it('matches brute force: same best score, and every plan it returns is valid and unseen', async () => {
    let optimal = 0;
    let none = 0;
    await fc.assert(
      fc.asyncProperty(setArb, async (target) => {
        const objectives = objectivesOf(target);
        const all = bruteForce(target);
        const empty = validatePlan({ title: '', summary: '', steps: [] }, target).valid;
        const planner = new BuiltinPlanner();
        let response: PlanResponse;
        try {
          response = await planner.propose(request(target, 1, null, new Set(), objectives));
        } catch (err) {
          expect((err as Error).message).toMatch(/^no plan exists/);
          expect(all).toEqual([]);
          none++;
          return;
        }
        expect(validatePlan(response.plan, target).valid).toBe(true);
        const score = scorePlan(response.plan, target);
        const best = scorePlan(all[0]!.plan, target);
        expect(compareScores(score, best, objectives)).toBeGreaterThanOrEqual(0);
        let r2: PlanResponse;
        try {
          r2 = await planner.propose(
            request(target, 2, { plan: response.plan, score, planId: planId(response.plan), iteration: 1 }, new Set([planId(response.plan)]), objectives),
          );
        } catch (err) {
          // Only when no other plan exists within the bound (and the first answer was not declared optimal).
          expect((err as Error).message).toMatch(/no plan beyond those already proposed/);
          expect(all.filter((p) => planId(p.plan) !== planId(response.plan)).length === 0 || !response.optimal).toBe(true);
          return;
        }
        for (const r of [response, r2]) {
          if (!r.optimal) continue;
          optimal++;
          expect(empty).toBe(false);
          expect(compareScores(scorePlan(r.plan, target), best, objectives)).toBe(0);
        }
        // Before the optimum is declared, the second answer is never the first plan again.
        if (!response.optimal && all.length > 1) expect(planId(r2.plan)).not.toBe(planId(response.plan));
      }),
      { numRuns: 250, seed: 20261125 },
    );
    expect(optimal).toBeGreaterThan(50);
    expect(none).toBeGreaterThan(10);
  });
});
