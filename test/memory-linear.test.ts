import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseItemsFile, renderItemsFile } from '../src/memory/items-file.js';
import { CAP } from '../src/memory/learn.js';
import { Memory } from '../src/memory/store.js';
import type { MemoryItem } from '../src/memory/types.js';
import { memDir, read } from './support/memory-fixtures.js';
import { GOOD, ScriptedSession } from './support/memory-sessions.js';

/** A lessons.md of about `bytes` bytes, every line a machine lesson of one goal (what an unbounded writer left). */
function bigLessons(bytes: number, watermark: number): { text: string; lines: number } {
  const parts = ['# Lessons', '', 'intro', '', '## release / ship', '', "- a person's own lesson: page the on-call SRE first"];
  let size = 0;
  let n = 0;
  while (size < bytes) {
    n++;
    const id = `l-${n.toString(16).padStart(12, '0')}`;
    const line = `- ×${(n % 7) + 1} · unknown-action: "invented-step-${n}" is not an action here <!-- {"id":"${id}","k":"lesson","d":{"type":"avoid","action":"invented-step-${n}"},"seen":"2025-01-01T00:00:00.000Z","s":"s0","seq":${watermark}} -->`;
    parts.push(line);
    size += line.length + 1;
  }
  parts.push('', `<!-- jupiter: through log entry ${watermark} -->`, '');
  return { text: parts.join('\n'), lines: n };
}

describe('rewriting lessons.md is linear and bounded (#15.7)', () => {
  it('parses and renders 5 MB in one pass: every line read, every line written back', () => {
    const { text, lines } = bigLessons(5 * 1024 * 1024, 1);
    const parsed = parseItemsFile(text, 'lesson');
    expect(parsed.skipped).toEqual([]);
    expect(parsed.items).toHaveLength(lines + 1);
    const again = renderItemsFile('Lessons', 'intro', parsed.items, 1);
    expect(again.length).toBeGreaterThan(5 * 1024 * 1024);
    const reparsed = parseItemsFile(again, 'lesson');
    expect(reparsed.items.length).toBe(parsed.items.length);
    expect(new Set(reparsed.items.map((i) => i.id)).size).toBe(parsed.items.length);
  });

  it("a commit on a 5 MB lessons.md completes and caps the goal's lessons, least supported dropped first, a person's kept", async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const s = new ScriptedSession(memory, 's1');
    await s.propose(GOOD);
    const { text } = bigLessons(5 * 1024 * 1024, memory.seq);
    const file = path.join(dir, 'lessons.md');
    writeFileSync(file, text);
    expect(statSync(file).size).toBeGreaterThan(5 * 1024 * 1024);
    await s.propose(['open-ticket', 'deploy-directly', ...GOOD.slice(1)]);
    const after = parseItemsFile(read(dir, 'lessons.md'), 'lesson').items;
    const mine = after.filter((i) => i.procedure === 'release' && i.goalId === 'ship');
    expect(mine.filter((i) => i.kind === 'lesson').length).toBeLessThanOrEqual(CAP.lesson);
    expect(mine.filter((i) => i.kind === 'feedback').map((i) => i.text)).toEqual(["a person's own lesson: page the on-call SRE first"]);
    // the new failure's lesson is kept, and what survived of the flood is its best supported part (×7)
    expect(mine.some((i) => i.text.startsWith('deploy-directly: no-direct-deploys'))).toBe(true);
    const flood = mine.filter((i) => i.text.includes('invented-step'));
    expect(flood.length).toBeGreaterThan(0);
    expect(flood.every((i) => i.count === 7)).toBe(true);
    expect(statSync(file).size).toBeLessThan(64 * 1024);
  });

  it('a plan that invents 5,000 actions teaches a bounded number of lessons', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const s = new ScriptedSession(memory, 's1');
    const invented = Array.from({ length: 5000 }, (_, i) => `made-up-step-${i}`);
    await s.propose([...GOOD.slice(0, 2), ...invented, ...GOOD.slice(2)]);
    const items: MemoryItem[] = parseItemsFile(read(dir, 'lessons.md'), 'lesson').items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(12);
    expect(statSync(path.join(dir, 'lessons.md')).size).toBeLessThan(16 * 1024);
  });
});
