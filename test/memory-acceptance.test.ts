import { describe, expect, it } from 'vitest';
import { parseItemsFile } from '../src/memory/items-file.js';
import { Memory } from '../src/memory/store.js';
import { consistency, memDir, read } from './support/memory-fixtures.js';
import { GOOD, RELEASE, ScriptedSession } from './support/memory-sessions.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const RULES = [...RELEASE.set.rules.map((r) => r.id), 'precondition', 'goal', 'unknown-action', 'missing-field', 'empty'];
const OVERRIDE_REASON = 'Zebra-override: our deploy-directly path is fine this once';

describe('memory holds knowledge, not restatements (#11 acceptance)', () => {
  it('after 200 iterations of failures, fixes, improvements, a human override and planner faults', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const rnd = prng(2024);
    const optional = ['security-scan', 'run-tests', 'verify'];
    let session = new ScriptedSession(memory, 'a1');
    for (let i = 0; i < 200; i++) {
      if (i === 100) session = new ScriptedSession(memory, 'a2');
      if (i % 37 === 5) {
        await session.error(`server: 500 Internal Server Error from http://gpu-box:8000/v1/chat/completions (attempt ${i})`);
        continue;
      }
      if (i === 60) {
        // A person accepts an invalid plan anyway.
        const overridden = ['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'deploy-directly', 'verify', 'close-ticket'];
        expect(await session.propose(overridden, { owners: { 'deploy-directly': 'Zed Quinlan' } })).toBe('failed');
        await session.review('override', overridden, OVERRIDE_REASON);
        continue;
      }
      const base = rnd() < 0.5 ? GOOD : GOOD.map((a) => (a === 'deploy-production' ? 'canary' : a));
      const steps = base.filter((a) => !optional.includes(a) || rnd() > 0.15);
      if (rnd() < 0.25) steps.splice(1 + Math.floor(rnd() * (steps.length - 1)), 0, rnd() < 0.6 ? 'deploy-directly' : `invented-${Math.floor(rnd() * 9)}`);
      if (rnd() < 0.1) steps.reverse();
      await session.propose(steps, { cost: 60 + 20 * Math.floor(rnd() * 4), owners: { verify: ['sre', 'qa', 'ops'][Math.floor(rnd() * 3)]! } });
    }
    const outcomes = new Set(session.outcomes);
    for (const o of ['failed', 'improved', 'repeat', 'error'] as const) expect(outcomes.has(o), o).toBe(true);

    const patterns = parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern');
    const lessons = parseItemsFile(read(dir, 'lessons.md'), 'lesson');
    expect(patterns.skipped).toEqual([]);
    expect(lessons.skipped).toEqual([]);

    // successful_patterns.md: one exemplar for the goal, and insights that each name the rule they fixed.
    const exemplars = patterns.items.filter((i) => i.data.type === 'exemplar');
    expect(exemplars).toHaveLength(1);
    const insights = patterns.items.filter((i) => i.data.type !== 'exemplar');
    expect(insights.length).toBeGreaterThan(0);
    for (const i of insights) {
      const rule = 'rule' in i.data ? i.data.rule : undefined;
      expect(rule, i.text).toBeDefined();
      expect(RULES).toContain(rule);
      // each is a claim the validator confirmed, said in one of the forms insights take
      const form =
        rule === 'precondition'
          ? /^[a-z-]+ needs `[a-z-]+`: put [a-z, -]+ before it$/
          : rule === 'goal'
            ? /^the goal needs `[a-z-]+`: end with [a-z, -]+$/
            : new RegExp(`^${rule}: (put [a-z, -]+ before [a-z-]+|include [a-z, -]+|leave out [a-z-]+( \\([a-z, -]+ instead\\))?)$`);
      expect(i.text).toMatch(form);
      // not a restatement: no "uses X", no plan shape, no adjacent pair
      expect(i.text).not.toMatch(/Approved plan|then /);
    }
    // lessons.md: every machine lesson names the rule or check it is about; nothing else is a lesson.
    for (const l of lessons.items.filter((i) => i.kind === 'lesson'))
      expect(
        RULES.some((r) => l.text.includes(r)),
        l.text,
      ).toBe(true);

    // Nothing from the override (its reason, an exemplar or insight recommending its forbidden step, the owner's name)
    // and nothing from a planner fault.
    const all = `${read(dir, 'successful_patterns.md')}\n${read(dir, 'lessons.md')}`;
    expect(all).not.toContain('Zebra-override');
    expect(all).not.toMatch(/Zed|Quinlan/);
    expect(all).not.toMatch(/500|Internal Server Error|http:|gpu-box/);
    expect(exemplars[0]!.text).not.toContain('deploy-directly');
    for (const i of insights) if (i.text.includes('deploy-directly')) expect(i.text).toMatch(/^no-direct-deploys: leave out deploy-directly/);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
