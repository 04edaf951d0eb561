import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recall } from '../src/memory/recall.js';
import { renderMemoryItem } from '../src/memory/render.js';
import { Memory } from '../src/memory/store.js';
import { countTokens } from '../src/memory/tokens.js';
import type { MemoryItem, RecallQuery, RecallResult } from '../src/memory/types.js';
import { ACCESS, approved, CHANGE, DEPLOY, failed, finding, memDir, read, review, type Scope } from './support/memory-fixtures.js';

const query = (scope: Scope, session: string, budgetTokens: number): RecallQuery => ({ goalText: scope.goalText, procedure: scope.procedure, goalId: scope.goalId, findings: [], session, budgetTokens });
const cost = (i: MemoryItem) => countTokens(renderMemoryItem(i)) + 1;
const inScope = (i: MemoryItem, s: Scope) => i.procedure === s.procedure && i.goalId === s.goalId;

function expectWithinBudget(r: RecallResult, budget: number): void {
  const sum = r.items.reduce((s, i) => s + cost(i), 0);
  expect(sum).toBeLessThanOrEqual(budget);
  expect(r.tokens).toBe(sum);
  expect(r.tokens).toBeLessThanOrEqual(budget);
  expect(r.budget).toBe(budget);
  expect(new Set(r.items.map((i) => i.id)).size).toBe(r.items.length);
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const SCOPES = [DEPLOY, CHANGE, ACCESS];
const DEPLOY_PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'smoke-test', 'deploy-production'];
const CHANGE_PLAN = ['raise-change', 'peer-review', 'cab-approval', 'apply-change', 'verify-change'];
const ACCESS_PLAN = ['export-entitlements', 'manager-attestation', 'revoke-access', 'archive-evidence'];

async function seeded(): Promise<{ dir: string; memory: Memory }> {
  const dir = memDir();
  const memory = await Memory.open(dir);
  let n = 0;
  const plans: [Scope, string[]][] = [[DEPLOY, DEPLOY_PLAN], [CHANGE, CHANGE_PLAN], [ACCESS, ACCESS_PLAN]];
  for (const [scope, steps] of plans) {
    const s = `sess-${scope.goalId}`;
    for (let k = 0; k < 3; k++) await memory.commitIteration(approved(s, ++n, steps, scope));
    await memory.commitIteration(failed(s, ++n, steps.slice(1), [finding(`${steps[0]}-first`, 1, `add ${steps[0]} before step 1`)], scope));
    await memory.commitIteration(failed(s, ++n, steps.slice(0, -1), [finding('goal', undefined, `add ${steps.at(-1)} at the end`)], scope));
    await memory.commitReview(review(s, n, 'rejection', `The ${scope.goalId} plan needs a named owner for every step`, steps, scope));
  }
  return { dir, memory };
}

describe('memory recall', () => {
  it('ranks the queried goal\'s own items first', async () => {
    const { memory } = await seeded();
    const all = await memory.items();
    for (const scope of SCOPES) {
      const r = await memory.recall(query(scope, 'another-session', 100_000));
      expect(r.total).toBe(all.length);
      expect(r.items).toHaveLength(all.length);
      const own = all.filter((i) => inScope(i, scope)).length;
      expect(own).toBeGreaterThan(5);
      // every item of the queried scope ranks above every item of another scope
      const firstForeign = r.items.findIndex((i) => !inScope(i, scope));
      expect(firstForeign).toBe(own);
      // the person's feedback on this goal leads; this goal's lessons rank above every other goal's
      expect(r.items[0]).toMatchObject({ kind: 'feedback', procedure: scope.procedure, goal: scope.goalId });
      const lessons = r.items.filter((i) => i.kind !== 'pattern');
      expect(lessons.slice(0, 3).every((i) => inScope(i, scope))).toBe(true);
    }
    // under a small budget the queried scope fills it
    const small = await memory.recall(query(CHANGE, 'x', 80));
    expect(small.items.length).toBeGreaterThan(0);
    expect(small.items.every((i) => inScope(i, CHANGE))).toBe(true);
  });

  it('always includes the current session\'s feedback, even under a tiny budget', async () => {
    const { memory } = await seeded();
    await memory.commitReview(review('now', 99, 'rejection', 'Use the blue-green rollout for payments', DEPLOY_PLAN));
    await memory.commitReview(review('now', 100, 'rejection', 'Page the database owner first', DEPLOY_PLAN));
    const mine = (await memory.items()).filter((i) => i.kind === 'feedback' && i.session === 'now');
    expect(mine).toHaveLength(2);
    const need = mine.reduce((s, i) => s + cost(i), 0);
    for (const budget of [need, need + 3, need + 20, 4000]) {
      const r = await memory.recall(query(DEPLOY, 'now', budget));
      expect(r.items.slice(0, 2).map((i) => i.id).sort()).toEqual(mine.map((i) => i.id).sort());
      expectWithinBudget(r, budget);
    }
    // another session's feedback is ranked, not forced
    const other = await memory.recall(query(DEPLOY, 'someone-else', need));
    expectWithinBudget(other, need);
  });

  it.each([10, 100, 1000])('holds the budget with %i items in memory', async (size) => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const rnd = prng(size);
    const pool = Array.from({ length: 400 }, (_, i) => `action-${i}-${['check', 'deploy', 'notify', 'verify'][i % 4]}`);
    let it = 0;
    while ((await memory.items()).length < size) {
      const scope = SCOPES[it % 3]!;
      const want = size - (await memory.items()).length;
      const len = Math.max(1, Math.min(8, Math.floor(want / 2)));
      const steps = Array.from({ length: len }, () => pool[Math.floor(rnd() * pool.length)]!);
      it++;
      if (rnd() < 0.3) await memory.commitIteration(failed(`s${it % 4}`, it, steps, [finding(`rule-${it}`, 1, `add ${pool[it % pool.length]} before step 1`)], scope));
      else if (rnd() < 0.1) await memory.commitReview(review(`s${it % 4}`, it, 'rejection', `Reviewer note number ${it}: ${steps.join(' and ')} need an owner`, steps, scope));
      else await memory.commitIteration(approved(`s${it % 4}`, it, steps, scope));
    }
    const items = await memory.items();
    expect(items.length).toBeGreaterThanOrEqual(size);
    expect(items.length).toBeLessThan(size + 20);
    for (const budget of [100, 150, 250, 500, 1000, 2000, 4000, 8000]) {
      for (const scope of SCOPES) {
        const r = await memory.recall(query(scope, 's1', budget));
        expectWithinBudget(r, budget);
        expect(r.total).toBe(items.length);
        // best-first fill: whatever was left out did not fit in what remained
        const left = items.filter((i) => !r.items.some((c) => c.id === i.id));
        for (const i of left) expect(r.tokens + cost(i)).toBeGreaterThan(budget);
      }
    }
    expect(read(dir, 'successful_patterns.md')).toMatch(/^# Successful patterns/);
  });

  it('holds the budget for any items and budget (property)', () => {
    const item = fc.record({
      id: fc.string({ minLength: 1, maxLength: 12 }),
      kind: fc.constantFrom('pattern' as const, 'lesson' as const, 'feedback' as const),
      text: fc.string({ maxLength: 300, unit: 'binary' }),
      count: fc.integer({ min: 0, max: 10_000 }),
      human: fc.integer({ min: 0, max: 5 }),
      procedure: fc.constantFrom(undefined, 'production-deployment', 'change-management'),
      session: fc.constantFrom(undefined, 'now', 'old'),
      seq: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), fc.integer({ min: 0, max: 8000 }), (raw, budget) => {
        const items: MemoryItem[] = raw.map((r, i) => {
          const m: MemoryItem = { id: `${r.id}-${i}`, kind: r.kind, text: r.text, data: { type: 'note' }, count: r.count, human: r.human, lastSeen: '' };
          if (r.procedure) m.procedure = r.procedure;
          if (r.session) m.session = r.session;
          if (r.seq !== undefined) m.seq = r.seq;
          return m;
        });
        const r = recall(items, { goalText: 'deploy <memory> payments', procedure: 'production-deployment', goalId: 'deploy-service', findings: [], session: 'now', budgetTokens: budget }, 5000);
        const sum = r.items.reduce((s, i) => s + cost(i), 0);
        return sum <= budget && r.tokens === sum && r.total === items.length;
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('respects hand edits to lessons.md between calls: add, count edit, delete', async () => {
    const { dir, memory } = await seeded();
    const file = path.join(dir, 'lessons.md');
    const q = query(DEPLOY, 'another-session', 8000);
    const HAND = 'Always page the on-call SRE before deploy-production';
    expect((await memory.recall(q)).items.some((i) => i.text === HAND)).toBe(false);

    // A person adds a line under the goal's heading.
    const text = read(dir, 'lessons.md');
    const heading = '## production-deployment / deploy-service\n\n';
    expect(text).toContain(heading);
    writeFileSync(file, text.replace(heading, `${heading}- ${HAND}\n`));
    let r = await memory.recall(q);
    const hand = r.items.find((i) => i.text === HAND);
    expect(hand).toMatchObject({ kind: 'feedback', human: 1, count: 1, procedure: DEPLOY.procedure, goal: DEPLOY.goalId });
    // weighted as human feedback: above every machine-learned lesson of the goal
    const pos = r.items.indexOf(hand!);
    const machine = r.items.findIndex((i) => inScope(i, DEPLOY) && i.kind === 'lesson');
    expect(pos).toBeLessThan(machine);
    // it is not in another goal's scope
    expect((await memory.recall(query(CHANGE, 'x', 8000))).items.findIndex((i) => i.text === HAND)).toBeGreaterThan(
      (await memory.recall(query(CHANGE, 'x', 8000))).items.findIndex((i) => inScope(i, CHANGE) && i.kind === 'lesson'),
    );

    // A person edits a count.
    const lesson = r.items.find((i) => inScope(i, DEPLOY) && i.kind === 'lesson')!;
    const edited = read(dir, 'lessons.md').split('\n').map((l) => (l.includes(lesson.id) ? l.replace(/^- ×\d+ ·/, '- ×12 ·') : l)).join('\n');
    expect(edited).not.toBe(read(dir, 'lessons.md'));
    writeFileSync(file, edited);
    r = await memory.recall(q);
    expect(r.items.find((i) => i.id === lesson.id)?.count).toBe(12);

    // The edit survives the next commit (re-read, then the new record is applied on top).
    await memory.commitIteration(failed('s9', 50, ['deploy-production'], [finding('tests', 1, 'add run-tests before step 1')]));
    const after = await memory.items();
    expect(after.find((i) => i.id === lesson.id)?.count).toBe(12);
    expect(after.find((i) => i.text === HAND)).toMatchObject({ kind: 'feedback', human: 1, count: 1 });
    expect(read(dir, 'lessons.md')).toMatch(new RegExp(`^- ×1 · human · ${HAND} <!-- `, 'm'));
    const reopened = await Memory.open(dir);
    expect((await reopened.items()).find((i) => i.id === lesson.id)?.count).toBe(12);

    // A person deletes the line: it is forgotten, now and after the next commit.
    writeFileSync(file, read(dir, 'lessons.md').split('\n').filter((l) => !l.includes(HAND)).join('\n'));
    expect((await memory.recall(q)).items.some((i) => i.text === HAND)).toBe(false);
    await memory.commitIteration(approved('s9', 51, DEPLOY_PLAN));
    expect((await memory.recall(q)).items.some((i) => i.text === HAND)).toBe(false);
    expect(read(dir, 'lessons.md')).not.toContain(HAND);
    expect(memory.skippedLines()).toEqual([]);
  });
});

describe('recall caches', () => {
  it('re-ranks an item whose text changed, even to a text of the same length', () => {
    const mk = (id: string, text: string): MemoryItem => ({ id, kind: 'lesson', text, data: { type: 'note' }, procedure: 'p', goalId: 'g', count: 1, human: 0, lastSeen: '' });
    const query: RecallQuery = { goalText: 'rotate the certificates', procedure: 'p', goalId: 'g', findings: [], session: 's', budgetTokens: 40 };
    const a = mk('a', 'patch the kernel servers');
    const b = mk('b', 'check the backup restore');
    const items = [a, b];
    expect(recall(items, query, 1).items[0]!.id).toBe('a');
    // Same length, new words: the cached scores must not survive the edit.
    b.text = 'rotate the certificates!';
    expect(b.text.length).toBe('check the backup restore'.length);
    expect(recall(items, query, 1).items[0]!.id).toBe('b');
  });
});
