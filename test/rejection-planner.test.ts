// A rejection sticks for the built-in planner: its next plan differs in schedule from every rejected plan (never the
// same plan reordered), or it says why no such plan exists.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { PlannerError } from '../src/planners/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { planId } from '../src/procedures/quality.js';
import { scheduleKey } from '../src/procedures/schedule.js';
import { findTarget } from '../src/procedures/target.js';
import type { PlanTarget } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { SHIPPED } from './support/cli.js';
import { miniDeployTarget } from './support/planner-fixtures.js';
import { request } from './support/plan-request.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');

/** The request after a person rejected `rejected`: no champion, every plan so far seen. */
function afterRejection(target: PlanTarget, seen: Plan[], rejected: Plan[]) {
  return { ...request(target, seen.length + 1, null, new Set(seen.map(planId))), rejected };
}

describe('the built-in planner after a rejection', () => {
  it('proposes a plan whose schedule differs from the rejected one, not a reordering of it', async () => {
    const planner = new BuiltinPlanner();
    const first = (await planner.propose(request(deploy, 1, null, new Set()))).plan;
    // Reject the first plan: the next is a different plan, and never one with its schedule.
    const next = (await planner.propose(afterRejection(deploy, [first], [first]))).plan;
    expect(validatePlan(next, deploy).valid).toBe(true);
    expect(scheduleKey(next, deploy)).not.toBe(scheduleKey(first, deploy));
  });

  it('never returns a reordering with the rejected schedule, even one it has not proposed', async () => {
    const planner = new BuiltinPlanner();
    const first = (await planner.propose(request(deploy, 1, null, new Set()))).plan;
    // A person rejected the first plan in another order that runs every step at the same time.
    const i = first.steps.findIndex((s) => s.action === 'security-scan');
    const j = first.steps.findIndex((s) => s.action === 'run-tests');
    const reordered = { ...first, steps: first.steps.map((s, k) => (k === i ? first.steps[j]! : k === j ? first.steps[i]! : s)) };
    expect(planId(reordered)).not.toBe(planId(first));
    expect(scheduleKey(reordered, deploy)).toBe(scheduleKey(first, deploy));
    // Nothing was proposed before: the planner's shortest plan would be `first`, whose schedule was rejected.
    const next = (await planner.propose(afterRejection(deploy, [], [reordered]))).plan;
    expect(scheduleKey(next, deploy)).not.toBe(scheduleKey(first, deploy));
  });

  it('names why when every plan has the schedule of a rejected or proposed one', async () => {
    // Four steps at most, as an error: run-tests, approve-change, deploy, verify in this order is the only plan.
    const set = {
      ...miniDeployTarget.set,
      rules: miniDeployTarget.set.rules.map((r) => (r.kind === 'max-steps' ? { ...r, severity: 'error' as const, max: 4 } : r)),
    };
    const target = { ...miniDeployTarget, set };
    const planner = new BuiltinPlanner();
    const only = (await planner.propose(request(target, 1, null, new Set()))).plan;
    expect(only.steps.map((s) => s.action)).toEqual(['run-tests', 'approve-change', 'deploy', 'verify']);
    const err = await planner.propose(afterRejection(target, [only], [only])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlannerError);
    expect((err as PlannerError).message).toMatch(/no other plan: every plan found has the schedule of a plan a person rejected/);
  });
});
