import fc from 'fast-check';
import { parse, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../src/core/fast-yaml.js';
import { readOwnYaml } from '../src/core/own-yaml.js';

const leaf = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('true', 'Null', 'yes', '- x', 'a: b', '#c', ' lead', 'trail ', '0x1F', '1e3', '', '"q"', 'x #y', '[1]', '{a}', '*ref', '&anc', '!tag'),
  fc.constantFrom('Deploy the orchestrator', 'run-tests', 'makespan 3d 7h · cost 2050', '2026-01-01T00:00:00.000Z', 'Sam Lee (SRE)'),
);
const { node } = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('id', 'steps', 'my key', '1', 'null')), tie('node'), { maxKeys: 4 }),
  ),
}));
const mapping = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('id', 'status', 'progress')), node, { minKeys: 1, maxKeys: 6 });

/** Small edits a person (or a torn write) might make to a file. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ' ',
      '  ',
      '#',
      ':',
      ': ',
      '-',
      '- ',
      '"',
      '\n',
      '\t',
      '[',
      '{',
      '&a',
      '*a',
      '!',
      '|',
      '>',
      '\\',
      'é',
      '\r',
      '?',
      ',',
      '%',
      '@',
      '`',
      "'",
      '0',
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('line' as const), at: fc.nat(), op: fc.constantFrom('duplicate', 'drop', 'indent', 'outdent', 'swap') }),
);

function applyEdit(text: string, e: Record<string, unknown>): string {
  if (e.kind === 'insert') {
    const at = (e.at as number) % (text.length + 1);
    return text.slice(0, at) + (e.text as string) + text.slice(at);
  }
  if (e.kind === 'delete') {
    const at = (e.at as number) % (text.length + 1);
    return text.slice(0, at) + text.slice(at + (e.length as number));
  }
  const lines = text.split('\n');
  const i = (e.at as number) % lines.length;
  const line = lines[i]!;
  if (e.op === 'duplicate') lines.splice(i, 0, line);
  else if (e.op === 'drop') lines.splice(i, 1);
  else if (e.op === 'indent') lines[i] = `  ${line}`;
  else if (e.op === 'outdent') lines[i] = line.replace(/^ {1,2}/, '');
  else if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, line];
  return lines.join('\n');
}

describe('readOwnYaml (reading back what toYaml wrote, without the yaml package)', () => {
  it('reads what toYaml writes as the yaml package does, and nearly always can', () => {
    let read = 0;
    fc.assert(
      fc.property(mapping, (v) => {
        const text = toYaml(v);
        const got = readOwnYaml(text);
        if (got === undefined) return;
        read++;
        expect(got).toStrictEqual(parse(text));
      }),
      { numRuns: 1500, seed: 7 },
    );
    // Values with non-empty lists inside lists, unusual characters or long numbers go to the yaml package.
    expect(read).toBeGreaterThan(500);
  });

  it('after any small edit: either gives up or reads exactly what the yaml package reads (no errors there either)', () => {
    let read = 0;
    fc.assert(
      fc.property(mapping, fc.array(edit, { minLength: 1, maxLength: 3 }), (v, edits) => {
        const text = edits.reduce((t, e) => applyEdit(t, e), toYaml(v));
        const got = readOwnYaml(text);
        if (got === undefined) return;
        read++;
        const doc = parseDocument(text);
        expect(doc.errors).toEqual([]);
        expect(got).toStrictEqual(doc.toJS());
      }),
      { numRuns: 4000, seed: 11 },
    );
    // Many edits leave valid YAML of the same kind (a changed word, a dropped entry): those are compared.
    expect(read).toBeGreaterThan(250);
  });

  it('reads a session-shaped document, and gives up on YAML written by hand', () => {
    const session = {
      version: 1,
      id: '20261125-215102-deploy-the-orchestrator-4ef3',
      goalText: 'Deploy the orchestrator',
      status: 'interrupted',
      settings: { iterations: 50, checkpoint: 10, unattended: false, proceduresDir: '/srv/procedures', maxCost: 0.5 },
      progress: { completed: 12, approved: 11 },
      currentPlan: { title: 'Deploy', summary: 'Blue-green: "safe"', steps: [{ action: 'open-change-ticket', owner: 'release-manager' }] },
      seen: ['a1b2', 'c3d4'],
      alternatives: [],
      champion: null,
      usage: { promptTokens: 0, costUsd: 1.25e-7 },
    };
    expect(readOwnYaml(toYaml(session))).toStrictEqual(session);
    expect(readOwnYaml('id: x # a comment\n')).toBeUndefined();
    expect(readOwnYaml('id: x\nsteps:\n- a\n')).toBeUndefined();
    expect(readOwnYaml('id: x\nid: y\n')).toBeUndefined();
    expect(readOwnYaml('id: &a x\n')).toBeUndefined();
    expect(readOwnYaml('summary: |\n  text\n')).toBeUndefined();
    expect(readOwnYaml('n: 007\n')).toBeUndefined();
  });
});
