// PDDL in and out: parsing with requirements checked, grounding with reachability pruning, VAL-style plans, and
// the same verdict whether a plan is checked as PDDL or as YAML against the imported set.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { loadProcedures } from '../src/procedures/load.js';
import { importPddl } from '../src/procedures/pddl/import.js';
import { parseDomain, parseProblem } from '../src/procedures/pddl/parse.js';
import { formatPddlPlan, looksLikePddlPlan, parsePddlPlan } from '../src/procedures/pddl/plan-format.js';
import { valMessages } from '../src/procedures/pddl/val-report.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { GENERATORS, obfuscate } from '../tools/pddl-gen.js';
import { ROOT, runCli, tempDir } from './support/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures', 'pddl');
const f = (name: string) => path.join(FIX, name);
const BLOCKS = { domain: f('blocks-domain.pddl'), problem: f('blocks-sussman.pddl'), plan: f('blocks-sussman.plan') };
const DELIVERY = { domain: f('delivery-domain.pddl'), problem: f('delivery-two-parcels.pddl'), plan: f('delivery-two-parcels.plan') };
type Case = typeof BLOCKS;

const readPlan = (file: string): Plan => parsePddlPlan(readFileSync(file, 'utf8'), file, path.basename(file));
const withSteps = (plan: Plan, steps: string[]): Plan => ({ ...plan, steps: steps.map((action) => ({ action })) });

/** The PDDL route: ground the domain and problem (with the plan's actions) and validate. */
function viaPddl(c: Case, plan: Plan) {
  const named = plan.steps.map((s) => ({ name: s.action.split('.')[0]!, args: s.action.split('.').slice(1) }));
  const { set } = importPddl(c.domain, c.problem, '(pddl)', named);
  return validatePlan(plan, { set, goal: set.goals[0]! });
}

/** The YAML route: `procedures import` writes the set, the library loads it like any other. */
function viaYaml(c: Case, plan: Plan) {
  const dir = tempDir();
  const imported = importPddl(c.domain, c.problem, path.join(dir, 'set.yaml'));
  writeFileSync(path.join(dir, 'set.yaml'), imported.yaml);
  const library = loadProcedures(dir);
  return validatePlan(plan, findTarget(library, imported.set.id));
}

describe('PDDL parsing and grounding', () => {
  it('grounds blocks world: 18 actions, no stack of a block on itself (equality), facts in PDDL form', () => {
    const { set, issues, grounding } = importPddl(BLOCKS.domain, BLOCKS.problem, 'blocks.yaml');
    expect(issues).toEqual([]);
    // pick-up ×3, put-down ×3, stack and unstack over ordered pairs of distinct blocks ×6 each.
    expect(set.actions).toHaveLength(18);
    expect(grounding.schemas).toBe(4);
    expect(set.actions.map((a) => a.id)).not.toContain('stack.a.a');
    expect(set.initial).toEqual(['(clear c)', '(on c a)', '(ontable a)', '(clear b)', '(ontable b)', '(handempty)']);
    expect(set.goals[0]).toMatchObject({ id: 'sussman', facts: ['(on a b)', '(on b c)'] });
    expect(set.actions.find((a) => a.id === 'unstack.c.a')).toMatchObject({
      description: '(unstack c a)',
      requires: ['(on c a)', '(clear c)', '(handempty)'],
      provides: ['(holding c)', '(clear a)'],
      removes: ['(clear c)', '(handempty)', '(on c a)'],
    });
  });

  it('grounds delivery with reachability pruning, static roads folded in, negative preconditions compiled', () => {
    const { set, issues } = importPddl(DELIVERY.domain, DELIVERY.problem, 'delivery.yaml');
    expect(issues).toEqual([]);
    // drive only along the 4 roads; load/unload 2 packages × 3 reachable places each; break-down at the depot; repair ×3.
    expect(set.actions).toHaveLength(20);
    expect(
      set.actions
        .filter((a) => a.id.startsWith('drive.'))
        .map((a) => a.id)
        .sort(),
    ).toEqual(['drive.t1.depot.market', 'drive.t1.farm.market', 'drive.t1.market.depot', 'drive.t1.market.farm']);
    // The island has no road: no action there survives, and the static `road` facts are gone from the set.
    expect(set.actions.some((a) => a.id.includes('island'))).toBe(false);
    expect(JSON.stringify(set)).not.toContain('(road ');
    expect(set.initial).toEqual(['(at t1 depot)', '(pkg-at p1 farm)', '(pkg-at p2 market)', '(not (broken t1))']);
    expect(set.actions.find((a) => a.id === 'drive.t1.depot.market')!.requires).toEqual(['(at t1 depot)', '(not (broken t1))']);
    expect(set.actions.find((a) => a.id === 'break-down.t1')).toMatchObject({ provides: ['(broken t1)'], removes: ['(not (broken t1))'] });
    expect(set.actions.find((a) => a.id === 'repair.t1.depot')).toMatchObject({ provides: ['(not (broken t1))'], removes: ['(broken t1)'] });
  });

  it('refuses what is beyond STRIPS, naming the requirement and its line', () => {
    const domain = (req: string, body: string) =>
      `(define (domain d)\n  (:requirements ${req})\n  (:predicates (p) (q))\n  (:action a :parameters ()\n    :precondition ${body}\n    :effect (q)))\n`;
    expect(() => parseDomain(domain(':strips :adl', '(p)'), 'd.pddl')).toThrow(
      'd.pddl:2: requirement :adl is not supported (jupiter reads STRIPS: :strips, :typing, :negative-preconditions, :equality)',
    );
    expect(() => parseDomain(domain(':strips', '(or (p) (q))'), 'd.pddl')).toThrow(
      'd.pddl:5: "or" needs :disjunctive-preconditions, which is not supported (STRIPS only)',
    );
    // A construct used without its requirement flag is read, with a warning naming the line (as VAL and Fast Downward do).
    expect(parseDomain(domain(':strips', '(not (p))'), 'd.pddl').warnings).toEqual([
      {
        file: 'd.pddl',
        line: 5,
        message: 'a negated condition without the requirement :negative-preconditions: read as if declared (as VAL and Fast Downward do)',
      },
    ]);
    expect(() => parseDomain(domain(':strips', '(forall (?x) (p))'), 'd.pddl')).toThrow(/d\.pddl:5: "forall" needs :universal-preconditions/);
    expect(() => parseDomain(domain(':strips', '(p ?x)'), 'd.pddl')).toThrow('d.pddl:5: "p" takes 0 argument(s), got 1');
    expect(() => parseDomain('(define (domain d) (:predicates (p)) (:action a :parameters (?x) :precondition (p) :effect (when (p) (p))))', 'd.pddl')).toThrow(
      /"when" needs :conditional-effects/,
    );
    const d = parseDomain(readFileSync(BLOCKS.domain, 'utf8'), 'blocks.pddl');
    expect(() => parseProblem('(define (problem x) (:domain other) (:objects a - block) (:init) (:goal (clear a)))', 'x.pddl', d)).toThrow(
      'x.pddl:1: problem is for domain "other", but the domain file defines "blocks"',
    );
    expect(() => parseProblem('(define (problem x) (:domain blocks)\n (:objects a - block)\n (:init (clear z)) (:goal (clear a)))', 'x.pddl', d)).toThrow(
      'x.pddl:3: unknown object "z"',
    );
    expect(() => parseDomain('(define (domain d)\n  (:predicates (p)\n', 'd.pddl')).toThrow('d.pddl:2: "(" opened here is never closed');
  });
});

describe('VAL plan files', () => {
  it('reads the forms planners print: bare, numbered, with durations, with comments', () => {
    const text = '; comment\n(pick-up a)\n1: (stack a b) [1]\n0.002: (PUT-DOWN c)  ; trailing\n\n';
    expect(looksLikePddlPlan(text)).toBe(true);
    expect(looksLikePddlPlan('title: x\nsteps: []\n')).toBe(false);
    expect(parsePddlPlan(text, 'p.plan', 'p').steps.map((s) => s.action)).toEqual(['pick-up.a', 'stack.a.b', 'put-down.c']);
    expect(() => parsePddlPlan('(pick-up a)\npick-up b\n', 'p.plan', 'p')).toThrow(
      'p.plan:2: not a plan step: expected "(action arg1 arg2 ...)", got "pick-up b"',
    );
    // VAL reads several steps on one line, timestamps and durations included; a stray word among them is refused.
    const oneLine = '0.000: (PICK-UP A) [1] 1.000: (STACK A B) [1] (put-down c)\n';
    expect(parsePddlPlan(oneLine, 'p.plan', 'p').steps.map((s) => s.action)).toEqual(['pick-up.a', 'stack.a.b', 'put-down.c']);
    expect(() => parsePddlPlan('(pick-up a) oops (stack a b)\n', 'p.plan', 'p')).toThrow('p.plan:1: not a plan step');
    // A step may also span lines, as VAL reads tokens, not lines; a broken one names the line it starts on.
    const split = '; plan\n0.000: (STACK\n  a ; the block\n  b) [1]\n(put-down\nc)\n';
    expect(looksLikePddlPlan(split)).toBe(true);
    expect(parsePddlPlan(split, 'p.plan', 'p').steps.map((s) => s.action)).toEqual(['stack.a.b', 'put-down.c']);
    expect(() => parsePddlPlan('(pick-up a)\n(stack a\n b\n', 'p.plan', 'p')).toThrow(
      'p.plan:2: not a plan step: expected "(action arg1 arg2 ...)", got "(stack a"',
    );
  });

  it('imports an obfuscated-style domain (types without :typing, meaningless names) with a warning naming the line', () => {
    const dir = tempDir();
    const instance = obfuscate(GENERATORS.logistics(12, 1), 1);
    writeFileSync(path.join(dir, 'd.pddl'), instance.domain);
    writeFileSync(path.join(dir, 'p.pddl'), instance.problem);
    expect(instance.domain).not.toMatch(/:typing|truck|package/);
    const { set, issues } = importPddl(path.join(dir, 'd.pddl'), path.join(dir, 'p.pddl'), path.join(dir, 'set.yaml'));
    expect(issues).toContainEqual({
      severity: 'warning',
      file: path.join(dir, 'd.pddl'),
      line: 3,
      message: ':types declared without the requirement :typing: read as if declared (as VAL and Fast Downward do)',
    });
    expect(set.actions.length).toBeGreaterThan(0);
  });

  it('writes a plan back in the same form', () => {
    const plan = readPlan(BLOCKS.plan);
    expect(formatPddlPlan(plan, ['valid'])).toBe(
      '; blocks-sussman.plan\n; valid\n(unstack c a)\n(put-down c)\n(pick-up b)\n(stack b c)\n(pick-up a)\n(stack a b)\n',
    );
  });
});

describe('the same verdict as PDDL and as YAML', () => {
  const blocks = readPlan(BLOCKS.plan);
  const delivery = readPlan(DELIVERY.plan);
  const actions = (p: Plan) => p.steps.map((s) => s.action);
  const cases: { name: string; c: Case; plan: Plan; check: (r: ReturnType<typeof validatePlan>) => void }[] = [
    { name: 'blocks, valid', c: BLOCKS, plan: blocks, check: (r) => expect(r).toMatchObject({ valid: true, findings: [] }) },
    {
      name: 'blocks, put-down before unstack: fails at step 1, nothing after is claimed',
      c: BLOCKS,
      plan: withSteps(blocks, ['put-down.c', 'unstack.c.a', ...actions(blocks).slice(2)]),
      check: (r) => {
        expect(r.stoppedAt).toBe(1);
        expect(r.findings).toEqual([
          {
            severity: 'error',
            rule: 'precondition',
            step: 1,
            message: 'step 1: put-down.c needs `(holding c)`, which does not hold at that point',
            fix: 'put-down.c needs `(holding c)`: move step 2 (unstack.c.a) before step 1 (put-down.c)',
          },
        ]);
      },
    },
    { name: 'delivery, valid', c: DELIVERY, plan: delivery, check: (r) => expect(r).toMatchObject({ valid: true, findings: [] }) },
    {
      name: 'delivery, last unload missing: the goal is not satisfied',
      c: DELIVERY,
      plan: withSteps(delivery, actions(delivery).slice(0, -1)),
      check: (r) =>
        expect(r.findings).toEqual([
          {
            severity: 'error',
            rule: 'goal',
            message: 'the plan ends without reaching `(pkg-at p1 depot)`',
            fix: 'add unload.p1.t1.depot at the end, after step 7 (drive.t1.market.depot)',
          },
        ]),
    },
    {
      name: 'delivery, truck broken before driving: the negative precondition fails at step 2',
      c: DELIVERY,
      plan: withSteps(delivery, ['break-down.t1', ...actions(delivery)]),
      check: (r) => {
        expect(r.stoppedAt).toBe(2);
        expect(r.findings.map((x) => x.message)).toEqual(['step 2: drive.t1.depot.market needs `(not (broken t1))`, which does not hold at that point']);
      },
    },
  ];
  for (const { name, c, plan, check } of cases) {
    it(name, () => {
      const pddl = viaPddl(c, plan);
      check(pddl);
      expect(viaYaml(c, plan)).toEqual(pddl);
    });
  }

  it('an action reachability pruned is still run, as VAL does, and fails on its static precondition', () => {
    const plan = withSteps(delivery, ['drive.t1.depot.island']);
    const r = viaPddl(DELIVERY, plan);
    expect(r.findings[0]).toMatchObject({
      rule: 'precondition',
      step: 1,
      message: 'step 1: drive.t1.depot.island needs `(road depot island)`, which does not hold at that point',
    });
    expect(valMessages(r, plan)).toEqual([
      'Plan failed because of unsatisfied precondition in: (drive t1 depot island) at step 1',
      'Plan failed to execute',
      'Plan invalid',
    ]);
  });

  it('VAL messages for a valid plan and an unmet goal', () => {
    expect(valMessages(viaPddl(BLOCKS, blocks), blocks)).toEqual(['Plan executed successfully - checking goal', 'Plan valid']);
    const short = withSteps(blocks, actions(blocks).slice(0, 4));
    expect(valMessages(viaPddl(BLOCKS, short), short)).toEqual(['Plan executed successfully - checking goal', 'Goal not satisfied', 'Plan invalid']);
  });
});

describe('jupiter procedures import / validate --pddl / --format', () => {
  it('imports into the procedures folder, lints clean, and never replaces a file without --force', async () => {
    const cwd = tempDir();
    const dir = path.join(cwd, 'procedures');
    const r = await runCli(['procedures', 'import', DELIVERY.domain, DELIVERY.problem, '--procedures', dir], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // 18 exclusive pairs: the truck's three places (3), each parcel's three places and the truck (6 each), broken and
    // not broken (1), and broken with the two places other than the depot (2: it breaks down there and cannot drive).
    const wrote = `wrote ${path.join(dir, 'delivery-two-parcels.yaml')}: 20 ground actions from 5 schemas (grounded in 0.00 s CPU; invariants: 18 exclusive fact pairs in 0.00 s CPU), goal delivery-two-parcels/two-parcels (2 facts)`;
    // The CPU times vary: every other word of the line is fixed.
    expect(r.stdout.replace(/in \d+\.\d\d s CPU/g, 'in 0.00 s CPU')).toContain(wrote);
    const list = await runCli(['procedures', '--procedures', dir], { cwd });
    expect(list.code, list.stdout).toBe(0);
    expect(list.stdout).toContain('1 set(s), no lint errors');
    const again = await runCli(['procedures', 'import', DELIVERY.domain, DELIVERY.problem, '--procedures', dir], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('delivery-two-parcels.yaml exists: pass --force to replace it');
    expect((await runCli(['procedures', 'import', DELIVERY.domain, DELIVERY.problem, '--procedures', dir, '--force'], { cwd })).code).toBe(0);
  });

  it('an import that starts ./procedures where the shipped sets were in use says they are no longer used here', async () => {
    const cwd = tempDir();
    const r = await runCli(['procedures', 'import', DELIVERY.domain, DELIVERY.problem], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `note: ${path.join(cwd, 'procedures')} is new: jupiter here now uses it instead of the shipped procedures (access-review, change-management, production-deployment); \`jupiter init\` copies them in beside it`,
    );
    // What the note says: the folder's own set alone is listed.
    expect((await runCli(['procedures'], { cwd })).stdout).toContain('1 set(s), no lint errors');
    // The folder exists now: a second import says nothing more.
    const again = await runCli(['procedures', 'import', BLOCKS.domain, BLOCKS.problem], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('note:');
  });

  it('a problem whose goal no action can reach: exit 2, nothing written', async () => {
    const cwd = tempDir();
    const problem = path.join(cwd, 'stuck.pddl');
    // Nothing in the domain ever makes a road: a goal that asks for one is static and false.
    writeFileSync(problem, '(define (problem stuck) (:domain delivery) (:objects t1 - truck) (:init (at t1 depot)) (:goal (road depot depot)))\n');
    const r = await runCli(['procedures', 'import', DELIVERY.domain, problem, '--procedures', path.join(cwd, 'procedures')], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the converted set does not lint: goal "stuck" needs fact "(road depot depot)" that no action provides');
    expect(existsSync(path.join(cwd, 'procedures'))).toBe(false);
  });

  it('a named pipe or a folder given as a file: exit 2 at once, never a hang', async () => {
    const cwd = tempDir();
    const fifo = path.join(cwd, 'domain.pddl');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['procedures', 'import', fifo, BLOCKS.problem, '-o', '-'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`jupiter: ${fifo}: PDDL domain is not a regular file (a named pipe)`);
    const folder = await runCli(['validate', cwd, '--pddl', BLOCKS.domain, BLOCKS.problem], { cwd });
    expect(folder.stderr.trim()).toBe(`jupiter: ${cwd}: plan is not a regular file (a folder)`);
  });

  it('an unsupported requirement: exit 2 naming it and its line', async () => {
    const r = await runCli(['procedures', 'import', f('unsupported-durative.pddl'), BLOCKS.problem, '-o', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `jupiter: ${f('unsupported-durative.pddl')}:3: requirement :durative-actions is not supported (jupiter reads STRIPS: :strips, :typing, :negative-preconditions, :equality)`,
    );
  });

  it('validates a VAL plan file against PDDL, and the YAML it converts to gets the same verdict', async () => {
    const cwd = tempDir();
    const ok = await runCli(['validate', BLOCKS.plan, '--pddl', BLOCKS.domain, BLOCKS.problem], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('✔ valid (0 errors, 0 warnings) against blocks-sussman/sussman');
    expect(ok.stdout).toContain('VAL: Plan valid');
    const broken = path.join(cwd, 'broken.plan');
    writeFileSync(broken, '(put-down c)\n(unstack c a)\n');
    const bad = await runCli(['validate', broken, '--pddl', BLOCKS.domain, BLOCKS.problem, '--json'], { cwd });
    expect(bad.code).toBe(1);
    const badJson = JSON.parse(bad.stdout) as { valid: boolean; stoppedAt: number; val: string[] };
    expect(badJson).toMatchObject({
      valid: false,
      stoppedAt: 1,
      val: ['Plan failed because of unsatisfied precondition in: (put-down c) at step 1', 'Plan failed to execute', 'Plan invalid'],
    });

    // PDDL plan → YAML plan file → validated against the imported set: same verdict and findings.
    const yamlPlan = path.join(cwd, 'broken.yaml');
    expect((await runCli(['validate', broken, '--pddl', BLOCKS.domain, BLOCKS.problem, '--format', 'yaml', '-o', yamlPlan], { cwd })).code).toBe(1);
    const procedures = path.join(cwd, 'procedures');
    expect((await runCli(['procedures', 'import', BLOCKS.domain, BLOCKS.problem, '--procedures', procedures], { cwd })).code).toBe(0);
    const viaYamlCli = await runCli(['validate', yamlPlan, '--procedures', procedures, '--json'], { cwd });
    expect(viaYamlCli.code).toBe(1);
    const { file: _a, val: _v, ...fromPddl } = badJson as unknown as Record<string, unknown>;
    const { file: _b, ...fromYaml } = JSON.parse(viaYamlCli.stdout) as Record<string, unknown>;
    expect(fromYaml).toEqual(fromPddl);

    // And back: the YAML plan written as PDDL is the original plan file's steps.
    const back = await runCli(['validate', yamlPlan, '--procedures', procedures, '--format', 'pddl'], { cwd });
    expect(back.code).toBe(1);
    expect(back.stdout.split('\n').filter((l) => l.startsWith('('))).toEqual(['(put-down c)', '(unstack c a)']);
    expect(back.stdout).toContain('; invalid against blocks-sussman/sussman (1 error, 0 warnings; jupiter validate)');
  });
});
