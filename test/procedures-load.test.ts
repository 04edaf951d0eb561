import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProcedures, loadProceduresWithIssues } from '../src/procedures/load.js';
import { InputError } from '../src/core/errors.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';

const GOOD = `id: tiny
name: Tiny
initial: [start]
goals:
  - id: finish
    description: Finish the tiny job
    keywords: [tiny]
    facts: [done]
actions:
  - id: work
    description: Do the work
    requires: [start]
    provides: [done]
rules: []
`;

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
    expect(change.rules.map((r) => r.kind).sort()).toEqual(['forbidden', 'max-steps', 'ordering', 'required', 'required-fields', 'segregation', 'segregation']);
    expect(change.actions.find((a) => a.id === 'implement-change')!.removes).toEqual(['window-scheduled']);
  });

  it('reports bad YAML with its line', () => {
    const e = firstError(GOOD.replace('rules: []', 'rules: [\n  - id: x\n    kind: : :'));
    expect(e.message).toMatch(/invalid YAML/);
    expect(e.line).toBe(15);
  });

  it('reports an unknown rule kind on the line of its kind', () => {
    const e = firstError(GOOD.replace('rules: []', 'rules:\n  - id: r1\n    kind: sometimes\n    action: work'));
    expect(e.message).toBe('rule "r1": unknown rule kind "sometimes" (expected ordering, required, forbidden, segregation, max-steps, required-fields)');
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
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: required\n    action: wrok')).message).toBe('rule "r" names unknown action "wrok"');
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: segregation\n    actions: [work]')).message).toBe('rule "r": "actions" must name exactly two actions');
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: max-steps\n    max: many')).message).toBe('rule "r": "max" must be a whole number of at least 1');
    expect(firstError(GOOD.replace('rules: []', 'rules:\n  - id: r\n    kind: ordering\n    before: work\n    after: work\n    severity: fatal')).message).toMatch(/severity must be "error" or "warning"/);
  });

  it('reports a file that is not a mapping, invalid UTF-8, and an empty folder', () => {
    expect(firstError('- just\n- a list\n').message).toMatch(/must be a mapping/);
    expect(firstError(Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a])).message).toBe('file is not valid UTF-8');
    const empty = tempDir();
    expect(() => loadProcedures(empty)).toThrow(InputError);
    expect(() => loadProcedures(empty)).toThrow(/no procedure files/);
    expect(() => loadProcedures(path.join(empty, 'missing'))).toThrow(/cannot read procedures folder: ENOENT/);
  });

  it('loadProcedures throws a one-line file:line error', () => {
    const dir = dirWith({ 'p.yaml': GOOD.replace('requires: [start]', 'requires: [ghost]') });
    expect(() => loadProcedures(dir)).toThrow(`${path.join(dir, 'p.yaml')}:10: action "work" requires fact "ghost" that no action provides and no starting state holds`);
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
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([{ severity: 'error', file: path.join(dir, 'bad.yaml'), line: 10, message: 'action "work" requires fact "ghost" that no action provides and no starting state holds' }]);
  });
});
