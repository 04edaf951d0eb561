import { describe, expect, it } from 'vitest';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { PlannerError } from '../src/planners/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import type { PlanTarget, Rule } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { request } from './support/plan-request.js';
import { SHIPPED } from './support/cli.js';

const library = loadProcedures(SHIPPED);
const deploy = library.sets.find((s) => s.id === 'production-deployment')!;

/** The deployment goal with human rules added, as the engine hands them to the planner. */
type Bare<R> = R extends unknown ? Omit<R, 'severity' | 'origin'> : never;

function withHuman(...rules: Bare<Rule>[]): PlanTarget {
  const human = rules.map((r) => ({ ...r, severity: 'error', origin: 'human' }) as Rule);
  const set = { ...deploy, rules: [...deploy.rules, ...human] };
  return { set, goal: set.goals[0]! };
}

async function firstTwo(target: PlanTarget) {
  const planner = new BuiltinPlanner();
  const first = await planner.propose(request(target, 1, null, new Set()));
  return first;
}

const actions = (plan: { steps: { action: string }[] }) => plan.steps.map((s) => s.action);

describe('the built-in planner honours every checked constraint', () => {
  it('orders, places right after, and assigns owners as human rules say', async () => {
    const target = withHuman(
      { id: 'h-order', kind: 'ordering', before: 'notify-stakeholders', after: 'deploy-staging' },
      { id: 'h-next', kind: 'immediately-after', action: 'notify-stakeholders', after: 'open-change-ticket' },
      { id: 'h-owner', kind: 'owner', action: 'approve-release', owner: 'CFO' },
    );
    const r = await firstTwo(target);
    const steps = actions(r.plan);
    expect(validatePlan(r.plan, target).findings).toEqual([]);
    expect(steps.indexOf('notify-stakeholders')).toBeLessThan(steps.indexOf('deploy-staging'));
    expect(steps[steps.indexOf('notify-stakeholders') - 1]).toBe('open-change-ticket');
    expect(r.plan.steps.find((s) => s.action === 'approve-release')!.owner).toBe('CFO');
    expect(r.plan.summary).toContain('Obeys human rules h-order, h-next, h-owner (checked by the validator)');
    expect(r.plan.summary).not.toMatch(/addresses/i);
  });

  it('honours them in later, optimising iterations too', async () => {
    const target = withHuman(
      { id: 'h-canary', kind: 'forbidden', action: 'switch-to-green' },
      { id: 'h-owner', kind: 'owner', action: 'deploy-production', owner: 'release-manager' },
    );
    const planner = new BuiltinPlanner();
    const first = await planner.propose(request(target, 1, null, new Set()));
    const seen = new Set<string>();
    const { planId, scorePlan } = await import('../src/procedures/quality.js');
    seen.add(planId(first.plan));
    const second = await planner.propose(
      request(target, 2, { plan: first.plan, score: scorePlan(first.plan, target), planId: planId(first.plan), iteration: 1 }, seen),
    );
    for (const r of [first, second]) expect(validatePlan(r.plan, target).valid).toBe(true);
    expect(actions(second.plan)).not.toContain('switch-to-green');
    expect(actions(second.plan)).toContain('promote-canary');
  });

  it('treats warning rules as preferences: forbidding notify-stakeholders gives a plan, never a false "no plan"', async () => {
    const target = withHuman({ id: 'h-no-notify', kind: 'forbidden', action: 'notify-stakeholders' });
    const r = await firstTwo(target);
    expect(actions(r.plan)).not.toContain('notify-stakeholders');
    const v = validatePlan(r.plan, target);
    expect(v.valid).toBe(true);
    expect(v.findings.every((f) => f.severity === 'warning')).toBe(true);
    expect(r.plan.summary).toContain('relaxes warning rules stakeholders-before-production');
    // Shortest among plans that keep the error rules only: not "under every rule".
    expect(r.plan.summary).toMatch(/^Shortest plan \(fewest steps\) under every error rule for /);
  });

  it('says a first plan is shortest under every rule only when nothing else narrowed the search (a lesson memory advises)', async () => {
    const target: PlanTarget = { set: deploy, goal: deploy.goals[0]! };
    const plain = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
    expect(plain.plan.summary).toMatch(/^Shortest plan \(fewest steps\) under every rule for /);
    expect(actions(plain.plan)).toContain('deploy-staging');
    // A lesson memory holds (a person's, so it counts at once): the planner avoids deploy-staging, and says so.
    const lesson = { kind: 'lesson', text: 'avoid deploy-staging', count: 1, human: 1, data: { type: 'avoid', action: 'deploy-staging' } };
    const req = request(target, 1, null, new Set());
    req.recall = { ...req.recall, items: [lesson as unknown as (typeof req.recall.items)[number]] };
    const avoiding = await new BuiltinPlanner().propose(req);
    expect(actions(avoiding.plan)).not.toContain('deploy-staging');
    expect(avoiding.plan.summary).toMatch(/^Shortest plan \(fewest steps\) under every rule, without deploy-staging as memory advises for /);
    expect(avoiding.plan.steps.length).toBeGreaterThan(plain.plan.steps.length);
  });

  it('names the real conflict in one line when no plan exists', async () => {
    const fail = async (target: PlanTarget) => {
      const err = await new BuiltinPlanner().propose(request(target, 1, null, new Set())).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PlannerError);
      expect((err as PlannerError).kind).toBe('no-plan');
      const message = (err as PlannerError).message;
      expect(message).not.toContain('\n');
      expect(message).not.toMatch(/while obeying the rules$/);
      return message;
    };
    expect(await fail(withHuman({ id: 'h-no-scan', kind: 'forbidden', action: 'security-scan' }))).toBe(
      'no plan exists: rule "security-scan-required" (always include security-scan) requires security-scan, but human rule "h-no-scan" (never use security-scan) forbids it',
    );
    // The scan (which the approval reviews) must follow a forbidden step: dropping either rule makes a plan possible.
    expect(await fail(withHuman({ id: 'h-next', kind: 'immediately-after', action: 'security-scan', after: 'deploy-directly' }))).toBe(
      'no plan exists: human rule "h-next" (security-scan right after deploy-directly) and rule "no-direct-deploys" (never use deploy-directly) conflict with the other rules (dropping either makes a plan possible)',
    );
    // Six steps are enough only by deploying directly, which is forbidden.
    expect(await fail(withHuman({ id: 'h-short', kind: 'max-steps', max: 6 }))).toBe(
      'no plan exists: human rule "h-short" (at most 6 steps) and rule "no-direct-deploys" (never use deploy-directly) conflict with the other rules (dropping either makes a plan possible)',
    );
    expect(await fail(withHuman({ id: 'h-tiny', kind: 'max-steps', max: 2 }))).toBe(
      'no plan exists: human rule "h-tiny" (at most 2 steps) cannot be met together with the other rules (without it a plan reaches `deployed`, `production-verified`, `ticket-closed`)',
    );
    expect(
      await fail(
        withHuman(
          { id: 'h-cfo-1', kind: 'owner', action: 'approve-release', owner: 'cfo' },
          { id: 'h-cfo-2', kind: 'owner', action: 'deploy-production', owner: 'CFO' },
          { id: 'h-no-canary', kind: 'forbidden', action: 'canary-release' },
          { id: 'h-no-green', kind: 'forbidden', action: 'switch-to-green' },
        ),
      ),
    ).toMatch(/^no plan exists: human rule "h-cfo-1" \(approve-release done by cfo\) and human rule "h-cfo-2" \(deploy-production done by CFO\) conflict/);
  });
});
