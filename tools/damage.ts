// Torture's damage phase: between kills, the log is damaged the ways people and disks damage it (a segment deleted,
// cut short or copied; line endings rewritten to CRLF, CR or CRCRLF), and the next run must either go on exactly (line
// endings read the same) or refuse with an error naming the segments, writing nothing. Undone, the run goes on: no
// iteration is duplicated or lost.
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordsIn, segments } from '../src/memory/log-file.js';
import { FILES } from '../src/memory/store.js';
import { modelFlags } from './fake-openai.js';
import { checkMemory } from './invariants.js';

export interface DamageResult {
  /** Each damage and what the run after it did: `refused` (exit 2, naming the segments) or `went on` (exit 0). */
  cases: Record<string, 'refused' | 'went on'>;
  iterations: number;
}

type Run = (args: string[], cwd: string, killAfterIterations?: number) => Promise<{ code: number | null; stderr: string }>;

/** Iterations of the damaged session: 4 before the damage, one per line-ending rewrite, the rest at the end. */
const ITERATIONS = 10;
const ENDINGS: Record<string, string> = { CRLF: '\r\n', CR: '\r', CRCRLF: '\r\r\n' };
const OPENING = '<!-- jupiter:entry ';

/** Splits the log into `parts` segments at record lines, as rotation would have left them (oldest first). */
function rotate(log: string, parts: number): void {
  const text = readFileSync(log, 'utf8');
  const ends: number[] = [];
  for (let i = text.indexOf(OPENING); i >= 0; i = text.indexOf(OPENING, i + 1)) ends.push(text.indexOf('\n', i) + 1);
  const cuts = Array.from({ length: parts - 1 }, (_, k) => ends[Math.floor(((k + 1) * ends.length) / parts) - 1]!);
  let from = 0;
  cuts.forEach((to, k) => {
    writeFileSync(log.replace(/\.md$/, `.${String(k + 1).padStart(4, '0')}.md`), text.slice(from, to));
    from = to;
  });
  writeFileSync(log, text.slice(from));
}

const files = (log: string) => [...segments(log), log];
const snapshot = (log: string) => files(log).map((f) => [f, readFileSync(f, 'utf8')] as const);

/** Every record of every segment, in order: seq must run 1, 2, 3… and each (session, iteration) appear once. */
function continuity(log: string): string[] {
  const problems: string[] = [];
  const recs = files(log).flatMap((f) => recordsIn(readFileSync(f, 'utf8')).records);
  recs.forEach((r, i) => {
    if (r.seq !== i + 1) problems.push(`record #${i + 1} has seq ${r.seq}`);
  });
  const seen = new Set<string>();
  for (const r of recs.filter((x) => x.type === 'iteration')) {
    const key = `${r.session}#${r.iteration}`;
    if (seen.has(key)) problems.push(`iteration ${key} logged twice`);
    seen.add(key);
  }
  return problems;
}

const DAMAGES: Record<string, (segs: string[]) => void> = {
  'first segment deleted': (s) => rmSync(s[0]!),
  'middle segment deleted': (s) => rmSync(s[1]!),
  'middle segment cut short': (s) => {
    const text = readFileSync(s[1]!, 'utf8');
    writeFileSync(s[1]!, text.slice(0, text.lastIndexOf('\n## ') + 1));
  },
  'a segment copied after the others': (s) => cpSync(s[0]!, s[0]!.replace('.0001.', `.${String(s.length + 1).padStart(4, '0')}.`)),
};

/**
 * One session of `perSession` iterations, killed twice and damaged in between: each segment damage must be refused
 * (exit 2, the error naming the segment, no byte written), then restored; each line-ending rewrite must be read as
 * it was (the run goes on at the right iteration). Ends with every invariant holding and the session complete.
 */
export async function damagePhase(url: string, run: Run, problems: string[], log: (l: string) => void): Promise<DamageResult> {
  const perSession = ITERATIONS;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jupiter-damage-'));
  const memory = path.join(dir, 'memory');
  const logFile = path.join(memory, FILES.log);
  const common = ['--memory', memory];
  const out: DamageResult = { cases: {}, iterations: 0 };
  const fail = (what: string) => problems.push(`damage: ${what}`);
  try {
    const first = await run(
      ['plan', 'Deploy the orchestrator', ...modelFlags(url), '--unattended', '--patience', '0', '-n', String(perSession), '-c', '0', ...common],
      dir,
      4,
    );
    if (first.code !== null && first.code !== 0) {
      fail(`the first run exited ${first.code}: ${first.stderr.trim().split('\n').at(-1)}`);
      return out;
    }
    rotate(logFile, 3);
    for (const [name, damage] of Object.entries(DAMAGES)) {
      const before = snapshot(logFile);
      const backup = mkdtempSync(path.join(os.tmpdir(), 'jupiter-damage-backup-'));
      for (const [f] of before) cpSync(f, path.join(backup, path.basename(f)));
      damage(segments(logFile));
      const damaged = snapshot(logFile);
      const r = await run(['resume', '--unattended', ...common], dir);
      if (r.code !== 2 || !/execution_log\.\d{4}\.md/.test(r.stderr))
        fail(`${name}: the resume exited ${r.code}, not 2 naming the segments: ${r.stderr.trim().split('\n').at(-1)}`);
      else out.cases[name] = 'refused';
      if (JSON.stringify(snapshot(logFile)) !== JSON.stringify(damaged)) fail(`${name}: the refused resume changed the log`);
      // Restored from the backup, as a person would.
      for (const f of files(logFile)) rmSync(f);
      for (const [f] of before) renameSync(path.join(backup, path.basename(f)), f);
      rmSync(backup, { recursive: true, force: true });
    }
    for (const [name, ending] of Object.entries(ENDINGS)) {
      for (const f of files(logFile)) writeFileSync(f, readFileSync(f, 'utf8').replace(/\n/g, ending));
      // Killed after one more iteration: a line-ending rewrite must neither hide records nor repeat them.
      const r = await run(['resume', '--unattended', ...common], dir, 1);
      if (r.code !== null && r.code !== 0) fail(`${name} endings: the resume exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
      for (const p of continuity(logFile)) fail(`${name} endings: ${p}`);
      // Back to LF, as an editor that normalises would: what jupiter appended since is LF already.
      for (const f of files(logFile)) writeFileSync(f, readFileSync(f, 'utf8').split(ending).join('\n'));
      out.cases[`${name} line endings`] = 'went on';
    }
    const last = await run(['resume', '--unattended', ...common], dir);
    if (last.code !== 0) fail(`the last resume exited ${last.code}: ${last.stderr.trim().split('\n').at(-1)}`);
    for (const p of continuity(logFile)) fail(p);
    const check = await checkMemory(memory, { requireCompleted: true });
    check.problems.forEach((p) => fail(p));
    out.iterations = check.iterations;
    if (check.iterations !== perSession) fail(`${check.iterations} iterations in the end, not ${perSession}`);
    log(`torture: damage: ${Object.keys(out.cases).length} damages, each refused or read as before; ${out.iterations} iterations, none twice`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
