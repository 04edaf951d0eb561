// Crash-consistency invariants of a memory folder: the log, sessions, plans and derived files agree.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { foldRecords } from '../src/state/reducer.js';
import type { Progress, SessionState } from '../src/engine/types.js';
import { isProcessAlive, TEMP_MARKER } from '../src/core/fs/atomic.js';
import { parseItemsFile } from '../src/memory/items-file.js';
import { compact, learn } from '../src/memory/learn.js';
import { recordsIn, segments } from '../src/memory/log-file.js';
import { readLogRange } from '../src/memory/log-range.js';
import type { LogRecord } from '../src/memory/record.js';
import { SessionStore } from '../src/engine/sessions.js';
import { FILES } from '../src/memory/store.js';
import type { MemoryItem } from '../src/memory/types.js';

export interface CheckOptions {
  /**
   * The folder was just left by a killed process and not yet reopened: tolerate what recovery is designed to
   * repair (a torn last log section, a derived file lagging the log, a session file one commit
   * behind, temp files and dead holders' locks). Default false: everything must be exact.
   */
  afterCrash?: boolean;
  /** Every session must be completed (all its iterations run). */
  requireCompleted?: boolean;
}

export interface CheckResult {
  ok: boolean;
  problems: string[];
  iterations: number;
  sessions: number;
  /** Crash states found and tolerated under `afterCrash` (e.g. `session-behind`): evidence of where kills landed. */
  tolerated: string[];
}

const HEADER = /^## (Iteration (\d+)|Review of iteration (\d+)) · /;
const MARKER = /^<!-- jupiter:entry /;
const COUNTERS = ['completed', 'approved', 'failed', 'errors'] as const satisfies readonly (keyof Progress)[];

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => undefined);

/** Headers and record lines alternate: each `## Iteration N` is closed by exactly one record of iteration N. */
function checkLogSections(text: string, crash: boolean, problems: string[], seen: Set<string>): void {
  const lines = text.split('\n');
  let open: { line: number; iteration: number; review: boolean } | null = null;
  lines.forEach((line, i) => {
    const h = HEADER.exec(line);
    if (h) {
      if (open) problems.push(`execution_log.md:${open.line}: section has no record line before the next section`);
      open = { line: i + 1, iteration: Number(h[2] ?? h[3]), review: !h[2] };
      return;
    }
    if (!MARKER.test(line)) return;
    const rec = recordsIn(line).records[0];
    if (!rec) return void problems.push(`execution_log.md:${i + 1}: unreadable record line`);
    if (!open) return void problems.push(`execution_log.md:${i + 1}: record seq ${rec.seq} has no section header (duplicated or stray record)`);
    const o: { line: number; iteration: number; review: boolean } = open;
    if (o.iteration !== rec.iteration || o.review !== (rec.type === 'review'))
      problems.push(`execution_log.md:${i + 1}: record (${rec.type} ${rec.iteration}) does not match its header at line ${o.line}`);
    open = null;
  });
  const last = open as { line: number } | null;
  if (last && !crash) problems.push(`execution_log.md:${last.line}: torn last section (header without a record)`);
  if (last && crash) seen.add('torn-log');
}

function checkSeqs(records: LogRecord[], problems: string[]): void {
  records.forEach((r, i) => {
    if (r.seq !== i + 1) problems.push(`execution_log.md: record #${i + 1} has seq ${r.seq} (expected ${i + 1})`);
  });
}

/** The log is its own index: bisecting it finds each session's records, exactly those the whole log holds. */
async function checkRanges(dir: string, records: LogRecord[], problems: string[]): Promise<void> {
  const spans = new Map<string, { first: number; last: number }>();
  for (const r of records) {
    const span = spans.get(r.session);
    spans.set(r.session, { first: span?.first ?? r.seq, last: r.seq });
  }
  for (const [session, { first, last }] of spans) {
    const found = (await readLogRange(path.join(dir, FILES.log), first, last)).filter((r) => r.session === session).map((r) => r.seq);
    const expected = records.filter((r) => r.session === session).map((r) => r.seq);
    if (JSON.stringify(found) !== JSON.stringify(expected))
      problems.push(`execution_log.md: a range read of session ${session} finds ${found.length} records, the log holds ${expected.length}`);
  }
}

/** Replays the log (through the file's watermark) the way the store does, and compares id → count. */
async function checkItems(dir: string, kind: 'pattern' | 'lesson', records: LogRecord[], crash: boolean, problems: string[], seen: Set<string>): Promise<void> {
  const name = kind === 'pattern' ? FILES.patterns : FILES.lessons;
  const text = await readText(path.join(dir, name));
  if (text === undefined) {
    if (records.length && !crash) problems.push(`${name}: missing`);
    return;
  }
  const parsed = parseItemsFile(text, kind);
  for (const s of parsed.skipped) problems.push(`${name}:${s.line}: unreadable line: ${s.text}`);
  const lastSeq = records.at(-1)?.seq ?? 0;
  if (crash && parsed.watermark < lastSeq) seen.add(`${kind}s-behind`);
  if (parsed.watermark > lastSeq || (!crash && parsed.watermark !== lastSeq)) problems.push(`${name}: watermark ${parsed.watermark}, log is at ${lastSeq}`);
  const replay = new Map<string, MemoryItem>();
  for (const rec of records) {
    if (rec.seq > parsed.watermark) break;
    learn(replay, rec, kind);
  }
  compact(replay, parsed.watermark);
  const onDisk = new Map(parsed.items.filter((i) => i.seq !== undefined).map((i) => [i.id, i]));
  const diffs: string[] = [];
  for (const [id, item] of replay) {
    const got = onDisk.get(id);
    if (!got) diffs.push(`${id} (${item.text.slice(0, 40)}) missing, replay count ${item.count}`);
    else if (got.count !== item.count || got.human !== item.human)
      diffs.push(`${id} (${item.text.slice(0, 40)}) ×${got.count}/h${got.human}, replay ×${item.count}/h${item.human}`);
  }
  for (const id of onDisk.keys()) if (!replay.has(id)) diffs.push(`${id} not produced by a replay of the log`);
  if (diffs.length) problems.push(`${name}: ${diffs.length} item(s) disagree with a replay of the log: ${diffs.slice(0, 3).join('; ')}`);
}

async function checkSessions(
  dir: string,
  records: LogRecord[],
  opts: CheckOptions,
  problems: string[],
  seen: Set<string>,
): Promise<{ sessions: number; iterations: number }> {
  const sessionsDir = path.join(dir, FILES.sessions);
  const store = new SessionStore(sessionsDir);
  const ids = (await readdir(sessionsDir).catch(() => [] as string[]))
    .filter((n) => (n.endsWith('.json') || n.endsWith('.yaml')) && !n.startsWith(TEMP_MARKER))
    .map((n) => n.slice(0, -5))
    .filter((id, i, all) => all.indexOf(id) === i);
  const logged = new Set(records.map((r) => r.session));
  for (const id of logged) if (!ids.includes(id)) problems.push(`session ${id}: in the log but has no session file`);
  let iterations = 0;
  for (const id of ids) {
    let state: SessionState;
    try {
      state = await store.load(id);
    } catch (err) {
      problems.push(`session ${id}: ${(err as Error).message}`);
      continue;
    }
    const mine = records.filter((r) => r.session === id && r.type === 'iteration');
    const nums = mine.map((r) => r.iteration);
    iterations += nums.length;
    nums.forEach((n, i) => {
      if (n !== i + 1) problems.push(`session ${id}: log iteration #${i + 1} is iteration ${n} (duplicate or gap)`);
    });
    const full = foldRecords(records, id).progress;
    // The session file is saved at checkpoints and exit (the log is the commit point): a kill leaves it at some
    // earlier point of the log, which resume catches up from. Never ahead of the log, never off it.
    const same = (p: Progress) => COUNTERS.every((k) => state.progress[k] === p[k]);
    const behind =
      opts.afterCrash &&
      !same(full) &&
      mine.some((r) =>
        same(
          foldRecords(
            records.filter((x) => x.seq < r.seq),
            id,
          ).progress,
        ),
      );
    if (behind) seen.add('session-behind');
    else if (!same(full)) {
      const show = (p: Progress) => COUNTERS.map((k) => `${k} ${p[k]}`).join(', ');
      problems.push(`session ${id}: file says ${show(state.progress)}; log says ${show(full)}`);
    }
    if (opts.requireCompleted && (state.status !== 'completed' || nums.length !== state.settings.iterations))
      problems.push(`session ${id}: ${state.status} with ${nums.length}/${state.settings.iterations} iterations`);
    for (const r of mine) {
      if (!r.steps) continue;
      // Plans are stored once per distinct plan (plans/<planId>.json; .yaml before JSON); logs from before kept one per iteration.
      const planText = r.planId
        ? ((await readText(path.join(dir, FILES.plans, `${r.planId}.json`))) ?? (await readText(path.join(dir, FILES.plans, `${r.planId}.yaml`))))
        : await readText(path.join(dir, FILES.plans, id, `${r.iteration}.yaml`));
      let actions: unknown;
      try {
        actions = (parse(planText ?? '') as { steps?: { action?: string }[] } | null)?.steps?.map((s) => s.action);
      } catch {
        actions = undefined;
      }
      if (JSON.stringify(actions) !== JSON.stringify(r.steps.map((s) => s.action)))
        problems.push(`${r.planId ? `plans/${r.planId}.json` : `plans/${id}/${r.iteration}.yaml`}: missing or differs from the logged plan`);
    }
  }
  return { sessions: ids.length, iterations };
}

async function checkDebris(dir: string, crash: boolean, problems: string[], seen: Set<string>): Promise<void> {
  for (const file of await walk(dir)) {
    const rel = path.relative(dir, file);
    const base = path.basename(file);
    const temp = base.includes(TEMP_MARKER);
    const lock = base.endsWith('.lock') || /\.lock\.\d+\.[a-z0-9]+\.new$/.test(base) || /\.lock\.stale\.\d+$/.test(base);
    if (!temp && !lock) continue;
    if (!crash) {
      problems.push(`${rel}: ${temp ? 'temp file' : 'lock file'} left behind`);
      continue;
    }
    seen.add(temp ? 'temp-files' : 'stale-lock');
    if (base.endsWith('.lock')) {
      let pid = NaN;
      try {
        pid = Number((JSON.parse((await readText(file)) ?? '{}') as { pid?: number }).pid);
      } catch {
        // A lock file cut short by the kill: stale by definition.
      }
      if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid))
        problems.push(`${rel}: held by live process ${pid} after all jupiter processes exited`);
    }
  }
}

export async function checkMemory(memoryDir: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const dir = path.resolve(memoryDir);
  const crash = Boolean(opts.afterCrash);
  const problems: string[] = [];
  const seen = new Set<string>();
  // The log and its older segments, oldest first: one sequence of records.
  const texts = await Promise.all([...segments(path.join(dir, FILES.log)), path.join(dir, FILES.log)].map(readText));
  const logText = texts.map((t) => t ?? '').join('');
  const records = recordsIn(logText).records;
  checkLogSections(logText, crash, problems, seen);
  checkSeqs(records, problems);
  await checkRanges(dir, records, problems);
  await checkItems(dir, 'pattern', records, crash, problems, seen);
  await checkItems(dir, 'lesson', records, crash, problems, seen);
  const { sessions, iterations } = await checkSessions(dir, records, opts, problems, seen);
  await checkDebris(dir, crash, problems, seen);
  return { ok: problems.length === 0, problems, iterations, sessions, tolerated: [...seen].sort() };
}
