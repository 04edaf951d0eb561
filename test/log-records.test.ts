// Log records have one schema per type and full-word keys: records of the one-letter format still read (a migration
// step), a record line that does not fit is skipped by `summary` (which says so, naming the file and line) and stops
// `plan` and `resume` with one line naming them; a line cut short by a crash is still repaired, not reported.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogAll } from '../src/memory/log-range.js';
import { parseRecord } from '../src/memory/record.js';
import { Memory } from '../src/memory/store.js';
import { runCli, tempDir } from './support/cli.js';
import { failed, finding } from './support/memory-fixtures.js';

const ACTIONS = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const RECORD_LINE = /^<!-- jupiter:entry (\{.*\}) -->$/gm;

/** A folder with a three-iteration built-in session; its log and the log's record lines as written. */
async function logged(): Promise<{ cwd: string; log: string; lines: string[] }> {
  const cwd = tempDir();
  const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '3', '-c', '0'], { cwd });
  expect(r.code).toBe(0);
  const log = path.join(cwd, 'memory', 'execution_log.md');
  return { cwd, log, lines: [...readFileSync(log, 'utf8').matchAll(RECORD_LINE)].map((m) => m[0]) };
}

/** The log with its `n`th record line (0-based) replaced; the 1-based line number it is on. */
function damage(log: string, line: string, replacement: string): number {
  const text = readFileSync(log, 'utf8');
  const at = text.indexOf(line);
  writeFileSync(log, text.slice(0, at) + replacement + text.slice(at + line.length));
  return text.slice(0, at).split('\n').length;
}

describe('log records', () => {
  it('are written in full words, and read back the same', async () => {
    const dir = tempDir();
    const memory = await Memory.open(dir);
    const rec = failed('s1', 1, ACTIONS, [finding('precondition', 3, 'add run-tests before deploy-staging')]);
    rec.usage = { promptTokens: 2000, completionTokens: 400, cachedTokens: 1500 };
    rec.context = { tokens: 300, budget: 4000, items: 3, total: 9 };
    rec.promptTokensEstimate = 1900;
    await memory.commitIteration(rec, { promptChars: 9000 });
    await memory.close();
    const [line] = [...readFileSync(path.join(dir, 'execution_log.md'), 'utf8').matchAll(RECORD_LINE)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(line).toMatchObject({
      steps: ACTIONS.map((action) => ({ action })),
      findings: [{ rule: 'precondition', severity: 'error', step: 3, action: 'deploy-staging', fix: 'add run-tests before deploy-staging' }],
      usage: { promptTokens: 2000, completionTokens: 400, cachedTokens: 1500 },
      context: { tokens: 300, budget: 4000, items: 3, total: 9 },
      promptTokensEstimate: 1900,
    });
    expect(Object.keys(line!)).not.toContain('ctx');
    expect(Object.keys(line!)).not.toContain('est');
    const [read] = readLogAll(path.join(dir, 'execution_log.md'), (r) => r);
    expect(read).toMatchObject(line!);
  });

  it('of the one-letter format read into full words', () => {
    const old =
      '{"seq":4,"type":"iteration","session":"s","iteration":2,"time":"t","procedure":"p","goal":"g","goalText":"G","outcome":"failed",' +
      '"steps":[{"a":"build","o":"Ann"},{"a":"ship"}],"findings":[{"r":"precondition","sev":"error","s":2,"a":"ship","fix":"add test"}],' +
      '"usage":{"p":10,"c":2,"k":1},"ctx":{"t":5,"b":100,"i":1,"n":3},"est":9,"repaired":[{"r":"goal","sev":"warning"}]}';
    const read = parseRecord(old);
    expect(read).toEqual({
      record: {
        seq: 4,
        type: 'iteration',
        session: 's',
        iteration: 2,
        time: 't',
        procedure: 'p',
        goalId: 'g',
        goalText: 'G',
        outcome: 'failed',
        steps: [{ action: 'build', owner: 'Ann' }, { action: 'ship' }],
        findings: [{ rule: 'precondition', severity: 'error', step: 2, action: 'ship', fix: 'add test' }],
        usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 1 },
        context: { tokens: 5, budget: 100, items: 1, total: 3 },
        promptTokensEstimate: 9,
        repaired: [{ rule: 'goal', severity: 'warning' }],
      },
    });
  });

  it('that do not fit their schema say which field', () => {
    expect(parseRecord('{"seq":1,"type":"iteration","session":"s","iteration":"two"}')).toEqual({
      problem: '"iteration" Invalid input: expected number, received string',
    });
    expect(parseRecord('{"seq":1,"type":"iteration","session":"s","iteration":2,"time":"t","procedure":"p","goalId":"g"}')).toEqual({
      problem: '"goalText" is missing',
    });
    expect(parseRecord('{"seq":1,"type":"review","session":"s","iteration":1,"time":"t","procedure":"p","goalId":"g","goalText":"G"}')).toEqual({
      problem: '"review" is missing',
    });
    expect(parseRecord('{"seq":1,')).toEqual({ problem: 'not valid JSON' });
  });

  it('a damaged record line: summary skips it and says where; plan stops naming the file and line, writing nothing', async () => {
    const { cwd, log, lines } = await logged();
    const all = (JSON.parse((await runCli(['summary', '--json'], { cwd })).stdout) as { iterations: number }).iterations;
    const lineNo = damage(log, lines[1]!, lines[1]!.replace(/"iteration":\d+/, '"iteration":"two"'));
    // The summary folds the log itself (its running totals are derived, safe to delete).
    writeFileSync(path.join(cwd, 'memory', '.jupiter', 'aggregates.json'), '');
    const summary = await runCli(['summary', '--json'], { cwd });
    expect(summary.code).toBe(0);
    expect((JSON.parse(summary.stdout) as { iterations: number }).iterations).toBe(all - 1);
    expect(summary.stderr).toContain(`${log}:${lineNo}: skipped an unreadable line: log record ("iteration" Invalid input: expected number, received string)`);

    const before = readFileSync(log, 'utf8');
    const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${log}:${lineNo}: a record line cannot be read: "iteration" Invalid input: expected number, received string;`);
    expect(readFileSync(log, 'utf8')).toBe(before);
  });

  it('a record line cut short by a crash is repaired by the next run, not reported', async () => {
    const { cwd, log, lines } = await logged();
    const last = lines.at(-1)!;
    writeFileSync(log, readFileSync(log, 'utf8').replace(`${last}\n\n`, last.slice(0, last.length - 40)));
    const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const seqs = readLogAll(log, (rec) => rec.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
