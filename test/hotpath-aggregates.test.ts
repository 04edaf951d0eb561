// History-sized views read only the tail: folds persisted with watermarks, one session's records by bisection.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionSpans } from '../src/memory/aggregates.js';
import { Memory } from '../src/memory/store.js';
import { summaryFold } from '../src/memory/summary-fold.js';
import { learningSummary } from '../src/state/summary.js';
import { approved, failed, finding, memDir, review } from './support/memory-fixtures.js';

const A = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];

async function commitSession(memory: Memory, session: string, n: number, offset = 0): Promise<void> {
  for (let i = 1; i <= n; i++) {
    if ((i + offset) % 3 === 0)
      await memory.commitIteration(failed(session, i, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]));
    else
      await memory.commitIteration({
        ...approved(session, i, A),
        usage: { promptTokens: 100 + i, completionTokens: 10, cachedTokens: 50 },
        costUsd: 0.001,
        promptTokensEstimate: 90 + i,
        context: { tokens: 10 * i, budget: 4000, items: 3, total: 9 },
      });
    if (i % 7 === 0) await memory.commitReview(review(session, i, 'rejection', 'Name the on-call SRE as owner', A));
  }
}

// The fold holds the counts; the learning detail (and each window's first-try, repair and failure counts) needs the records.
const numbers = (s: Awaited<ReturnType<typeof learningSummary>>) => ({
  ...s,
  memory: undefined,
  topPatterns: undefined,
  latestLessons: undefined,
  latestFeedback: undefined,
  learning: undefined,
  windows: s.windows.map(({ from, to, rate, valid, total }) => ({ from, to, rate, valid, total })),
});

describe('aggregates', () => {
  it('the summary from the persisted fold equals the summary from every record, across processes and reopenings', async () => {
    const dir = memDir();
    const a = await Memory.open(dir, { flushEvery: 1000 });
    const b = await Memory.open(dir, { flushEvery: 1000 });
    await commitSession(a, 'alpha', 20);
    // Another instance's commits in between: a's folds must catch up on them, not skip them.
    await commitSession(b, 'beta', 9, 1);
    await commitSession(a, 'alpha2', 6);
    await a.flush();
    await b.close();
    await a.close();
    const reader = await Memory.open(dir, { create: false });
    const all = await reader.records();
    const items = await reader.items();
    const fromRecords = await learningSummary(dir, all, items);
    const fromFold = await learningSummary(dir, await reader.aggregate(summaryFold), items);
    expect(numbers(fromFold)).toEqual(numbers(fromRecords));
    expect(fromFold).toMatchObject({ sessions: 3, iterations: 35, rejections: 3 });
    expect(fromFold.tokenEstimate?.samples).toBe(all.filter((r) => r.type === 'iteration' && r.promptTokensEstimate).length);
  });

  it('a reader needs only the tail: with every older segment gone, the fold still counts the whole history', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { segmentBytes: 4096, flushEvery: 1000 });
    await commitSession(memory, 's1', 40);
    await memory.flush();
    await commitSession(memory, 's2', 5);
    await memory.close();
    const older = readdirSync(dir).filter((n) => /^execution_log\.\d+\.md$/.test(n));
    expect(older.length).toBeGreaterThan(3);
    for (const n of older) rmSync(path.join(dir, n));
    const reader = await Memory.open(dir, { create: false });
    const s = await learningSummary(dir, await reader.aggregate(summaryFold), await reader.items());
    expect(s).toMatchObject({ sessions: 2, iterations: 45 });
    expect(s.windows.reduce((n, w) => n + w.total, 0)).toBe(45);
    expect((await reader.aggregate(sessionSpans)).s2).toMatchObject({ iterations: 5 });
  });

  it('windows stay exact as buckets merge: at most 20 bars, counts equal a direct count', async () => {
    const state = summaryFold.init();
    const outcomes: boolean[] = [];
    for (let i = 1; i <= 1234; i++) {
      const ok = (i * 7919) % 5 !== 0;
      outcomes.push(ok);
      summaryFold.apply(state, {
        seq: i,
        type: 'iteration',
        session: 's',
        iteration: i,
        time: '',
        procedure: 'p',
        goalId: 'g',
        goalText: 'x',
        outcome: ok ? 'improved' : 'failed',
        context: { tokens: i, budget: 4000, items: 1, total: 1 },
      });
    }
    expect(state.buckets.length).toBeLessThanOrEqual(161);
    const s = await learningSummary(memDir(), state, []);
    expect(s.windows.length).toBeLessThanOrEqual(20);
    for (const w of s.windows) expect(w.valid).toBe(outcomes.slice(w.from - 1, w.to).filter(Boolean).length);
    expect(s.windows.at(-1)!.to).toBe(1234);
    for (const c of s.context) expect(c.tokens).toBe(Math.round((c.from + c.to) / 2));
  });
});

describe("one session's records", () => {
  it('records({ session }) equals filtering every record, for sessions early, late and interleaved', async () => {
    const dir = memDir();
    const a = await Memory.open(dir);
    for (let s = 0; s < 30; s++) await commitSession(a, `s${s}`, 12, s);
    // Two sessions interleaved at the end.
    for (let i = 1; i <= 10; i++) {
      await a.commitIteration(approved('x', i, A));
      await a.commitIteration(approved('y', i, A));
    }
    await a.close();
    const reader = await Memory.open(dir, { create: false });
    const all = await reader.records();
    for (const id of ['s0', 's1', 's17', 's29', 'x', 'y', 'nobody'])
      expect(await reader.records({ session: id }), id).toEqual(all.filter((r) => r.session === id));
  });
});
