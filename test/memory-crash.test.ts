import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLogSection, recordsIn } from '../src/memory/log-file.js';
import { iterationToRecord, reviewToRecord } from '../src/memory/record.js';
import { summaryFold } from '../src/memory/summary-fold.js';
import { Memory } from '../src/memory/store.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import type { MemoryItem } from '../src/memory/types.js';
import { approved, consistency, DEPLOY, CHANGE, failed, finding, memDir, read, recordLineCount, review, sectionCount } from './support/memory-fixtures.js';

const PLAN = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];

async function seeded(n = 5): Promise<{ dir: string; memory: Memory }> {
  const dir = memDir();
  const memory = await Memory.open(dir);
  for (let i = 1; i <= n; i++) {
    if (i % 3 === 0) await memory.commitIteration(failed('s1', i, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]));
    else await memory.commitIteration(approved('s1', i, i % 2 ? PLAN : PLAN.slice(1), i % 4 === 0 ? CHANGE : DEPLOY));
  }
  return { dir, memory };
}

/** The invariants every recovery must restore. */
function expectWhole(dir: string, n: number): void {
  const log = read(dir, 'execution_log.md');
  expect(sectionCount(log)).toBe(n);
  expect(recordLineCount(log)).toBe(n);
  expect(recordsIn(log).records.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const { want, got } = consistency(dir);
  expect(got).toEqual(want);
  expect(read(dir, 'successful_patterns.md')).toContain(`<!-- jupiter: through log entry ${n} -->`);
  expect(read(dir, 'lessons.md')).toContain(`<!-- jupiter: through log entry ${n} -->`);
}

/** Support of the deploy goal's exemplar, when it holds action `a` (each repeat of that plan adds one). */
const usesCount = (items: MemoryItem[], a: string) =>
  items.find((i) => i.procedure === DEPLOY.procedure && i.data.type === 'exemplar' && i.data.steps.includes(a))?.count;

describe('memory crash recovery', () => {
  it('(a) a crash after the log append, before the markdown writes: replayed exactly once on open', async () => {
    const { dir, memory } = await seeded(5);
    const before = usesCount(await memory.items(), 'deploy-staging');
    const rec = iterationToRecord(approved('s1', 6, PLAN), memory.seq + 1);
    appendFileSync(path.join(dir, 'execution_log.md'), renderLogSection(rec));
    const reopened = await Memory.open(dir);
    expect(reopened.seq).toBe(6);
    expectWhole(dir, 6);
    expect(usesCount(await reopened.items(), 'deploy-staging')).toBe(before! + 1);
    // opening again (or committing from the instance that never saw the crash) does not count it twice
    await Memory.open(dir);
    expect(usesCount(parse(dir), 'deploy-staging')).toBe(before! + 1);
    await memory.commitIteration(approved('s1', 7, PLAN));
    expectWhole(dir, 7);
    expect(usesCount(parse(dir), 'deploy-staging')).toBe(before! + 2);
  });

  it('(a2) a crash after the log append, seen by an instance opened before it, or between the two markdown writes', async () => {
    const { dir, memory } = await seeded(4);
    const rec = reviewToRecord(review('s1', 4, 'rejection', 'Run the database migration before the deploy', PLAN), 5);
    appendFileSync(path.join(dir, 'execution_log.md'), renderLogSection(rec));
    // the other commit got as far as patterns (it had nothing for lessons.md yet)
    const other = await Memory.open(dir);
    expectWhole(dir, 5);
    const rec6 = iterationToRecord(failed('s1', 5, ['deploy-production'], [finding('migration-first', 1, 'add run-migrations before step 1')]), 6);
    appendFileSync(path.join(dir, 'execution_log.md'), renderLogSection(rec6));
    await memory.commitIteration(approved('s1', 6, PLAN));
    expectWhole(dir, 7);
    expect((await other.items()).filter((i) => i.text.includes('migration-first')).map((i) => i.count)).toEqual([1]);
  });

  it('(b) a torn log tail (a section without its record line) is truncated on open; the next commit appears once', async () => {
    const { dir } = await seeded(6);
    const log = path.join(dir, 'execution_log.md');
    const whole = read(dir, 'execution_log.md');
    appendFileSync(log, '## Iteration 7 · approved\n\n- **Time:** 2025-01-01T00:07:00.000Z\n- **Session:** s1\n  1. open-change');
    const memory = await Memory.open(dir);
    expect(read(dir, 'execution_log.md')).toBe(whole.replace(/\n$/, ''));
    expect(memory.seq).toBe(6);
    await memory.commitIteration(approved('s1', 7, PLAN));
    expectWhole(dir, 7);
    expect(
      read(dir, 'execution_log.md')
        .split('\n')
        .filter((l) => l.startsWith('## Iteration 7 ')).length,
    ).toBe(1);
  });

  it('(b2) a record line cut mid-JSON is torn too', async () => {
    const { dir } = await seeded(3);
    const rec = renderLogSection(iterationToRecord(approved('s1', 4, PLAN), 4));
    appendFileSync(path.join(dir, 'execution_log.md'), rec.slice(0, rec.indexOf('"steps"')));
    const memory = await Memory.open(dir);
    expect(memory.seq).toBe(3);
    await memory.commitIteration(approved('s1', 4, PLAN));
    expectWhole(dir, 4);
  });

  it('(b3) a record line complete but for its newline is kept, and the next section does not glue onto it', async () => {
    const { dir } = await seeded(3);
    const rec = renderLogSection(iterationToRecord(approved('s1', 4, PLAN), 4));
    appendFileSync(path.join(dir, 'execution_log.md'), rec.replace(/\n+$/, ''));
    const memory = await Memory.open(dir);
    expect(memory.seq).toBe(4);
    await memory.commitIteration(approved('s1', 5, PLAN));
    expectWhole(dir, 5);
  });

  it('a note a person appended to the log is left alone', async () => {
    const { dir } = await seeded(2);
    appendFileSync(path.join(dir, 'execution_log.md'), '## My notes\n\nThe staging cluster was down on Monday.\n');
    const memory = await Memory.open(dir);
    expect(read(dir, 'execution_log.md')).toContain('The staging cluster was down on Monday.');
    await memory.commitIteration(approved('s1', 3, PLAN));
    expect(recordLineCount(read(dir, 'execution_log.md'))).toBe(3);
    expect(read(dir, 'execution_log.md')).toContain('The staging cluster was down on Monday.');
  });

  it('(d) a deleted .jupiter folder (aggregates, watermarks) is rebuilt on open from the log', async () => {
    const { dir, memory } = await seeded(8);
    const summary = await memory.aggregate(summaryFold);
    await memory.close();
    rmSync(path.join(dir, '.jupiter'), { recursive: true });
    const reopened = await Memory.open(dir);
    expect(await reopened.records()).toHaveLength(8);
    expect(await reopened.aggregate(summaryFold)).toEqual(summary);
    expectWhole(dir, 8);
    await reopened.close();
  });

  it('(e) a markdown file deleted while memory is closed is rebuilt from the log, identical', async () => {
    const { dir, memory } = await seeded(9);
    await memory.commitReview(review('s1', 9, 'rejection', "don't use deploy-staging for this service", PLAN));
    await memory.commitReview(review('s1', 9, 'human-approval', undefined, PLAN.slice(1)));
    const patterns = read(dir, 'successful_patterns.md');
    const lessons = read(dir, 'lessons.md');
    rmSync(path.join(dir, 'successful_patterns.md'));
    await Memory.open(dir);
    expect(read(dir, 'successful_patterns.md')).toBe(patterns);
    expect(read(dir, 'lessons.md')).toBe(lessons);
    rmSync(path.join(dir, 'successful_patterns.md'));
    rmSync(path.join(dir, 'lessons.md'));
    const m = await Memory.open(dir);
    expect(read(dir, 'successful_patterns.md')).toBe(patterns);
    expect(read(dir, 'lessons.md')).toBe(lessons);
    expectWhole(dir, 11);
    expect(m.skippedLines()).toEqual([]);
  });

  it('(e2) a markdown file deleted while memory is open means "forget": the next commit keeps only new items', async () => {
    const { dir, memory } = await seeded(4);
    rmSync(path.join(dir, 'successful_patterns.md'));
    expect((await memory.items()).filter((i) => i.kind === 'pattern')).toEqual([]);
    await memory.commitIteration(approved('s1', 5, ['notify-team']));
    const pats = (await memory.items()).filter((i) => i.kind === 'pattern');
    expect(pats.every((i) => i.text.includes('notify-team'))).toBe(true);
    expect(pats.every((i) => i.count === 1)).toBe(true);
  });

  it("(f) stale temp files are removed on open; a live process's are kept", async () => {
    const { dir } = await seeded(2);
    const dead = 2 ** 22 + 12345; // above any pid_max: never alive
    const stale = [
      path.join(dir, `.jupiter-tmp-lessons.md.${dead}.deadbeef`),
      path.join(dir, `.jupiter-tmp-successful_patterns.md.${dead}.0badf00d`),
      path.join(dir, 'sessions', `.jupiter-tmp-s1.yaml.${dead}.12345678`),
      path.join(dir, 'plans', 's1', `.jupiter-tmp-3.yaml.${dead}.abcdef01`),
    ];
    const live = path.join(dir, `.jupiter-tmp-lessons.md.${process.ppid}.cafebabe`);
    mkdirSync(path.join(dir, 'plans', 's1'), { recursive: true });
    for (const f of [...stale, live]) writeFileSync(f, 'half a file');
    const memory = await Memory.open(dir);
    for (const f of stale) expect(existsSync(f), f).toBe(false);
    expect(existsSync(live)).toBe(true);
    await memory.commitIteration(approved('s1', 3, PLAN));
    expectWhole(dir, 3);
    const leftovers = (d: string) => readdirSync(d).filter((n) => n.includes('.jupiter-tmp-') && !n.includes(`.${process.ppid}.`));
    expect(leftovers(dir)).toEqual([]);
    expect(leftovers(path.join(dir, 'sessions'))).toEqual([]);
    expect(leftovers(path.join(dir, 'plans', 's1'))).toEqual([]);
  });
});

function parse(dir: string) {
  return parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern').items;
}
