import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Memory } from '../src/memory/store.js';
import { recordsIn } from '../src/memory/log-file.js';
import { planId } from '../src/procedures/quality.js';
import type { Plan } from '../src/core/plan.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { approved, consistency, DEPLOY, CHANGE, failed, finding, memDir, read, recordLineCount, sectionCount } from './support/memory-fixtures.js';

const A = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const B = ['open-change-ticket', 'run-tests', 'deploy-production'];

describe('memory commit', () => {
  it('writes one log section and one record line per iteration (no second copy of the record), and merges counts', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const recs = [
      approved('s1', 1, A),
      failed(
        's1',
        2,
        ['deploy-production'],
        [finding('tests-before-deploy', 1, 'add run-tests before step 1'), finding('ticket', undefined, 'add open-change-ticket first')],
      ),
      approved('s1', 3, A),
      approved('s1', 4, B),
      failed('s1', 5, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]),
      approved('s2', 1, A, CHANGE),
    ];
    for (const r of recs) await memory.commitIteration(r);
    const N = recs.length;

    const log = read(dir, 'execution_log.md');
    expect(log.split('\n').filter((l) => l.startsWith('## Iteration')).length).toBe(N);
    expect(sectionCount(log)).toBe(N);
    expect(recordLineCount(log)).toBe(N);
    expect(existsSync(path.join(dir, '.jupiter', 'index.jsonl'))).toBe(false);
    expect((await memory.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(memory.seq).toBe(N);

    // Plans are stored once per distinct plan (A, the failing one, B), named by content, referenced by the record.
    const logged = recordsIn(log).records;
    const ids = new Set(recs.map((r) => planId(r.plan!)));
    expect(ids.size).toBe(3);
    expect(readdirSync(path.join(dir, 'plans')).sort()).toEqual([...ids].map((id) => `${id}.json`).sort());
    recs.forEach((r, i) => {
      expect(logged[i]!.planId).toBe(planId(r.plan!));
      expect((parse(read(dir, `plans/${planId(r.plan!)}.json`)) as Plan).steps).toEqual(r.plan!.steps);
      // Steps come back on read whether the record carried them or named an earlier record's plan.
      expect(logged[i]!.steps?.map((s) => s.action)).toEqual(r.plan!.steps.map((s) => s.action));
    });
    // Only the first record of each plan carries its steps; later ones name it.
    expect(log.match(/"steps":/g)).toHaveLength(3);
    expect(log).toContain(`plans/${planId(recs[0]!.plan!)}.json`);

    const patterns = parseItemsFile(read(dir, 'successful_patterns.md'), 'pattern');
    const deploy = patterns.items.filter((i) => i.procedure === DEPLOY.procedure && i.goalId === DEPLOY.goalId);
    // Knowledge, not restatements: one exemplar per goal (the latest champion: these unscored plans cannot be compared).
    expect(deploy.map((i) => [i.data.type, i.count])).toEqual([['exemplar', 1]]);
    expect(deploy[0]!.data).toMatchObject({ type: 'exemplar', steps: B });
    // no duplicated lines: ids unique
    expect(new Set(patterns.items.map((i) => i.id)).size).toBe(patterns.items.length);
    const patText = read(dir, 'successful_patterns.md');
    expect(patText).toMatch(/^# Successful patterns$/m);
    expect(patText).toMatch(/^## production-deployment \/ deploy-service$/m);
    expect(patText).toMatch(/^## change-management \/ standard-change$/m);
    expect(patText).toMatch(/^- ×1 · best plan so far: open-change-ticket → run-tests → deploy-production <!-- /m);
    expect(patText).toMatch(/^<!-- jupiter: through log entry 6 -->$/m);

    const lessons = parseItemsFile(read(dir, 'lessons.md'), 'lesson');
    expect(lessons.skipped).toEqual([]);
    const tests = lessons.items.filter((i) => i.text.includes('tests-before-deploy'));
    expect(tests).toHaveLength(1);
    expect(tests[0]!.count).toBe(2);
    expect(tests[0]!.text).toBe('deploy-production: tests-before-deploy — add run-tests before it');
    expect(tests[0]!.data).toEqual({ type: 'fix', rule: 'tests-before-deploy', action: 'run-tests' });
    const ticket = lessons.items.filter((i) => i.text.includes('ticket'));
    expect(ticket.map((i) => i.count)).toEqual([1]);
    const lesText = read(dir, 'lessons.md');
    expect(lesText).toMatch(/^# Lessons$/m);
    expect(lesText).toMatch(/^## production-deployment \/ deploy-service$/m);
    expect(lesText).toMatch(/^- ×2 · deploy-production: tests-before-deploy — add run-tests before it <!-- /m);

    const { want, got } = consistency(dir);
    expect(got).toEqual(want);
  });

  it('records the insight the validator confirmed on a failing plan, and nothing from the valid plan after it', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const bad = failed('s1', 1, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]);
    bad.insights = [{ rule: 'tests-before-deploy', change: 'add', actions: ['run-tests'], before: 'deploy-production' }];
    bad.refuted = 2;
    await memory.commitIteration(bad);
    await memory.commitIteration(approved('s1', 2, ['run-tests', 'deploy-production']));
    const items = await memory.items();
    const fix = items.filter((i) => i.kind === 'pattern' && i.data.type !== 'exemplar');
    expect(fix.map((i) => [i.text, i.count, i.data])).toEqual([
      [
        'tests-before-deploy: put run-tests before deploy-production',
        1,
        { type: 'ordering', before: 'run-tests', after: 'deploy-production', rule: 'tests-before-deploy' },
      ],
    ]);
    expect((await memory.records()).map((r) => r.refuted)).toEqual([2, undefined]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });

  it('a reopened memory sees the same items and continues the sequence', async () => {
    const dir = memDir();
    const m1 = await Memory.open(dir);
    for (let i = 1; i <= 5; i++) await m1.commitIteration(approved('s1', i, i % 2 ? A : B));
    const before = (await m1.items()).map((i) => [i.id, i.count]).sort();
    const m2 = await Memory.open(dir);
    expect(m2.seq).toBe(5);
    expect((await m2.items()).map((i) => [i.id, i.count]).sort()).toEqual(before);
    await m2.commitIteration(approved('s1', 6, A));
    expect(recordLineCount(read(dir, 'execution_log.md'))).toBe(6);
    expect((await m2.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
  });
});
