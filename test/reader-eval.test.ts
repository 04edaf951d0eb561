// The offline reader measured on phrasings written before its code (test/fixtures/reader-eval.yaml):
// any reading that states something the person did not say fails; at least 90% must be read exactly.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '../src/feedback/read.js';
import type { Rule } from '../src/procedures/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { ROOT, SHIPPED } from './support/cli.js';

interface Case {
  set: string;
  say: string;
  tag?: string;
  expect?: Record<string, unknown>[];
  right?: Record<string, unknown>[];
}
const data = parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'reader-eval.yaml'), 'utf8')) as { cases: Case[]; issue: Case[] };
const library = loadProcedures(SHIPPED);
const targetOf = (set: string) => findTarget(library, library.sets.find((s) => s.id === set)!.id);

/** A rule's content, comparable: bookkeeping dropped, segregation pairs sorted, owners case-blind. */
function key(rule: Record<string, unknown>): string {
  const { id: _i, severity: _s, origin: _o, description: _d, source: _src, ...body } = rule;
  const norm: Record<string, unknown> = { ...body };
  if (Array.isArray(norm.actions) && norm.kind === 'segregation') norm.actions = [...(norm.actions as string[])].sort();
  if (typeof norm.owner === 'string') norm.owner = norm.owner.toLowerCase();
  return JSON.stringify(norm, Object.keys(norm).sort());
}
const reading = (c: Case) =>
  readFeedback(c.say, targetOf(c.set))
    .constraints.map((r: Rule) => key(r as unknown as Record<string, unknown>))
    .sort();

describe('the offline reader on the evaluation set', () => {
  const results = data.cases.map((c) => {
    const got = reading(c);
    const want = (c.expect ?? []).map(key).sort();
    const verdict = JSON.stringify(got) === JSON.stringify(want) ? 'exact' : got.length === 0 ? 'prose' : 'wrong';
    return { c, got, want, verdict };
  });

  it('has at least 60 cases', () => {
    expect(data.cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(results.map((r) => [r.c.say, r] as const))('never states what was not said: %s', (_say, r) => {
    // A missed reading stays prose (the person can say it with the builder); a wrong one would bind the planner.
    if (r.verdict === 'wrong') expect(r.got).toEqual(r.want);
  });

  it('reads at least 90% exactly', () => {
    const count = (v: string) => results.filter((r) => r.verdict === v).length;
    const summary = { total: results.length, exact: count('exact'), wrong: count('wrong'), prose: count('prose') };
    console.log(`reader evaluation: ${JSON.stringify(summary)}`);
    for (const r of results.filter((x) => x.verdict !== 'exact')) console.log(`  ${r.verdict}: ${r.c.say} -> ${r.got.join(' ') || 'no rule'}`);
    expect(summary.exact / summary.total).toBeGreaterThanOrEqual(0.9);
  });

  it.each(data.issue.map((c) => [c.say, c] as const))('the issue sentence gives no rule or the right one: %s', (_say, c) => {
    const got = reading(c);
    if (got.length) expect(got).toEqual((c.right ?? []).map(key).sort());
  });
});
