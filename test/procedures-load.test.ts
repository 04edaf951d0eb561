import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProcedures, loadProceduresWithIssues, parseDuration } from '../src/procedures/load.js';
import { InputError } from '../src/core/errors.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { TINY_PROCEDURE as GOOD } from './support/tiny-procedure.js';

function dirWith(files: Record<string, string | Buffer>): string {
  const dir = tempDir('jupiter-proc-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Loads a one-file library and returns the first error as "file:line: message". */
function firstError(text: string | Buffer): { line: number; message: string; file: string } {
  const dir = dirWith({ 'p.yaml': text });
  const { issues } = loadProceduresWithIssues(dir);
  const err = issues.find((i) => i.severity === 'error');
  expect(err, 'expected an error').toBeDefined();
  expect(err!.file).toBe(path.join(dir, 'p.yaml'));
  return err!;
}

describe('loading procedures', () => {
  it('loads the three shipped sets without lint issues', () => {
    const { library, issues } = loadProceduresWithIssues(SHIPPED);
    expect(issues).toEqual([]);
    expect(library.sets.map((s) => s.id).sort()).toEqual(['access-review', 'change-management', 'production-deployment']);
    const change = library.sets.find((s) => s.id === 'change-management')!;
    expect(change.rules.map((r) => r.kind).sort()).toEqual([
      'forbidden',
      'max-steps',
      'ordering',
      'ordering',
      'required',
      'required-fields',
      'segregation',
      'segregation',
      'segregation',
    ]);
    // Every shipped action declares how long it takes, what it costs and how risky it is; every goal its objectives.
    for (const set of library.sets) {
      for (const a of set.actions) expect([a.id, typeof a.duration, typeof a.cost, typeof a.risk]).toEqual([a.id, 'number', 'number', 'number']);
      for (const g of set.goals) expect(g.objectives).toEqual(['makespan', 'cost', 'steps']);
    }
    expect(change.actions.find((a) => a.id === 'implement-change')!.removes).toEqual(['window-scheduled']);
  });

  it('reports bad YAML with its line', () => {
    const e = firstError(GOOD.replace('rules: []', 'rules: [\n  - id: x\n    kind: : :'));
    expect(e.message).toMatch(/invalid YAML/);
    expect(e.line).toBe(15);
  });

  it('reports an unknown rule kind on the line of its kind', () => {
    const e = firstError(GOOD.replace('rules: []', 'rules:\n  - id: r1\n    kind: sometimes\n    action: work'));
    expect(e.message).toBe(
      'rule "r1": unknown rule kind "sometimes" (expected ordering, immediately-after, required, forbidden, segregation, owner, max-steps, required-fields)',
    );
    expect(e.line).toBe(16);
  });

  it('reports an action requiring a fact nothing provides', () => {
    const e = firstError(GOOD.replace('requires: [start]', 'requires: [start, unicorn]'));
    expect(e.message).toBe('action "work" requires fact "unicorn" that no action provides and no starting state holds');
    expect(e.line).toBe(10);
  });

  it('reports duplicate action ids with both lines', () => {
    const e = firstError(GOOD.replace('rules: []', '  - id: work\n    description: again\n    provides: [done]\nrules: []'));
    expect(e.message).toBe('duplicate action id "work" (first declared on line 10)');
    expect(e.line).toBe(14);
  });

  it('reports duplicate procedure ids across files', () => {
    const dir = dirWith({ 'a.yaml': GOOD, 'b.yaml': GOOD });
    const { issues } = loadProceduresWithIssues(dir);
    expect(issues.map((i) => i.message)).toContain(`duplicate procedure id "tiny" (also in ${path.join(dir, 'a.yaml')})`);
  });

  it('reports unknown fields, missing fields and wrong types', () => {
    expect(firstError(GOOD.replace('    provides: [done]', '    provides: [done]\n    prerequisites: [x]')).message).toMatch(/unknown field "prerequisites"/);
    expect(firstError(GOOD.replace('  - id: work\n', '  - description_only: 1\n')).message).toMatch(/action: "id" is missing|unknown field/);
    expect(firstError(GOOD.replace('provides: [done]', 'provides: done')).message).toBe('action "work": "provides" must be a list');
    expect(firstError(GOOD.replace('    facts: [done]', '    facts: []')).message).toBe('goal "finish": "facts" must list at least one goal fact');
  });

  it('reports rules that name unknown actions, and malformed rule bodies', () => {
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: required\n    action: wrok')).message).toBe(
      'rule "r" names unknown action "wrok"',
    );
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: segregation\n    actions: [work]')).message).toBe(
      'rule "r": "actions" must name exactly two actions',
    );
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: max-steps\n    max: many')).message).toBe(
      'rule "r": "max" must be a whole number of at least 1',
    );
    expect(
      firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: ordering\n    before: work\n    after: work\n    severity: fatal')).message,
    ).toMatch(/severity must be "error" or "warning"/);
  });

  it('reports a file that is not a mapping, invalid UTF-8, and an empty folder', () => {
    expect(firstError('- just\n- a list\n').message).toMatch(/must be a mapping/);
    expect(firstError(Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a])).message).toBe('file is not valid UTF-8');
    const empty = tempDir();
    expect(() => loadProcedures(empty)).toThrow(InputError);
    expect(() => loadProcedures(empty)).toThrow(/no procedure files/);
    expect(() => loadProcedures(path.join(empty, 'missing'))).toThrow(/cannot read procedures folder: ENOENT/);
  });

  it('reads duration, cost and risk of actions and objectives of goals', () => {
    const text = GOOD.replace('    provides: [done]', '    provides: [done]\n    duration: 1d 4h\n    cost: 12.5\n    risk: medium').replace(
      '    facts: [done]',
      '    facts: [done]\n    objectives: [cost, makespan]',
    );
    const { library, issues } = loadProceduresWithIssues(dirWith({ 'p.yaml': text }));
    expect(issues).toEqual([]);
    const set = library.sets[0]!;
    expect(set.actions[0]).toMatchObject({ duration: 28 * 60, cost: 12.5, risk: 0.15 });
    expect(set.goals[0]!.objectives).toEqual(['cost', 'makespan']);
    for (const [d, minutes] of [
      ['30m', 30],
      ['4h', 240],
      ['2d', 2880],
      ['1d 4h', 1680],
      ['1h 30m', 90],
    ] as const)
      expect(parseDuration(d)).toBe(minutes);
    for (const [r, p] of [
      ['low', 0.05],
      ['high', 0.35],
      ['0.2', 0.2],
      ['0', 0],
      ['1', 1],
    ] as const) {
      expect(
        loadProceduresWithIssues(dirWith({ 'p.yaml': GOOD.replace('    provides: [done]', `    provides: [done]\n    risk: ${r}`) })).library.sets[0]!
          .actions[0]!.risk,
      ).toBe(p);
    }
  });

  it('reports bad durations, costs, risks and objectives on their lines', () => {
    const act = (field: string) => firstError(GOOD.replace('    provides: [done]', `    provides: [done]\n    ${field}`));
    expect(act('duration: soon')).toEqual(
      expect.objectContaining({ line: 14, message: 'action "work": "duration" must be like 30m, 4h, 2d or 1d 4h, got "soon"' }),
    );
    expect(act('duration: 45').message).toBe('action "work": "duration" must be like 30m, 4h, 2d or 1d 4h, got "45"');
    expect(act('duration: 4 hours').message).toMatch(/"duration" must be like/);
    expect(act('cost: -3')).toEqual(expect.objectContaining({ line: 14, message: 'action "work": "cost" must be a number of at least 0, got "-3"' }));
    expect(act('cost: cheap').message).toBe('action "work": "cost" must be a number of at least 0, got "cheap"');
    expect(act('risk: extreme')).toEqual(
      expect.objectContaining({ line: 14, message: 'action "work": "risk" must be low, medium, high or a number from 0 to 1, got "extreme"' }),
    );
    expect(act('risk: 1.5').message).toMatch(/"risk" must be low, medium, high or a number from 0 to 1, got "1.5"/);
    const goal = (list: string) => firstError(GOOD.replace('    facts: [done]', `    facts: [done]\n    objectives: ${list}`));
    expect(goal('[speed]')).toEqual(
      expect.objectContaining({ line: 9, message: 'goal "finish": unknown objective "speed" (expected makespan, cost, risk, steps)' }),
    );
    expect(goal('[cost, steps, cost]').message).toBe('goal "finish": objective "cost" is listed twice');
    expect(goal('[]').message).toBe('goal "finish": "objectives" must list at least one of makespan, cost, risk, steps');
    expect(goal('cost').message).toBe('goal "finish": "objectives" must be a list');
  });

  it('reads immediately-after and owner rules, and reports their mistakes', () => {
    const rules =
      'rules:\n  - id: right-after\n    kind: immediately-after\n    action: work\n    after: work\n  - id: who\n    kind: owner\n    action: work\n    owner: cfo';
    const { library, issues } = loadProceduresWithIssues(dirWith({ 'p.yaml': GOOD.replace('rules: []', rules) }));
    expect(issues).toEqual([]);
    expect(library.sets[0]!.rules).toEqual([
      expect.objectContaining({ id: 'right-after', kind: 'immediately-after', action: 'work', after: 'work', severity: 'error' }),
      expect.objectContaining({ id: 'who', kind: 'owner', action: 'work', owner: 'cfo' }),
    ]);
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: owner\n    action: work')).message).toBe('rule "r": "owner" is missing');
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: immediately-after\n    action: work\n    after: wrok')).message).toBe(
      'rule "r" names unknown action "wrok"',
    );
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: owner\n    action: work\n    owner: cfo\n    before: work')).message).toBe(
      'rule "r": unknown field "before" (expected id, kind, severity, description, action, owner)',
    );
  });

  it('loadProcedures throws a one-line file:line error', () => {
    const dir = dirWith({ 'p.yaml': GOOD.replace('requires: [start]', 'requires: [ghost]') });
    expect(() => loadProcedures(dir)).toThrow(
      `${path.join(dir, 'p.yaml')}:10: action "work" requires fact "ghost" that no action provides and no starting state holds`,
    );
  });
});

describe('jupiter procedures', () => {
  it('lists the shipped sets with no lint errors', async () => {
    const r = await runCli(['procedures', '--procedures', SHIPPED]);
    expect(r.code).toBe(0);
    for (const id of ['access-review', 'change-management', 'production-deployment']) expect(r.stdout).toContain(id);
    expect(r.stdout).toContain('3 set(s), no lint errors');
  });

  it('exits 2 and prints file:line for a broken set', async () => {
    const dir = dirWith({ 'ok.yaml': GOOD, 'bad.yaml': GOOD.replace('id: tiny', 'id: tiny2').replace('requires: [start]', 'requires: [ghost]') });
    mkdirSync(path.join(dir, 'sub'));
    const r = await runCli(['procedures', '--procedures', dir, '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { issues: { severity: string; file: string; line: number; message: string }[] };
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([
      {
        severity: 'error',
        file: path.join(dir, 'bad.yaml'),
        line: 10,
        message: 'action "work" requires fact "ghost" that no action provides and no starting state holds',
      },
    ]);
  });
});
