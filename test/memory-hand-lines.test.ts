import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseItemsFile } from '../src/memory/items-file.js';
import { Memory } from '../src/memory/store.js';
import { runCli, SHIPPED, tempDir } from './support/cli.js';
import { DEPLOY, failed, finding, memDir, read } from './support/memory-fixtures.js';

// 150 lines a person added by hand (more than recall's 100 a prompt carries), naming no action.
const HAND = Array.from({ length: 150 }, (_, i) => `Hand lesson ${i + 1}: tell the change board about window ${i + 1}`);
const handFile = () => `# Lessons\n\n## General\n\n${HAND.map((t) => `- ${t}`).join('\n')}\n`;
const handTexts = (text: string) =>
  new Set(
    parseItemsFile(text, 'lesson')
      .items.map((i) => i.text)
      .filter((t) => t.startsWith('Hand lesson ')),
  );

describe("a person's hand-added lessons", () => {
  it('are all kept when jupiter learns and rewrites lessons.md; recall carries 100 and says it left 50 out', async () => {
    const dir = memDir();
    writeFileSync(path.join(dir, 'lessons.md'), handFile());
    const memory = await Memory.open(dir);
    for (let n = 1; n <= 3; n++)
      await memory.commitIteration(failed('s1', n, ['deploy-production'], [finding(`rule-${n}`, 1, `add run-tests-${n} before step 1`)]));
    const text = read(dir, 'lessons.md');
    expect(text).toContain('rule-3');
    expect(handTexts(text).size).toBe(150);

    const r = await memory.recall({ ...DEPLOY, findings: [], session: 's2', budgetTokens: 1_000_000 });
    expect(r.items.filter((i) => i.text.startsWith('Hand lesson ')).length).toBe(100);
    expect(r.kinds).toContainEqual({ kind: 'feedback', recalled: 100, offered: 150 });
    // Reopened from the files alone, nothing of theirs is gone either.
    expect((await (await Memory.open(dir)).items()).filter((i) => i.text.startsWith('Hand lesson ')).length).toBe(150);
  });

  it('a run keeps all 150 and its progress line says "recalled 100 of 150 lessons from people"', async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, 'memory'));
    writeFileSync(path.join(cwd, 'memory', 'lessons.md'), handFile());
    const args = ['plan', 'Deploy the orchestrator', '-n', '2', '--unattended', '--procedures', SHIPPED, '--context-budget', '100000'];
    const r = await runCli(args, { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('recalled 100 of 150 lessons from people');
    expect(handTexts(readFileSync(path.join(cwd, 'memory', 'lessons.md'), 'utf8')).size).toBe(150);

    const json = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED, '--context-budget', '100000', '--json'], {
      cwd,
    });
    const recalled = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; leftOut?: unknown })
      .find((e) => e.type === 'recalled');
    expect(recalled?.leftOut).toContainEqual({ kind: 'feedback', recalled: 100, offered: 150 });
  });
});
