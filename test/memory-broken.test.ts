import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseItemsFile } from '../src/memory/items-file.js';
import { Memory } from '../src/memory/store.js';
import { approved, DEPLOY, failed, finding, memDir, read } from './support/memory-fixtures.js';

const q = (session = 'x', budgetTokens = 4000) => ({ goalText: DEPLOY.goalText, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId, findings: [], session, budgetTokens });

const BROKEN = `# Lessons

Some intro a person rewrote.

## production-deployment / deploy-service

- 
-
- ×3 · human · Keep the change window under an hour
- ×2 · A lesson with broken metadata <!-- {not json -->
- ×4 · Another lesson whose metadata is not an object <!-- {"id": 5, "k": "bogus", "d": "x", "seq": "later"} -->
- ×1 ·
* Star bullets count too
- ×x · a count that is not a number
---
## 
##
- A general lesson after an empty heading
<!-- jupiter: through log entry 0 -->
`;

describe('memory with broken markdown', () => {
  it('keeps what can be read, reports what cannot, and never crashes', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitIteration(failed('s1', 1, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]));
    const file = path.join(dir, 'lessons.md');
    writeFileSync(file, BROKEN);

    const items = await memory.items();
    const texts = items.filter((i) => i.kind !== 'pattern').map((i) => i.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'Keep the change window under an hour',
        'A lesson with broken metadata',
        'Another lesson whose metadata is not an object',
        'Star bullets count too',
        '×x · a count that is not a number',
        'A general lesson after an empty heading',
      ]),
    );
    const kept = items.find((i) => i.text === 'A lesson with broken metadata')!;
    expect(kept).toMatchObject({ count: 2, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId });
    const notObj = items.find((i) => i.text === 'Another lesson whose metadata is not an object')!;
    expect(typeof notObj.id).toBe('string');
    expect(['pattern', 'lesson', 'feedback']).toContain(notObj.kind);
    expect(notObj.data).toEqual({ type: 'note' });
    expect(notObj.seq).toBeUndefined();
    expect(notObj.count).toBe(4);
    expect(items.find((i) => i.text === 'Keep the change window under an hour')).toMatchObject({ count: 3, human: 1 });

    const skipped = memory.skippedLines();
    const lines = BROKEN.split('\n');
    const at = (prefix: string) => lines.indexOf(prefix) + 1;
    expect(skipped.every((s) => s.file === file)).toBe(true);
    expect(skipped.map((s) => s.line).sort((x, y) => x - y)).toEqual([at('- '), at('-'), at('- ×2 · A lesson with broken metadata <!-- {not json -->'), lines.findIndex((l) => l.includes('not an object')) + 1, at('- ×1 ·')].sort((x, y) => x - y));

    // recall works on it, at any budget
    for (const budget of [0, 10, 100, 4000]) {
      const r = await memory.recall(q('s1', budget));
      expect(r.tokens).toBeLessThanOrEqual(budget);
    }
    // the next commit rewrites the file cleanly, keeping what was read
    await memory.commitIteration(approved('s1', 2, ['run-tests', 'deploy-production']));
    const after = parseItemsFile(read(dir, 'lessons.md'), 'lesson');
    expect(after.skipped).toEqual([]);
    expect(after.items.map((i) => i.text)).toEqual(expect.arrayContaining(['Keep the change window under an hour', 'A lesson with broken metadata', 'Another lesson whose metadata is not an object']));
    expect(after.items.find((i) => i.text === 'A lesson with broken metadata')?.count).toBe(2);
    expect(memory.skippedLines()).toEqual([]);
    const reopened = await Memory.open(dir);
    expect(reopened.skippedLines()).toEqual([]);
    expect((await reopened.items()).length).toBe((await memory.items()).length);
  });

  it('survives files that are not markdown at all', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await memory.commitIteration(approved('s1', 1, ['run-tests', 'deploy-production']));
    writeFileSync(path.join(dir, 'successful_patterns.md'), Buffer.from([0xff, 0xfe, 0x00, 0x2d, 0x20, 0x0a, 0x2d, 0x20, 0xc3, 0x28, 0x0a]));
    writeFileSync(path.join(dir, 'lessons.md'), `${'- '.repeat(10_000)}\n<!-- jupiter: through log entry 999999 -->\n`);
    await expect(memory.items()).resolves.toBeInstanceOf(Array);
    await expect(memory.recall(q())).resolves.toBeDefined();
    await memory.commitIteration(approved('s1', 2, ['run-tests', 'deploy-production']));
    const m2 = await Memory.open(dir);
    await expect(m2.recall(q())).resolves.toBeDefined();
  });
});

describe('memory text that looks like markup', () => {
  it('a reason holding comments, braces and arrows round-trips through lessons.md (property)', async () => {
    const fc = (await import('fast-check')).default;
    const token = fc.constantFrom('<!--', '-->', '{', '}', '{"id":"x"}', '×2', '·', 'human', '- ', '## a / b', '"', ' ', 'alpha', 'beta', '\n', '\t', '*');
    const dir = memDir();
    const memory = await Memory.open(dir);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(token, { minLength: 1, maxLength: 12 }), async (parts) => {
        const reason = `Reason ${++n}: ${parts.join('')}`;
        await memory.commitReview({ session: 's1', iteration: n, time: new Date(n * 1000).toISOString(), goalText: DEPLOY.goalText, procedure: DEPLOY.procedure, goalId: DEPLOY.goalId, kind: 'rejection', reason, plan: null });
        const parsed = parseItemsFile(read(dir, 'lessons.md'), 'lesson');
        expect(parsed.skipped).toEqual([]);
        const want = reason.trim().replace(/\s+/g, ' ');
        const found = parsed.items.filter((i) => i.text.startsWith(`Reason ${n}:`));
        // merged into an earlier near-duplicate, or present with its own text and metadata
        if (found.length) {
          expect(found).toHaveLength(1);
          expect(found[0]!.text).toBe(want);
          expect(found[0]).toMatchObject({ kind: 'feedback', human: 1, count: 1, session: 's1', procedure: DEPLOY.procedure });
        }
        expect(new Set(parsed.items.map((i) => i.id)).size).toBe(parsed.items.length);
      }),
      { numRuns: 60, seed: 7 },
    );
    expect(memory.skippedLines()).toEqual([]);
  });
});
