import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordsIn } from '../src/memory/log-file.js';
import { builtSources, runWriter } from './support/memory-child.js';
import { Memory } from '../src/memory/store.js';
import { approved, CHANGE, consistency, DEPLOY, failed, finding, memDir, read, recordLineCount, review, sectionCount } from './support/memory-fixtures.js';

const PLANS = [
  ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'],
  ['open-change-ticket', 'run-tests', 'deploy-production'],
  ['run-tests', 'deploy-production', 'smoke-test'],
];

/** The k-th commit of one writer: a mix of approvals, failures and reviews. */
function commitOf(memory: Memory, session: string, k: number): Promise<unknown> {
  const scope = k % 5 === 0 ? CHANGE : DEPLOY;
  const steps = PLANS[k % PLANS.length]!;
  if (k % 7 === 3)
    return memory.commitReview(review(session, k, 'rejection', `Reason ${k % 2}: the rollback step needs an owner and a time limit`, steps, scope));
  if (k % 7 === 5) return memory.commitReview(review(session, k, 'human-approval', undefined, steps, scope));
  if (k % 3 === 1)
    return memory.commitIteration(
      failed(session, k, steps.slice(1), [finding('tests-before-deploy', 1, 'add run-tests before step 1'), finding(`rule-${k % 4}`, 2)], scope),
    );
  return memory.commitIteration(approved(session, k, steps, scope));
}

describe('memory concurrency', () => {
  it('two instances committing interleaved: every commit once, seq 1..N, counts equal the replay', async () => {
    const dir = memDir();
    const [a, b] = await Promise.all([Memory.open(dir), Memory.open(dir)]);
    const PER = 30;
    const jobs: Promise<unknown>[] = [];
    for (let k = 1; k <= PER; k++) jobs.push(commitOf(a, 'alpha', k), commitOf(b, 'beta', k));
    await Promise.all(jobs);
    const N = 2 * PER;

    const log = read(dir, 'execution_log.md');
    expect(sectionCount(log)).toBe(N);
    expect(recordLineCount(log)).toBe(N);
    expect(log.match(/^# Execution log$/gm)).toHaveLength(1);
    const recs = recordsIn(log).records;
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const keys = recs.map((r) => `${r.session}/${r.type}/${r.iteration}`);
    expect(new Set(keys).size).toBe(N);
    for (const s of ['alpha', 'beta']) expect(recs.filter((r) => r.session === s)).toHaveLength(PER);

    // Each session's records, read by bisecting the log, are exactly its own, in order.
    for (const s of ['alpha', 'beta'])
      expect((await a.records({ session: s })).map((r) => `${r.session}/${r.type}/${r.iteration}`)).toEqual(keys.filter((k) => k.startsWith(`${s}/`)));

    const { want, got } = consistency(dir);
    expect(got).toEqual(want);
    expect(read(dir, 'successful_patterns.md')).toContain(`<!-- jupiter: through log entry ${N} -->`);

    // both instances (and a fresh one) see the same memory
    const byId = async (m: Memory) => (await m.items()).map((i) => `${i.id}:${i.count}:${i.human}`).sort();
    const fresh = await Memory.open(dir);
    expect(await byId(a)).toEqual(await byId(fresh));
    expect(await byId(b)).toEqual(await byId(fresh));
    await Promise.all([a.commitIteration(approved('alpha', 99, PLANS[0]!)), b.commitIteration(approved('beta', 99, PLANS[0]!))]);
    expect(recordLineCount(read(dir, 'execution_log.md'))).toBe(N + 2);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('a reader opened without create never changes the files, even with a torn tail in view', async () => {
    const dir = memDir();
    const writer = await Memory.open(dir);
    for (let k = 1; k <= 4; k++) await commitOf(writer, 'alpha', k);
    // an append still in progress, as a reader might see it
    appendFileSync(`${dir}/execution_log.md`, '## Iteration 5 · approved\n\n- **Time:** 2025');
    const before = [read(dir, 'execution_log.md'), read(dir, '.jupiter/aggregates.json'), read(dir, 'lessons.md'), read(dir, 'successful_patterns.md')];
    const reader = await Memory.open(dir, { create: false });
    expect(reader.seq).toBe(4);
    expect((await reader.records()).length).toBe(4);
    expect((await reader.items()).length).toBeGreaterThan(0);
    expect([read(dir, 'execution_log.md'), read(dir, '.jupiter/aggregates.json'), read(dir, 'lessons.md'), read(dir, 'successful_patterns.md')]).toEqual(
      before,
    );
  });
});

describe('memory concurrency across processes', () => {
  // Three node processes on the compiled memory layer: CPU work a loaded 2-core machine does slowly, so the test gets a
  // limit to match (it checks what was written, never how fast).
  const js = builtSources();

  it('three writer processes on one folder: every commit once, seq 1..N, counts equal the replay', { timeout: 300_000 }, async () => {
    const dir = memDir();
    await Memory.open(dir);
    const PER = 15;
    const results = await Promise.all(['p1', 'p2', 'p3'].map((s) => runWriter(js, dir, s, PER)));
    for (const r of results) expect(r.stderr).toBe('');
    for (const r of results) expect(r.code).toBe(0);
    const N = 3 * PER;
    const log = read(dir, 'execution_log.md');
    expect(recordLineCount(log)).toBe(N);
    expect(sectionCount(log)).toBe(N);
    expect(recordsIn(log).records.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
