import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { compareScores, describeChange, formatScore, objectivesOf, planId, scorePlan, type Score, withWarnings } from '../src/procedures/quality.js';
import { validatePlan } from '../src/procedures/validate.js';
import type { ActionDef, PlanTarget, ProcedureSet } from '../src/procedures/types.js';

function target(actions: Partial<ActionDef>[], objectives?: PlanTarget['goal']['objectives']): PlanTarget {
  const set: ProcedureSet = {
    id: 's',
    name: 's',
    description: '',
    file: 'mem',
    initial: [],
    goals: [{ id: 'g', description: 'g', keywords: [], facts: ['done'], ...(objectives ? { objectives } : {}) }],
    actions: actions.map((a) => ({ id: a.id!, description: '', requires: [], provides: ['done'], removes: [], fields: [], ...a })),
    rules: [],
  };
  return { set, goal: set.goals[0]! };
}

const score = (s: Partial<Score>): Score => ({ makespan: 0, cost: 0, risk: 0, steps: 0, ...s });

describe('objectives and scores', () => {
  it('uses the goal objectives, else makespan, cost, steps with durations, else steps', () => {
    expect(objectivesOf(target([{ id: 'a' }]))).toEqual(['steps']);
    expect(objectivesOf(target([{ id: 'a', duration: 5 }, { id: 'b' }]))).toEqual(['makespan', 'cost', 'steps']);
    expect(objectivesOf(target([{ id: 'a', duration: 5 }], ['risk', 'cost']))).toEqual(['risk', 'cost']);
  });

  it('scores a plan: makespan from its schedule, summed cost, combined risk, steps', () => {
    const t = target([
      { id: 'a', provides: ['x'], duration: 60, cost: 100, risk: 0.1 },
      { id: 'b', requires: ['x'], provides: ['done'], duration: 30, cost: 50.5, risk: 0.2 },
    ]);
    const plan: Plan = {
      title: 't',
      summary: '',
      steps: [
        { action: 'a', owner: 'p' },
        { action: 'b', owner: 'q' },
      ],
    };
    const s = scorePlan(plan, t);
    expect(s).toEqual({ makespan: 90, cost: 150.5, risk: expect.closeTo(1 - 0.9 * 0.8, 12), steps: 2 });
  });

  it('rounds cost and risk to a millionth: the same actions score the same in any order, with short numbers', () => {
    const rs = [0.1, 0.2, 0.3, 0.05, 0.15, 0.07];
    const t = target(rs.map((r, i) => ({ id: `a${i}`, cost: r * 10 + 0.1, risk: r / 3 })));
    const plan = (order: number[]): Plan => ({ title: 't', summary: '', steps: order.map((i) => ({ action: `a${i}` })) });
    const scores = [
      [0, 1, 2, 3, 4, 5],
      [2, 0, 5, 1, 3, 4],
      [3, 5, 1, 0, 4, 2],
    ].map((o) => scorePlan(plan(o), t));
    // Unrounded, the second order's cost sums to 9.299999999999999 and the first's to 9.3.
    expect(scores[1]).toEqual(scores[0]);
    expect(scores[2]).toEqual(scores[0]);
    expect(scores[0]!.cost).toBe(9.3);
    expect(String(scores[0]!.risk).length).toBeLessThanOrEqual(8);
  });

  it('compares lexicographically in objective order, ignoring rounding noise', () => {
    const a = score({ makespan: 100, cost: 500, steps: 9 });
    const b = score({ makespan: 100, cost: 400, steps: 12 });
    expect(compareScores(a, b, ['makespan', 'cost', 'steps'])).toBeGreaterThan(0);
    expect(compareScores(a, b, ['makespan', 'steps', 'cost'])).toBeLessThan(0);
    expect(compareScores(a, b, ['makespan'])).toBe(0);
    expect(compareScores(score({ risk: 0.3 }), score({ risk: 0.3 + 1e-12 }), ['risk'])).toBe(0);
    expect(compareScores(score({ risk: 0.3 }), score({ risk: 0.3 + 1e-6 }), ['risk'])).toBeLessThan(0);
  });

  it('a plan that breaks a warning rule is never better than one that does not, however it scores', () => {
    const target: PlanTarget = {
      set: {
        id: 'w',
        name: 'w',
        description: '',
        file: 'w.yaml',
        initial: [],
        actions: [{ id: 'a', description: 'a', requires: [], provides: ['x'], removes: [], fields: [], duration: 10 }],
        rules: [{ id: 'one-step', kind: 'max-steps', max: 1, severity: 'warning' }],
        goals: [],
      },
      goal: { id: 'g', description: 'g', keywords: [], facts: ['x'] },
    };
    const short: Plan = { title: 't', summary: 's', steps: [{ action: 'a' }] };
    const long: Plan = { ...short, steps: [{ action: 'a' }, { action: 'a' }] };
    const clean = withWarnings(scorePlan(short, target), validatePlan(short, target));
    const warned = withWarnings(scorePlan(long, target), validatePlan(long, target));
    expect(clean.warnings).toBeUndefined();
    expect(warned.warnings).toBe(1);
    // Even with every objective in its favour, the plan with a warning loses.
    const faster = { ...warned, makespan: 1, steps: 1 };
    expect(compareScores(faster, clean, ['makespan', 'steps'])).toBeGreaterThan(0);
    expect(compareScores(clean, faster, ['makespan', 'steps'])).toBeLessThan(0);
  });

  it('describes the first objective that changed', () => {
    const o = ['makespan', 'cost', 'steps'] as const;
    const before = score({ makespan: 3 * 1440 + 4 * 60, cost: 900, steps: 11 });
    expect(describeChange(before, score({ makespan: 2 * 1440 + 6 * 60, cost: 1200, steps: 11 }), o)).toBe('▲ makespan 3d 4h → 2d 6h');
    expect(describeChange(before, score({ makespan: before.makespan, cost: 1200, steps: 9 }), o)).toBe('▼ cost 900 → 1200');
    expect(describeChange(before, score({ ...before }), o)).toBe('=');
    expect(describeChange(score({ risk: 0.2 }), score({ risk: 0.1 }), ['risk'])).toBe('▲ risk 20.0% → 10.0%');
    expect(describeChange(null, before, o)).toBe('makespan 3d 4h');
  });

  it('a score that shows risk says what risk is', () => {
    expect(formatScore(score({ risk: 0.04, steps: 9 }), ['risk', 'steps'])).toBe('risk 4.0% (chance that some step goes wrong) · steps 9');
    expect(formatScore(score({ cost: 900, steps: 9 }), ['cost', 'steps'])).toBe('cost 900 · steps 9');
  });
});

describe('planId', () => {
  const base: Plan = {
    title: 'A',
    summary: 'one',
    steps: [
      { action: 'build', owner: 'Alice', evidence: 'ci run 12' },
      { action: 'ship', owner: 'bob', description: 'ship it' },
    ],
  };

  it('is 16 hex characters and ignores title, summary, descriptions, key order, whitespace and owner case', () => {
    const id = planId(base);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(
      planId({
        ...base,
        title: 'B',
        summary: 'two',
        steps: [
          { evidence: 'ci  run 12 ', owner: 'alice', action: 'build' },
          { action: 'ship', owner: 'BOB', description: 'other words' },
        ],
      }),
    ).toBe(id);
  });

  it('changes with the actions, their order, owners and other fields', () => {
    const id = planId(base);
    const [a, b] = base.steps as [Plan['steps'][0], Plan['steps'][0]];
    expect(planId({ ...base, steps: [b, a] })).not.toBe(id);
    expect(planId({ ...base, steps: [{ ...a, owner: 'carol' }, b] })).not.toBe(id);
    expect(planId({ ...base, steps: [{ ...a, evidence: 'ci run 13' }, b] })).not.toBe(id);
    expect(planId({ ...base, steps: [a, { ...b, action: 'ship-fast' }] })).not.toBe(id);
    expect(planId({ ...base, steps: [a] })).not.toBe(id);
  });
});
