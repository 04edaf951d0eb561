import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import type { PlanTarget, ProcedureSet } from '../src/procedures/types.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';

const library = loadProcedures(SHIPPED);
const deploy = findTarget(library, 'production-deployment/deploy-service');
const EXAMPLE = path.join(ROOT, 'examples', 'deploy-plan.yaml');
const example = (): Plan => parse(readFileSync(EXAMPLE, 'utf8')) as Plan;
const idx = (p: Plan, action: string) => p.steps.findIndex((s) => s.action === action);

/** Each mutation breaks exactly one kind of rule or precondition of the shipped deployment procedure. */
const BROKEN: { name: string; rule: string; step: number | undefined; fix: RegExp; mutate: (p: Plan) => void; also?: string[] }[] = [
  {
    name: 'precondition (staging before tests)',
    rule: 'precondition',
    step: 2,
    fix: /deploy-staging needs `tested`: move step 3 \(run-tests\) before step 2 \(deploy-staging\)/,
    mutate: (p) => p.steps.splice(1, 0, p.steps.splice(idx(p, 'deploy-staging'), 1)[0]!),
  },
  {
    name: 'ordering (notify after deploy)',
    rule: 'stakeholders-before-production',
    step: 9,
    fix: /move step 12 \(notify-stakeholders\) before step 9 \(deploy-production\)/,
    mutate: (p) => p.steps.push(p.steps.splice(idx(p, 'notify-stakeholders'), 1)[0]!),
  },
  {
    name: 'required (no security scan)',
    rule: 'security-scan-required',
    step: undefined,
    fix: /add security-scan/,
    mutate: (p) => void p.steps.splice(idx(p, 'security-scan'), 1),
    // approve-release reviews the scan result, so without the scan it cannot run either.
    also: ['precondition'],
  },
  {
    name: 'forbidden (deploy-directly)',
    rule: 'no-direct-deploys',
    step: 13,
    fix: /remove step 13 \(deploy-directly\)/,
    mutate: (p) => void p.steps.push({ action: 'deploy-directly', owner: 'Tom Berg' }),
  },
  {
    name: 'segregation (approver deploys)',
    rule: 'approver-is-not-deployer',
    step: 10,
    fix: /assign step 10 to someone other than Priya Nair/,
    mutate: (p) => void (p.steps[idx(p, 'deploy-production')]!.owner = 'priya nair '),
  },
  {
    name: 'max-steps',
    rule: 'deployment-size',
    step: undefined,
    fix: /remove 1 step/,
    mutate: (p) => p.steps.splice(11, 0, ...Array.from({ length: 5 }, () => ({ action: 'verify-production', owner: 'Lena Fischer', evidence: 'dash' }))),
  },
  {
    name: 'required-fields (no evidence on approval)',
    rule: 'evidence-for-controls',
    step: 8,
    fix: /set evidence on step 8/,
    mutate: (p) => void delete p.steps[idx(p, 'approve-release')]!.evidence,
  },
];

describe('validatePlan', () => {
  it('accepts the example plan with no findings', () => {
    const r = validatePlan(example(), deploy);
    expect(r).toMatchObject({ valid: true, procedure: 'production-deployment', goal: 'deploy-service', findings: [] });
    expect(r.finalFacts).toEqual(expect.arrayContaining(['deployed', 'production-verified', 'ticket-closed']));
    expect(r.finalFacts).not.toContain('release-approved'); // consumed by deploy-production's delete effect
  });

  for (const c of BROKEN) {
    it(`finds ${c.name} with its step, rule and fix`, () => {
      const plan = example();
      c.mutate(plan);
      const r = validatePlan(plan, deploy);
      const hits = r.findings.filter((f) => f.rule === c.rule);
      expect(hits.length, JSON.stringify(r.findings)).toBeGreaterThan(0);
      expect(hits[0]!.step).toBe(c.step);
      expect(hits[0]!.fix).toMatch(c.fix);
      // Only the intended kind of problem (max-steps also adds nothing else).
      expect(new Set(r.findings.map((f) => f.rule))).toEqual(new Set([c.rule, ...(c.also ?? [])]));
      expect(r.valid).toBe(hits[0]!.severity === 'warning');
    });
  }

  it('reports every finding, not just the first: unknown actions and rules on every step, execution up to the first failure (VAL)', () => {
    const plan: Plan = {
      title: 't',
      summary: '',
      steps: [{ action: 'deploy-prodution', owner: 'x' }, { action: 'verify-production', owner: 'y', evidence: 'e' }, { action: 'ship-it' }],
    };
    const r = validatePlan(plan, deploy);
    expect(r.valid).toBe(false);
    expect(r.stoppedAt).toBe(1);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'unknown-action', step: 1, fix: 'did you mean "deploy-production"?' }));
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'unknown-action', step: 3 }));
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'security-scan-required' }));
    // The plan failed to execute at step 1: no claim about step 2's preconditions or the goal.
    expect(r.findings.filter((f) => f.rule === 'precondition' || f.rule === 'goal')).toEqual([]);
  });

  it('follows STRIPS semantics: preconditions against the state before the step, deletes before adds', () => {
    const set: ProcedureSet = {
      id: 's',
      name: 's',
      description: '',
      file: 'mem',
      initial: ['a'],
      goals: [{ id: 'g', description: 'g', keywords: [], facts: ['c'] }],
      actions: [
        { id: 'flip', description: '', requires: ['a'], provides: ['a', 'b'], removes: ['a'], fields: [] },
        { id: 'use-a', description: '', requires: ['a', 'b'], provides: ['c'], removes: ['a'], fields: [] },
        { id: 'self', description: '', requires: ['c'], provides: ['d'], removes: ['c'], fields: [] },
      ],
      rules: [],
    };
    const t: PlanTarget = { set, goal: set.goals[0]! };
    const plan = (...a: string[]): Plan => ({ title: 'p', summary: '', steps: a.map((action) => ({ action })) });
    // flip removes and adds `a`: delete first, then add, so `a` still holds for use-a.
    expect(validatePlan(plan('flip', 'use-a'), t).valid).toBe(true);
    // use-a consumed `a`: a second use-a fails its precondition at step 3.
    expect(validatePlan(plan('flip', 'use-a', 'use-a'), t).findings).toEqual([expect.objectContaining({ rule: 'precondition', step: 3 })]);
    // the goal is checked on the final state: `self` removes `c`.
    expect(validatePlan(plan('flip', 'use-a', 'self'), t).findings).toEqual([expect.objectContaining({ rule: 'goal' })]);
  });
});

describe('jupiter validate', () => {
  it('exits 0 on a valid plan (YAML and JSON)', async () => {
    const dir = tempDir();
    const json = path.join(dir, 'plan.json');
    writeFileSync(json, JSON.stringify(example()));
    for (const file of [EXAMPLE, json]) {
      const r = await runCli(['validate', file, '--procedures', SHIPPED]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('✔ valid (0 errors, 0 warnings) against production-deployment/deploy-service');
    }
  });

  for (const c of BROKEN.filter((b) => b.rule !== 'stakeholders-before-production')) {
    it(`exits 1 naming step, rule and fix: ${c.name}`, async () => {
      const plan = example();
      c.mutate(plan);
      const file = path.join(tempDir(), 'plan.yaml');
      writeFileSync(file, stringify(plan));
      const r = await runCli(['validate', file, '--procedures', SHIPPED]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✖ invalid');
      expect(r.stdout).toMatch(new RegExp(`error\\s+${c.step ? `step ${c.step}` : 'plan'}\\s+${c.rule}:`));
      expect(r.stdout).toMatch(c.fix);
      // The step is named once, in its column.
      if (c.step) expect(r.stdout).not.toMatch(new RegExp(`${c.rule}: step ${c.step}:`));
    });
  }

  it('a warning-only plan is valid (exit 0) and says why in --json', async () => {
    const plan = example();
    BROKEN[1]!.mutate(plan);
    const file = path.join(tempDir(), 'plan.yaml');
    writeFileSync(file, stringify(plan));
    const r = await runCli(['validate', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { valid: boolean; findings: { severity: string; rule: string; step: number }[] };
    expect(out.valid).toBe(true);
    expect(out.findings).toEqual([expect.objectContaining({ severity: 'warning', rule: 'stakeholders-before-production', step: 9 })]);
  });

  it('exits 2 with file:line on unreadable plans', async () => {
    const dir = tempDir();
    const cases: [string, string | Buffer, RegExp][] = [
      ['broken.yaml', 'title: x\nsteps: [\n  - action: a\n', /broken\.yaml:\d+: not valid YAML or JSON/],
      ['list.yaml', '- a\n- b\n', /list\.yaml:1: not a plan: expected a plan/],
      ['nostep.yaml', 'title: t\nsummary: s\nsteps:\n  - action: build-artifact\n  - owner: x\n', /nostep\.yaml:5: not a plan: steps\[1\]\.action is missing/],
      ['binary.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x01]), /binary\.yaml:1: plan file is not valid UTF-8/],
    ];
    for (const [name, text, expected] of cases) {
      writeFileSync(path.join(dir, name), text);
      const r = await runCli(['validate', path.join(dir, name)]);
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // A typo in the plan's own procedure or goal names the file and line, not a --procedure flag nobody passed.
    const typo = readFileSync(EXAMPLE, 'utf8').replace('goal: deploy-service', 'goal: deploy-servise');
    writeFileSync(path.join(dir, 'goal.yaml'), typo);
    const goal = await runCli(['validate', path.join(dir, 'goal.yaml')]);
    expect(goal.code).toBe(2);
    const goalLine = typo.split('\n').indexOf('goal: deploy-servise') + 1;
    expect(goal.stderr).toMatch(new RegExp(`goal\\.yaml:${goalLine}: goal: production-deployment has no goal "deploy-servise" \\(have deploy-service\\)`));
    expect(goal.stderr).not.toContain('--procedure:');
    writeFileSync(path.join(dir, 'set.json'), JSON.stringify({ ...example(), procedure: 'prod-deploy' }, null, 2));
    const set = await runCli(['validate', path.join(dir, 'set.json')]);
    expect(set.code).toBe(2);
    expect(set.stderr).toMatch(/set\.json:\d+: procedure: no procedure set "prod-deploy" \(have /);
    expect(set.stderr.trim().split('\n')).toHaveLength(1);
    // A runbook written by `jupiter export --format json` is named as what it is, not as a plan with no title.
    writeFileSync(path.join(dir, 'runbook.json'), JSON.stringify({ schema: 'jupiter.runbook/1', plan: { title: 'x' }, steps: [] }));
    const runbook = await runCli(['validate', path.join(dir, 'runbook.json')]);
    expect(runbook.code).toBe(2);
    expect(runbook.stderr).toMatch(/runbook\.json: a runbook written by `jupiter export`, not a plan file: `jupiter export <session>` re-validates its plan/);
    expect(runbook.stderr).not.toContain('title is missing');
    const missing = await runCli(['validate', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml: cannot read plan: no such file$/m);
  });
});
