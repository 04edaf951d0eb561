// People are identities, not strings: segregation, owner rules and the one-at-a-time schedule compare people after
// normalising, and two steps of one role nobody told apart may be one person.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { loadProcedures } from '../src/procedures/load.js';
import { normalName } from '../src/procedures/people.js';
import { schedulePlan } from '../src/procedures/schedule.js';
import { findTarget } from '../src/procedures/target.js';
import type { PlanTarget, Rule } from '../src/procedures/types.js';
import { validatePlan } from '../src/procedures/validate.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { request } from './support/plan-request.js';

const deploy = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
const example = (): Plan => parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')) as Plan;
const at = (p: Plan, action: string) => p.steps.find((s) => s.action === action)!;
const rulesHit = (p: Plan, t: PlanTarget = deploy) => validatePlan(p, t).findings.map((f) => f.rule);

type Bare<R> = R extends unknown ? Omit<R, 'severity' | 'origin'> : never;

function withRules(target: PlanTarget, rules: Bare<Rule>[], roster?: { person: string; roles: string[] }[]): PlanTarget {
  const set = { ...target.set, rules: [...target.set.rules, ...rules.map((r) => ({ severity: 'error', origin: 'human', ...r }) as Rule)] };
  if (roster) set.roster = roster;
  return { set, goal: target.goal };
}

describe('segregation compares people, not owner strings', () => {
  it('fails the issue bypass: "Priya Nair (release-manager)" approves, "Priya Nair (deployment-engineer)" deploys', () => {
    const plan = example();
    at(plan, 'approve-release').owner = 'Priya Nair (release-manager)';
    at(plan, 'deploy-production').owner = 'Priya Nair (deployment-engineer)';
    const result = validatePlan(plan, deploy);
    expect(result.valid).toBe(false);
    const finding = result.findings.find((f) => f.rule === 'approver-is-not-deployer')!;
    expect(finding.message).toContain('one person');
  });

  it('fails one role with no named people (the built-in planner bypass) and says to name two people or use different roles', () => {
    const plan = example();
    at(plan, 'approve-release').owner = 'release-manager (independent of deploy-production)';
    at(plan, 'deploy-production').owner = 'release-manager';
    const result = validatePlan(plan, deploy);
    const finding = result.findings.find((f) => f.rule === 'approver-is-not-deployer');
    expect(finding?.fix).toMatch(/name two different people .* or use different roles/);
  });

  it('passes one role split between two named people, and two roles with nobody named', () => {
    const named = example();
    at(named, 'approve-release').owner = 'Priya Nair (release-manager)';
    at(named, 'deploy-production').owner = 'Tom Berg (release-manager)';
    expect(rulesHit(named)).toEqual([]);
    const roles = example();
    at(roles, 'approve-release').owner = 'release-manager';
    at(roles, 'deploy-production').owner = 'Deployment Engineer';
    expect(rulesHit(roles)).toEqual([]);
  });

  it('one person written surname first, without an accent, or as an email address is still one person', async () => {
    for (const deployer of ['Nair, Priya', 'Priya Naír', 'priya.nair@example.com', 'NAIR Priya']) {
      const plan = example();
      at(plan, 'approve-release').owner = 'Priya Nair';
      at(plan, 'deploy-production').owner = deployer;
      expect(rulesHit(plan), deployer).toContain('approver-is-not-deployer');
    }
    // And two people who share a surname stay two.
    const two = example();
    at(two, 'approve-release').owner = 'Priya Nair';
    at(two, 'deploy-production').owner = 'Nair, Ravi';
    expect(rulesHit(two)).not.toContain('approver-is-not-deployer');
    // jupiter validate of the hand-edited file: invalid, exit 1, never "valid".
    const plan = example();
    at(plan, 'approve-release').owner = 'Priya Nair';
    at(plan, 'deploy-production').owner = 'Nair, Priya';
    const file = path.join(tempDir(), 'plan.yaml');
    writeFileSync(file, stringify(plan));
    const r = await runCli(['validate', file, '--procedures', SHIPPED]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('valid (');
    expect(r.stdout).toMatch(/approver-is-not-deployer: .*"Priya Nair" and "Nair, Priya", one person/);
  });

  it('with a roster, a role held by one person is that person', () => {
    const target = withRules(
      deploy,
      [],
      [
        { person: 'Priya Nair', roles: ['release-manager', 'deployment-engineer'] },
        { person: 'Tom Berg', roles: ['qa-engineer'] },
      ],
    );
    const plan = example();
    at(plan, 'approve-release').owner = 'release-manager';
    at(plan, 'deploy-production').owner = 'deployment-engineer';
    expect(rulesHit(plan, target)).toContain('approver-is-not-deployer');
    at(plan, 'deploy-production').owner = 'Tom Berg';
    expect(rulesHit(plan, target)).not.toContain('approver-is-not-deployer');
  });

  it('owner rules match a person however spelled, and a role by anyone holding it', () => {
    const target = withRules(deploy, [{ id: 'h-owner', kind: 'owner', action: 'approve-release', owner: 'Priya Nair' }]);
    const plan = example();
    for (const spelling of ['priya-nair (release-manager)', 'PRIYA  NAIR.', 'Priya Nair']) {
      at(plan, 'approve-release').owner = spelling;
      expect(rulesHit(plan, target)).toEqual([]);
    }
    at(plan, 'approve-release').owner = 'Priyan Air';
    expect(rulesHit(plan, target)).toEqual(['h-owner']);
  });

  // Name words, and the ways people write one name: case, spacing, punctuation, a role or comment in parentheses.
  const word = fc.stringMatching(/^[a-z]{2,8}$/);
  const name = fc.array(word, { minLength: 1, maxLength: 3 });
  const roles = [...new Set(deploy.set.actions.flatMap((a) => (a.role ? [a.role] : [])))];
  const spelling = (words: string[]) =>
    fc
      .record({
        upper: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        sep: fc.array(fc.constantFrom(' ', '  ', '-', '_', '. ', ', ', '\t'), { minLength: 3, maxLength: 3 }),
        lead: fc.constantFrom('', ' ', '  '),
        tail: fc.constantFrom('', '.', ' ', '!'),
        suffix: fc.constantFrom('', ...roles.map((r) => ` (${r})`), ' (Release Manager)', ' (on call)', '(backup)'),
      })
      .map(({ upper, sep, lead, tail, suffix }) => {
        const text = words.map((w, i) => (i ? sep[i - 1]! : '') + w).join('');
        return lead + [...text].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('') + tail + suffix;
      });
  const isRole = (words: string[]) => roles.some((r) => normalName(r) === normalName(words.join(' ')));

  it('property: any two spellings of one person fail segregation', () => {
    fc.assert(
      fc.property(
        name.filter((w) => !isRole(w)).chain((w) => fc.tuple(spelling(w), spelling(w))),
        ([a, b]) => {
          const plan = example();
          at(plan, 'approve-release').owner = a;
          at(plan, 'deploy-production').owner = b;
          expect(rulesHit(plan)).toContain('approver-is-not-deployer');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: two different named people pass segregation', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(name, name)
          .filter(([x, y]) => [...x].sort().join(' ') !== [...y].sort().join(' ') && !isRole(x) && !isRole(y))
          .chain(([x, y]) => fc.tuple(spelling(x), spelling(y))),
        ([a, b]) => {
          const plan = example();
          at(plan, 'approve-release').owner = a;
          at(plan, 'deploy-production').owner = b;
          expect(rulesHit(plan)).not.toContain('approver-is-not-deployer');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the schedule runs one person one step at a time', () => {
  it('"Priya Nair" and "Priya Nair (release-manager)" are one person: their steps do not overlap', () => {
    const plan = example();
    // Both steps only need the change ticket: with two people they would run side by side.
    at(plan, 'open-change-ticket').owner = 'Priya Nair';
    at(plan, 'notify-stakeholders').owner = 'Priya Nair (release-manager)';
    const rows = schedulePlan(plan, deploy).steps;
    const notify = rows.find((s) => s.action === 'notify-stakeholders')!;
    const approve = rows.find((s) => s.action === 'approve-release')!;
    expect(notify.owner).toBe(approve.owner);
    at(plan, 'approve-release').owner = 'priya-nair';
    const again = schedulePlan(plan, deploy).steps;
    const [n, a] = [again.find((s) => s.action === 'notify-stakeholders')!, again.find((s) => s.action === 'approve-release')!];
    expect(n.end <= a.start || a.end <= n.start).toBe(true);
    expect(new Set(again.filter((s) => s.owner === `person:${normalName('Priya Nair')}`).map((s) => s.action))).toEqual(
      new Set(['open-change-ticket', 'notify-stakeholders', 'approve-release', 'close-ticket']),
    );
  });
});

describe('the built-in planner never invents owner text', () => {
  it('after "deploy-production done by release-manager" it keeps the approver off the staged rollout (the issue bypass)', async () => {
    const target = withRules(deploy, [{ id: 'h-owner', kind: 'owner', action: 'deploy-production', owner: 'release-manager' }]);
    const r = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
    expect(validatePlan(r.plan, target).valid).toBe(true);
    const allowed = new Set([...target.set.actions.flatMap((a) => (a.role ? [a.role] : [])), 'release-manager']);
    for (const s of r.plan.steps) expect(allowed.has(String(s.owner))).toBe(true);
    // Approving and deploying as one unnamed release-manager may be one person: the staged rollout is left out.
    const actions = r.plan.steps.map((s) => s.action);
    expect(actions).toContain('approve-release');
    expect(actions).not.toContain('deploy-production');
  });

  it('with a roster, gives segregated steps of one role to two different people on it', async () => {
    const target = withRules(
      deploy,
      [
        { id: 'h-owner', kind: 'owner', action: 'switch-to-green', owner: 'release-manager' },
        { id: 'h-no-staged', kind: 'forbidden', action: 'deploy-production' },
        { id: 'h-no-canary', kind: 'forbidden', action: 'canary-release' },
      ],
      [
        { person: 'Priya Nair', roles: ['release-manager'] },
        { person: 'Tom Berg', roles: ['release-manager', 'deployment-engineer'] },
      ],
    );
    const r = await new BuiltinPlanner().propose(request(target, 1, null, new Set()));
    expect(validatePlan(r.plan, target).findings).toEqual([]);
    const approve = String(at(r.plan, 'approve-release').owner);
    const deployer = String(at(r.plan, 'switch-to-green').owner);
    expect([approve, deployer].every((o) => /^(Priya Nair|Tom Berg) \(release-manager\)$/.test(o) || o === 'release-manager')).toBe(true);
    expect(normalName(approve)).not.toBe(normalName(deployer));
  });

  it('names the conflict when segregation cannot be met', async () => {
    const target = withRules(deploy, [
      { id: 'h-staged', kind: 'owner', action: 'deploy-production', owner: 'release-manager' },
      { id: 'h-canary', kind: 'owner', action: 'canary-release', owner: 'release-manager' },
      { id: 'h-switch', kind: 'owner', action: 'switch-to-green', owner: 'release-manager' },
    ]);
    await expect(new BuiltinPlanner().propose(request(target, 1, null, new Set()))).rejects.toThrow(/no plan exists: .*(approver-is-not|h-)/);
  });
});

describe('jupiter validate', () => {
  it('exits 1 on the issue bypass and names the segregation rule', async () => {
    const plan = example();
    at(plan, 'approve-release').owner = 'Priya Nair (release-manager)';
    at(plan, 'deploy-production').owner = 'Priya Nair (deployment-engineer)';
    const file = path.join(tempDir(), 'plan.yaml');
    writeFileSync(file, stringify(plan));
    const r = await runCli(['validate', file, '--procedures', SHIPPED]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('approver-is-not-deployer');
  });
});
