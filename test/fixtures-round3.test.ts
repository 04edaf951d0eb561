// A memory folder written by the release before log records had full-word keys (test/fixtures/memory-round3: 60
// synthetic iterations through the real commit path with reviews and failures, then a real `plan` against the local
// fake model with a repaired first answer, then a built-in run) still reads: the summary's numbers are the ones its
// record lines hold, and a new run on it goes on numbering the log.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogAll } from '../src/memory/log-range.js';
import { ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'memory-round3');

/** The record lines as the fixture holds them, parsed here without jupiter's reader (one-letter keys). */
interface RawRecord {
  seq: number;
  type: string;
  session: string;
  outcome?: string;
  review?: string;
  planId?: string;
  steps?: { a: string; o?: string }[];
  findings?: { r: string; sev: string }[];
  usage?: { p: number; c: number; k: number };
  ctx?: { t: number; b: number; i: number; n: number };
}
const rawRecords = (log: string): RawRecord[] =>
  [...readFileSync(log, 'utf8').matchAll(/^<!-- jupiter:entry (\{.*\}) -->$/gm)].map((m) => JSON.parse(m[1]!) as RawRecord);

function copy(): { dir: string; log: string } {
  const dir = path.join(tempDir('jupiter-round3-'), 'memory');
  cpSync(FIXTURE, dir, { recursive: true });
  // Derived files go: the summary folds the log itself.
  rmSync(path.join(dir, '.jupiter'), { recursive: true, force: true });
  return { dir, log: path.join(dir, 'execution_log.md') };
}

describe('memory folders from before full-word log records', () => {
  it('summarise with the numbers their record lines hold', async () => {
    const { dir, log } = copy();
    const raw = rawRecords(log);
    const iterations = raw.filter((r) => r.type === 'iteration');
    const sum = (f: (r: RawRecord) => number) => iterations.reduce((n, r) => n + f(r), 0);
    const r = await runCli(['summary', '--json', '--memory', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown> & { usage: Record<string, number>; context: { tokens: number }[] };
    expect(s.iterations).toBe(iterations.length);
    expect(s.failed).toBe(iterations.filter((x) => x.outcome === 'failed').length);
    expect(s.rejections).toBe(raw.filter((x) => x.review === 'rejection').length);
    expect(s.humanApprovals).toBe(raw.filter((x) => x.review === 'human-approval').length);
    expect(s.usage.promptTokens).toBe(sum((x) => x.usage?.p ?? 0));
    expect(s.usage.completionTokens).toBe(sum((x) => x.usage?.c ?? 0));
    expect(s.usage.cachedTokens).toBe(sum((x) => x.usage?.k ?? 0));
    // The context chart reads each record's context size.
    expect(s.context.length).toBeGreaterThan(0);
    expect(s.context[0]!.tokens).toBe(raw.find((x) => x.ctx)!.ctx!.t);
  });

  it('read every record with its plan steps and findings', () => {
    const { log } = copy();
    const raw = rawRecords(log);
    const read = readLogAll(log, (rec) => rec);
    expect(read.map((x) => x.seq)).toEqual(raw.map((x) => x.seq));
    const carrier = raw.find((x) => x.steps && x.findings?.length)!;
    const same = read.find((x) => x.seq === carrier.seq)!;
    expect(same.steps!.map((st) => st.action)).toEqual(carrier.steps!.map((st) => st.a));
    expect(same.findings!.map((f) => [f.rule, f.severity])).toEqual(carrier.findings!.map((f) => [f.r, f.sev]));
  });

  it('take a new run that goes on numbering the log', async () => {
    const { dir, log } = copy();
    const last = rawRecords(log).at(-1)!.seq;
    const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '1', '--unattended', '--procedures', SHIPPED, '--memory', dir]);
    expect(r.code).toBe(0);
    const seqs = readLogAll(log, (rec) => rec.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // The run's iteration (and its unattended checkpoint) follow the fixture's last record.
    expect(seqs.length).toBeGreaterThan(last);
    expect(seqs.slice(0, last)).toEqual(rawRecords(path.join(FIXTURE, 'execution_log.md')).map((x) => x.seq));
    const sessions = await runCli(['sessions', '--memory', dir]);
    expect(sessions.code).toBe(0);
    expect(sessions.stdout).toContain('synthetic-0001');
  });
});
