import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPlan } from '../src/core/plan-io.js';
import { surelyPlan } from '../src/core/plan-shape.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED } from './support/cli.js';

/** Values near a plan's shape: each field usually right, sometimes missing, blank, null or of another type. */
const field = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', '\t', 'deploy', ' run-tests '),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const usually = <T>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: field, weight: 1 });
const text = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('Deploy', ' padded '));
const step = usually(
  fc.record({ action: usually(text), description: usually(text), owner: usually(text), evidence: usually(text), extra: field }, { requiredKeys: ['action'] }),
);
const planLike = fc.record(
  {
    title: usually(text),
    summary: usually(text),
    procedure: usually(text),
    goal: usually(text),
    steps: usually(fc.array(step, { maxLength: 4 })),
    plan: field,
  },
  { requiredKeys: ['title', 'steps'] },
);

describe('surelyPlan (the zod-free check a resume uses)', () => {
  it('vouches only for values the plan schema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(planLike, field), (value) => {
        if (surelyPlan(value)) expect(typeof toPlan(value)).not.toBe('string');
      }),
      { numRuns: 3000 },
    );
    // The property is only worth something if the check says yes often.
    expect(fc.sample(planLike, 1000).filter(surelyPlan).length).toBeGreaterThan(100);
  });

  it('vouches for the plans jupiter writes, so a resume never needs the schema library', () => {
    const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
    const found = searchPlan(target);
    if (!found.found) throw new Error(found.reason);
    const plan = planFromActions(target, found.actions, 'test');
    expect(surelyPlan(plan)).toBe(true);
    expect(surelyPlan({ ...plan, summary: undefined, steps: [] })).toBe(true);
    // Not vouched for: the schema names the fault.
    expect(surelyPlan({ ...plan, title: ' ' })).toBe(false);
    expect(surelyPlan({ ...plan, steps: [{ owner: 'x' }] })).toBe(false);
    expect(surelyPlan({ plan })).toBe(false);
  });
});
