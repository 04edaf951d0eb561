import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STALE_AFTER } from '../src/memory/learn.js';
import { Memory, RUN_FLUSH_EVERY } from '../src/memory/store.js';
import { approved, consistency, failed, finding, memDir, read } from './support/memory-fixtures.js';

describe('memory compaction', () => {
  it('a long log rebuilds to the same files it produced commit by commit (faded items fade on replay too)', async () => {
    const dir = memDir();
    // A thousand commits of synthetic history, written as a run writes them: the derived files at each flush (a run
    // flushes every RUN_FLUSH_EVERY commits), the log without fsync (a tool's synthetic history; the replay reads
    // the same bytes either way).
    const memory = await Memory.open(dir, { flushEvery: RUN_FLUSH_EVERY, durable: false });
    const once = () => failed('s1', 1, ['deploy-production'], [finding('rare-rule', 1, 'add page-the-dba before step 1')]);
    await memory.commitIteration(once());
    for (let i = 2; i <= STALE_AFTER + 2; i++) await memory.commitIteration(approved('s1', i, ['run-tests', 'deploy-production']));
    // seen once long ago: faded out
    expect((await memory.items()).filter((i) => i.text.includes('rare-rule'))).toEqual([]);
    await memory.commitIteration(once());
    const rare = (await memory.items()).filter((i) => i.text.includes('rare-rule'));
    expect(rare.map((i) => i.count)).toEqual([1]);
    await memory.flush();
    const patterns = read(dir, 'successful_patterns.md');
    const lessons = read(dir, 'lessons.md');
    expect(consistency(dir).got).toEqual(consistency(dir).want);

    rmSync(path.join(dir, 'successful_patterns.md'));
    rmSync(path.join(dir, 'lessons.md'));
    await Memory.open(dir);
    expect(read(dir, 'lessons.md')).toBe(lessons);
    expect(read(dir, 'successful_patterns.md')).toBe(patterns);
  });
});
