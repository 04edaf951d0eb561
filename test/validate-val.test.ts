// VAL semantics, with expectations worked out by hand: the empty plan, stopping at the first step that cannot run,
// rules still checked over the whole plan, descriptions derived from ids.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { parsePlanText } from '../src/core/plan-io.js';
import { parseProcedureText } from '../src/procedures/load.js';
import { validatePlan } from '../src/procedures/validate.js';
import type { PlanTarget, ProcedureSet } from '../src/procedures/types.js';
import { runCli, tempDir } from './support/cli.js';

// start {a}. p: a → +b. q: b → +c −a. r: a → +d. Goal {c}. Rule: r is forbidden; q must carry evidence.
const SET_YAML = `id: tiny
initial: [a]
goals:
  - id: reach-c
    facts: [c]
  - id: already-there
    facts: [a]
actions:
  - id: p
    requires: [a]
    provides: [b]
  - id: q
    requires: [b]
    provides: [c]
    removes: [a]
    fields: [evidence]
  - id: r
    requires: [a]
    provides: [d]
rules:
  - { id: no-r, kind: forbidden, action: r }
`;

function tiny(): ProcedureSet {
  const { set, issues } = parseProcedureText(SET_YAML, 'tiny.yaml');
  expect(issues).toEqual([]);
  return set!;
}
const target = (goal: string): PlanTarget => {
  const set = tiny();
  return { set, goal: set.goals.find((g) => g.id === goal)! };
};
const plan = (...steps: string[]): Plan => ({ title: 'p', summary: '', steps: steps.map((action) => ({ action, evidence: 'log' })) });

describe('VAL semantics', () => {
  it('descriptions are optional: derived from the id', () => {
    const set = tiny();
    expect(set.goals[0]!.description).toBe('Reach c');
    expect(set.actions.map((a) => a.description)).toEqual(['P', 'Q', 'R']);
  });

  it('the empty plan is valid exactly when the start meets the goal', () => {
    expect(validatePlan(plan(), target('already-there'))).toEqual({ valid: true, procedure: 'tiny', goal: 'already-there', findings: [], finalFacts: ['a'] });
    const r = validatePlan(plan(), target('reach-c'));
    expect(r.valid).toBe(false);
    expect(r.findings).toEqual([{ severity: 'error', rule: 'goal', message: 'the plan ends without reaching `c`', fix: 'add p, then add q, at the end' }]);
    expect(r.stoppedAt).toBeUndefined();
  });

  it('a plan file may hold no steps', () => {
    expect(parsePlanText('title: nothing to do\nsteps: []\n', 'empty.yaml').steps).toEqual([]);
  });

  it('stops at the first step whose preconditions fail: no effects applied, no later precondition, no goal check', () => {
    // q at step 1 needs b. Applying q's effects anyway (the old behaviour) would delete a, and p at step 2 would
    // then "fail" too: a finding from a state VAL never reaches.
    const r = validatePlan(plan('q', 'p', 'q'), target('reach-c'));
    expect(r.findings).toEqual([
      {
        severity: 'error',
        rule: 'precondition',
        step: 1,
        message: 'step 1: q needs `b`, which does not hold at that point',
        fix: 'q needs `b`: move step 2 (p) before step 1 (q)',
      },
    ]);
    expect(r.stoppedAt).toBe(1);
    expect(r.finalFacts).toEqual(['a']);
    expect(r.valid).toBe(false);
  });

  it('a failure late in the plan: state is the one before that step, and a goal already reached is not claimed', () => {
    // p: {a,b}; q: {b,c}; r needs a (deleted by q) → fails at 3. The goal c holds, but VAL reports no goal result.
    const r = validatePlan(plan('p', 'q', 'r'), target('reach-c'));
    expect(r.stoppedAt).toBe(3);
    expect(r.finalFacts).toEqual(['b', 'c']);
    expect(r.findings.map((f) => [f.rule, f.step])).toEqual([
      ['precondition', 3],
      ['no-r', 3],
    ]);
  });

  it('rules and fields are still checked on steps after the failure', () => {
    const p: Plan = { title: 't', summary: '', steps: [{ action: 'q', evidence: 'x' }, { action: 'r' }, { action: 'q' }, { action: 'nope' }] };
    const r = validatePlan(p, target('reach-c'));
    expect(r.stoppedAt).toBe(1);
    expect(r.findings.map((f) => [f.rule, f.step])).toEqual([
      ['precondition', 1],
      ['no-r', 2],
      ['missing-field', 3],
      ['unknown-action', 4],
    ]);
  });

  it('a valid plan runs to the end and reaches the goal', () => {
    const r = validatePlan(plan('p', 'q'), target('reach-c'));
    expect(r).toEqual({ valid: true, procedure: 'tiny', goal: 'reach-c', findings: [], finalFacts: ['b', 'c'] });
  });
});

describe('jupiter validate with VAL semantics', () => {
  const setup = (): { dir: string; procedures: string } => {
    const dir = tempDir();
    const procedures = path.join(dir, 'procedures');
    mkdirSync(procedures);
    writeFileSync(path.join(procedures, 'tiny.yaml'), SET_YAML);
    return { dir, procedures };
  };

  it('an empty plan file: exit 0 when the start meets the goal, 1 when it does not', async () => {
    const { dir, procedures } = setup();
    const file = path.join(dir, 'empty.yaml');
    writeFileSync(file, 'title: nothing to do\nsteps: []\n');
    const ok = await runCli(['validate', file, '--procedures', procedures, '--procedure', 'tiny/already-there']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('(0 steps)');
    expect(ok.stdout).toContain('✔ valid');
    const bad = await runCli(['validate', file, '--procedures', procedures, '--procedure', 'tiny/reach-c']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/error\s+plan\s+goal: the plan ends without reaching `c`/);
  });

  it('says the plan failed to execute and what was not checked', async () => {
    const { dir, procedures } = setup();
    const file = path.join(dir, 'plan.yaml');
    writeFileSync(file, 'title: wrong order\nsteps:\n  - { action: q, evidence: e }\n  - { action: p }\n');
    const r = await runCli(['validate', file, '--procedures', procedures, '--procedure', 'tiny/reach-c']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("plan failed to execute at step 1: later steps' preconditions and the goal were not checked");
    expect(r.stdout).not.toMatch(/step 2\s+precondition/);
  });
});
