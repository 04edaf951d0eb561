// The log's segments must follow each other: a segment deleted, cut short or copied is found when memory opens;
// plan and resume stop with an error naming the segments, summary says what it skipped and never counts a record
// twice (issue 23, item 7).
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsIn, segments } from '../src/memory/log-file.js';
import { Memory } from '../src/memory/store.js';
import { runCli, tempDir } from './support/cli.js';
import { approved } from './support/memory-fixtures.js';

const ACTIONS = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];

/** A memory folder whose log has rotated into at least three older segments; the folder it is in, and its segments. */
async function rotated(): Promise<{ cwd: string; log: string; segs: string[] }> {
  const cwd = tempDir();
  const dir = path.join(cwd, 'memory');
  const memory = await Memory.open(dir, { segmentBytes: 2048 });
  for (let i = 1; i <= 30; i++) await memory.commitIteration(approved('s1', i, ACTIONS));
  await memory.close();
  const log = path.join(dir, 'execution_log.md');
  const segs = segments(log);
  expect(segs.length).toBeGreaterThanOrEqual(3);
  return { cwd, log, segs };
}

const summaryOf = async (cwd: string) => {
  const r = await runCli(['summary', '--json'], { cwd });
  return { code: r.code, stderr: r.stderr, iterations: (JSON.parse(r.stdout) as { iterations: number }).iterations };
};

const DAMAGE: [string, (segs: string[]) => void, RegExp][] = [
  [
    'a middle segment deleted',
    (segs) => rmSync(segs[1]!),
    /execution_log\.0001\.md ends at seq \d+ but execution_log\.0003\.md starts at seq \d+: records \d+-\d+ are missing/,
  ],
  ['the first segment deleted', (segs) => rmSync(segs[0]!), /execution_log\.0002\.md is the oldest segment but starts at seq \d+: records 1-\d+ are missing/],
  [
    'a middle segment cut short',
    (segs) => {
      const text = readFileSync(segs[1]!, 'utf8');
      writeFileSync(segs[1]!, text.slice(0, text.lastIndexOf('\n## Iteration') + 1));
    },
    /execution_log\.0002\.md ends at seq \d+ but execution_log\.0003\.md starts at seq \d+: records \d+-\d+ are missing/,
  ],
  [
    'a segment copied after the others',
    (segs) => copyFileSync(segs[0]!, segs[0]!.replace('.0001.', `.${String(segs.length + 1).padStart(4, '0')}.`)),
    /execution_log\.\d{4}\.md starts at seq 1, not after execution_log\.\d{4}\.md's last \(\d+\): the segments overlap/,
  ],
];

describe('log segment continuity', () => {
  for (const [name, damage, said] of DAMAGE) {
    it(`${name}: a run (plan or resume: one open) refuses, naming the segments; summary says so and counts each record once`, async () => {
      const { cwd, log, segs } = await rotated();
      damage(segs);
      const before = [...segments(log), log].map((f) => readFileSync(f, 'utf8'));
      const plan = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1'], { cwd });
      expect(plan.code).toBe(2);
      expect(plan.stderr).toMatch(said);
      expect([...segments(log), log].map((f) => readFileSync(f, 'utf8'))).toEqual(before);
      const summary = await summaryOf(cwd);
      expect(summary.code).toBe(0);
      expect(summary.stderr).toMatch(said);
      // Each record that is there, once.
      expect(summary.iterations).toBe(new Set(before.flatMap((text) => recordsIn(text).records.map((r) => r.seq))).size);
    });
  }
});
