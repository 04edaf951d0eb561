import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inScope, RECALL_CAP, recall, recallCost } from '../src/memory/recall.js';
import { renderMemoryBlock } from '../src/memory/render.js';
import { Memory } from '../src/memory/store.js';
import type { MemoryItem, RecallQuery, RecallResult } from '../src/memory/types.js';
import { buildSystemMessage } from '../src/planners/prompt.js';
import { ACCESS, approved, CHANGE, DEPLOY, failed, finding, memDir, read, review, type Scope } from './support/memory-fixtures.js';
import { GOOD, RELEASE, ScriptedSession } from './support/memory-sessions.js';

const query = (scope: Scope, session: string, budgetTokens: number): RecallQuery => ({
  goalText: scope.goalText,
  procedure: scope.procedure,
  goalId: scope.goalId,
  findings: [],
  session,
  budgetTokens,
});
const inGoal = (i: MemoryItem, s: Scope) => i.procedure === s.procedure && i.goalId === s.goalId;

function expectWithinBudget(r: RecallResult, budget: number): void {
  const sum = r.items.reduce((s, i) => s + recallCost(i), 0);
  expect(sum).toBeLessThanOrEqual(budget);
  expect(r.tokens).toBe(sum);
  expect(r.budget).toBe(budget);
  expect(new Set(r.items.map((i) => i.id)).size).toBe(r.items.length);
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const SCOPES = [DEPLOY, CHANGE, ACCESS];
const HOTFIX: Scope = { procedure: DEPLOY.procedure, goalId: 'hotfix', goalText: 'Ship a hotfix' };
const DEPLOY_PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'smoke-test', 'deploy-production'];
const CHANGE_PLAN = ['raise-change', 'peer-review', 'cab-approval', 'apply-change', 'verify-change'];
const ACCESS_PLAN = ['export-entitlements', 'manager-attestation', 'revoke-access', 'archive-evidence'];

async function seeded(): Promise<{ dir: string; memory: Memory }> {
  const dir = memDir();
  const memory = await Memory.open(dir);
  let n = 0;
  const plans: [Scope, string[]][] = [
    [DEPLOY, DEPLOY_PLAN],
    [CHANGE, CHANGE_PLAN],
    [ACCESS, ACCESS_PLAN],
  ];
  for (const [scope, steps] of plans) {
    const s = `sess-${scope.goalId}`;
    await memory.commitIteration(approved(s, ++n, steps, scope));
    const bad = failed(
      s,
      ++n,
      steps.slice(1),
      [finding(`${steps[0]}-first`, 1, `add ${steps[0]} before step 1`), finding(`${steps[1]}-needed`, undefined, `add ${steps[1]}`)],
      scope,
    );
    bad.insights = [
      { rule: `${steps[0]}-first`, change: 'add', actions: [steps[0]!], before: steps[1]! },
      { rule: `${steps[1]}-needed`, change: 'add', actions: [steps[1]!] },
    ];
    await memory.commitIteration(bad);
    await memory.commitIteration(approved(s, ++n, steps, scope));
    await memory.commitIteration(
      failed(s, ++n, steps.slice(0, -1), [finding('goal', undefined, `add ${steps.at(-1)} (and what they need) at the end`)], scope),
    );
    await memory.commitReview(review(s, n, 'rejection', `The ${scope.goalId} plan needs a named owner for every step`, steps.slice(0, -1), scope));
  }
  // Another goal of the deploy procedure: one lesson about an action the deploy goal uses, one about one it never names.
  await memory.commitIteration(failed('sess-hotfix', ++n, ['deploy-production'], [finding('tests-first', 1, 'add run-tests before step 1')], HOTFIX));
  await memory.commitIteration(failed('sess-hotfix', ++n, ['page-oncall'], [finding('pager-duty', 1, 'add open-incident before step 1')], HOTFIX));
  await memory.commitIteration(approved('sess-hotfix', ++n, ['run-tests', 'deploy-production'], HOTFIX));
  return { dir, memory };
}

describe('memory recall is scoped', () => {
  it("the queried goal's items first; another goal's only where they name this goal's actions (never its exemplar)", async () => {
    const { memory } = await seeded();
    const all = await memory.items();
    for (const scope of SCOPES) {
      const r = await memory.recall(query(scope, 'another-session', 100_000));
      expect(r.total).toBe(all.length);
      const own = all.filter((i) => inGoal(i, scope));
      expect(own.length).toBeGreaterThanOrEqual(5);
      expect(own.some((i) => i.data.type === 'exemplar')).toBe(true);
      expect(own.some((i) => i.kind === 'pattern' && i.data.type === 'fix')).toBe(true);
      // every item of the queried goal ranks above every item of another goal
      expect(r.items.slice(0, own.length).every((i) => inGoal(i, scope))).toBe(true);
      // the person's feedback on this goal leads
      expect(r.items[0]).toMatchObject({ kind: 'feedback', procedure: scope.procedure, goalId: scope.goalId });
      // the three goals share no action: nothing else is recalled, except for deploy the hotfix lesson about run-tests
      const foreign = r.items.slice(own.length);
      expect(foreign.map((i) => i.text)).toEqual(scope === DEPLOY ? ['deploy-production: tests-first — add run-tests before it'] : []);
    }
    // the other goal's exemplar and its lesson about an action this goal never names stay out
    const deploy = await memory.recall(query(DEPLOY, 'x', 100_000));
    expect(deploy.items.filter((i) => i.goalId === 'hotfix' && (i.data.type === 'exemplar' || i.text.includes('pager')))).toEqual([]);
    // with the procedure's action list given, the same
    expect(
      inScope(all, { ...query(DEPLOY, 'x', 1), actions: DEPLOY_PLAN })
        .filter((i) => i.goalId === 'hotfix')
        .map((i) => i.text),
    ).toEqual(['deploy-production: tests-first — add run-tests before it']);
    // under a small budget the queried goal fills it
    const small = await memory.recall(query(CHANGE, 'x', 60));
    expect(small.items.length).toBeGreaterThan(0);
    expect(small.items.every((i) => inGoal(i, CHANGE))).toBe(true);
  });

  it("always includes the current session's feedback, even under a tiny budget", async () => {
    const { memory } = await seeded();
    await memory.commitReview(review('now', 99, 'rejection', 'Use the blue-green rollout for payments', DEPLOY_PLAN));
    await memory.commitReview(review('now', 100, 'rejection', 'Page the database owner first', DEPLOY_PLAN));
    const mine = (await memory.items()).filter((i) => i.kind === 'feedback' && i.session === 'now');
    expect(mine).toHaveLength(2);
    const need = mine.reduce((s, i) => s + recallCost(i), 0);
    for (const budget of [need, need + 3, need + 20, 4000]) {
      const r = await memory.recall(query(DEPLOY, 'now', budget));
      expect(
        r.items
          .slice(0, 2)
          .map((i) => i.id)
          .sort(),
      ).toEqual(mine.map((i) => i.id).sort());
      expectWithinBudget(r, budget);
    }
    // another session's feedback is ranked, not forced
    const other = await memory.recall(query(DEPLOY, 'someone-else', need));
    expectWithinBudget(other, need);
  });

  it.each([10, 100, 1000])('holds the budget with %i items in memory, filling it best-first', (size) => {
    const rnd = prng(size);
    const pool = Array.from({ length: 60 }, (_, i) => `action-${i}`);
    const items: MemoryItem[] = Array.from({ length: size }, (_, i) => {
      const scope = SCOPES[i % 3]!;
      const a = pool[Math.floor(rnd() * pool.length)]!;
      const kind = (['pattern', 'lesson', 'feedback'] as const)[Math.floor(rnd() * 3)]!;
      return {
        id: `i-${i}`,
        kind,
        text: `${kind} ${i} about ${a} ${'and more words '.repeat(Math.floor(rnd() * 4))}`,
        data: kind === 'pattern' ? { type: 'fix', rule: `rule-${i % 7}`, action: a } : { type: 'note' },
        procedure: scope.procedure,
        goalId: scope.goalId,
        count: 1 + Math.floor(rnd() * 9),
        human: kind === 'feedback' ? 1 : 0,
        lastSeen: '',
        seq: i,
        session: `s${i % 4}`,
      };
    });
    for (const budget of [100, 150, 250, 500, 1000, 2000, 4000, 8000]) {
      for (const scope of SCOPES) {
        const q = query(scope, 's1', budget);
        const r = recall(items, q, size);
        expectWithinBudget(r, budget);
        expect(r.total).toBe(items.length);
        // whatever could have been recalled but was left out did not fit in what remained, or its kind was at its cap
        const left = inScope(items, q).filter((i) => !r.items.includes(i));
        const full = (i: MemoryItem) => r.items.filter((x) => x.kind === i.kind).length === RECALL_CAP[i.kind];
        for (const i of left) expect(full(i) || r.tokens + recallCost(i) > budget, i.id).toBe(true);
      }
    }
  });

  it('holds the budget for any items and budget (property)', () => {
    const item = fc.record({
      id: fc.string({ minLength: 1, maxLength: 12 }),
      kind: fc.constantFrom('pattern' as const, 'lesson' as const, 'feedback' as const),
      text: fc.string({ maxLength: 300, unit: 'binary' }),
      count: fc.integer({ min: 0, max: 10_000 }),
      contra: fc.integer({ min: 0, max: 3 }),
      human: fc.integer({ min: 0, max: 5 }),
      procedure: fc.constantFrom(undefined, 'production-deployment', 'change-management'),
      session: fc.constantFrom(undefined, 'now', 'old'),
      seq: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), fc.integer({ min: 0, max: 8000 }), fc.array(fc.nat(70), { maxLength: 20 }), (raw, budget, prev) => {
        const items: MemoryItem[] = raw.map((r, i) => {
          const m: MemoryItem = { id: `${r.id}-${i}`, kind: r.kind, text: r.text, data: { type: 'note' }, count: r.count, human: r.human, lastSeen: '' };
          if (r.contra) m.contra = r.contra;
          if (r.procedure) {
            m.procedure = r.procedure;
            m.goalId = 'deploy-service';
          }
          if (r.session) m.session = r.session;
          if (r.seq !== undefined) m.seq = r.seq;
          return m;
        });
        const previous = prev.map((k) => items[k]?.id ?? `gone-${k}`);
        const r = recall(
          items,
          {
            goalText: 'deploy <memory> payments',
            procedure: 'production-deployment',
            goalId: 'deploy-service',
            findings: [],
            session: 'now',
            budgetTokens: budget,
          },
          5000,
          previous,
        );
        const sum = r.items.reduce((s, i) => s + recallCost(i), 0);
        return sum <= budget && r.tokens === sum && r.total === items.length && new Set(r.items).size === r.items.length;
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
    expect(hand).toMatchObject({ kind: 'feedback', human: 1, count: 1, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId });
    // weighted as human feedback: above every machine-learned lesson of the goal (a fresh session's order)
    const fresh = await memory.recall({ ...q, session: 'fresh' });
    const pos = fresh.items.findIndex((i) => i.text === HAND);
    const machine = fresh.items.findIndex((i) => inGoal(i, DEPLOY) && i.kind === 'lesson');
    expect(pos).toBeLessThan(machine);
    // it is not in another goal's scope (it names no action of that goal)
    expect((await memory.recall(query(CHANGE, 'x', 8000))).items.some((i) => i.text === HAND)).toBe(false);

    // A person edits a count.
    const lesson = r.items.find((i) => inGoal(i, DEPLOY) && i.kind === 'lesson')!;
    const edited = read(dir, 'lessons.md')
      .split('\n')
      .map((l) => (l.includes(lesson.id) ? l.replace(/^- ×\d+ ·/, '- ×12 ·') : l))
      .join('\n');
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
    writeFileSync(
      file,
      read(dir, 'lessons.md')
        .split('\n')
        .filter((l) => !l.includes(HAND))
        .join('\n'),
    );
    expect((await memory.recall(q)).items.some((i) => i.text === HAND)).toBe(false);
    await memory.commitIteration(approved('s9', 51, DEPLOY_PLAN));
    expect((await memory.recall(q)).items.some((i) => i.text === HAND)).toBe(false);
    expect(read(dir, 'lessons.md')).not.toContain(HAND);
    expect(memory.skippedLines()).toEqual([]);
  });
});

describe('memory recall is stable within a session', () => {
  it('keeps the recalled order and appends new items; a new session starts from the ranking', async () => {
    const { memory } = await seeded();
    const q = query(DEPLOY, 'stable', 100_000);
    const first = (await memory.recall(q)).items.map((i) => i.id);
    // new knowledge arrives: a lesson and a person's feedback
    await memory.commitIteration(failed('stable', 1, ['deploy-production', 'smoke-test'], [finding('smoke-after-deploy', 2, 'add smoke-test before step 1')]));
    await memory.commitReview(review('stable', 1, 'rejection', 'Smoke-test staging before production, always', ['deploy-production', 'smoke-test']));
    const second = (await memory.recall(q)).items.map((i) => i.id);
    expect(second.slice(0, first.length)).toEqual(first);
    expect(second.length).toBe(first.length + 2);
    // a fresh session ranks from scratch: its own feedback (none) first, the person's feedback on the goal high
    const other = (await memory.recall({ ...q, session: 'other' })).items.map((i) => i.id);
    expect(new Set(other)).toEqual(new Set(second));
    expect(other).not.toEqual(second);
  });

  it('a 200-iteration session with varied answers keeps a median of at least 85% of each prompt an unchanged prefix of the last', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const rnd = prng(7);
    const s = new ScriptedSession(memory, 'varied');
    const system = buildSystemMessage(RELEASE);
    const optional = ['security-scan', 'run-tests', 'canary', 'deploy-directly', 'verify'];
    const prompts: string[] = [];
    const memoryBlocks: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await memory.recall({
        goalText: s.goalText,
        procedure: 'release',
        goalId: 'ship',
        findings: [],
        session: 'varied',
        budgetTokens: 4000,
        actions: RELEASE.set.actions.map((a) => a.id),
      });
      // An answer that varies: some steps dropped, swapped or replaced, some invented.
      const base = rnd() < 0.5 ? GOOD : GOOD.map((a) => (a === 'deploy-production' ? 'canary' : a));
      const steps = base.filter((a) => !optional.includes(a) || rnd() > 0.15);
      if (rnd() < 0.3) steps.splice(Math.floor(rnd() * steps.length), 0, rnd() < 0.5 ? 'deploy-directly' : `invented-${Math.floor(rnd() * 50)}`);
      if (rnd() < 0.2) steps.reverse();
      const cost = 60 + 20 * Math.floor(rnd() * 4);
      const current = `Current plan:\n${steps.map((a, k) => `${k + 1}. ${a}`).join('\n')}\nIteration ${i + 1}: write the improved plan now.`;
      memoryBlocks.push(renderMemoryBlock(r.items));
      prompts.push(`${system}\n\n<goal>\n${s.goalText}\n</goal>\n<memory>\n${memoryBlocks.at(-1)}\n</memory>\n${current}`);
      await s.propose(steps, { cost, owners: { verify: ['sre', 'qa', 'ops'][Math.floor(rnd() * 3)]! } });
    }
    expect(new Set(s.outcomes)).toEqual(new Set(['failed', 'improved', 'alternative', 'worse', 'repeat']));
    const share = (list: string[]) =>
      list.slice(1).map((p, i) => {
        const prev = list[i]!;
        let k = 0;
        while (k < p.length && k < prev.length && p[k] === prev[k]) k++;
        return k / p.length;
      });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(median(share(prompts))).toBeGreaterThanOrEqual(0.85);
    // The part recall controls, on its own: the memory block keeps its prefix as votes change counts and items arrive
    const blocks = share(memoryBlocks);
    // (measured: mean 95%; the same items sorted by id with counts inline, as prompts rendered them before: 77%)
    expect(mean(blocks)).toBeGreaterThanOrEqual(0.9);
    // and memory did grow along the way (stability is not an empty block)
    expect(
      prompts
        .at(-1)!
        .split('\n')
        .filter((l) => /^\d+\. \[/.test(l)).length,
    ).toBeGreaterThan(5);
  });
});
