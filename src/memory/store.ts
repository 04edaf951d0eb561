// The memory folder: commits iterations and reviews (log first, then derived files), recovers after crashes,
// respects hand edits, and serves recall. The execution log's record lines are the single commit point.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toYaml } from '../core/fast-yaml.js';
import { appendDurable, removeStaleTemps, writeFileAtomic } from '../core/fs/atomic.js';
import { withLock, type WaitOptions } from '../core/fs/lock.js';
import { readRegular, statRegular } from '../core/fs/regular.js';
import type { Finding, Plan } from '../core/plan.js';
import { indexLine, indexRecord, indexTail, readIndex } from './index-file.js';
import { parseItemsFile, renderItemsFile } from './items-file.js';
import { compact, consolidate, observe } from './learn.js';
import { LOG_HEADER, logTail, renderLogSection } from './log-file.js';
import { recall } from './recall.js';
import { iterationToRecord, reviewToRecord, type LogRecord } from './record.js';
import type { IterationRecord, MemoryItem, RecallQuery, RecallResult, ReviewRecord } from './types.js';

export const FILES = {
  log: 'execution_log.md',
  patterns: 'successful_patterns.md',
  lessons: 'lessons.md',
  readme: 'README.md',
  sessions: 'sessions',
  plans: 'plans',
  internal: '.jupiter',
};

const PATTERNS_INTRO = `Patterns distilled from approved plans (orderings, step choices, fixes that turned a failure into a pass),
consolidated with support counts (×N) and human confirmations. Edit freely: jupiter re-reads this file before
every iteration. Delete a line to forget it; add a line (\`- your pattern\`) under a heading to teach one.`;
const LESSONS_INTRO = `Lessons from validation failures and human feedback, consolidated with counts (×N). Edit freely: jupiter
re-reads this file before every iteration. Delete a line to forget it; add a line (\`- your lesson\`) to teach one.`;
/** The README every memory folder gets: the package's own memory/README.md (one text, kept in one place). */
function readme(): string {
  try {
    return readFileSync(fileURLToPath(new URL('../../memory/README.md', import.meta.url)), 'utf8');
  } catch {
    return '# jupiter memory\n\nSee the jupiter README, section "Memory".\n';
  }
}

interface FileSig {
  mtimeMs: number;
  size: number;
}

class DerivedFile {
  items = new Map<string, MemoryItem>();
  watermark = 0;
  sig: FileSig | null = null;
  skipped: { line: number; text: string }[] = [];
  constructor(
    readonly file: string,
    readonly kind: 'pattern' | 'lesson',
  ) {}

  /** Re-reads the file when it changed on disk (a person's edit, or another process's commit). */
  async refresh(knownSeq: number): Promise<void> {
    // A link or special file is an error naming it, never followed: only a missing file means "forget" or "rebuild".
    const st = statRegular(this.file);
    if (!st) {
      // Deleted by a person (forget everything in it), or never written yet (rebuild from the log).
      this.items = new Map();
      this.watermark = this.sig ? knownSeq : 0;
      this.sig = this.sig ? { mtimeMs: -1, size: -1 } : null;
      return;
    }
    if (this.sig && this.sig.mtimeMs === st.mtimeMs && this.sig.size === st.size) return;
    const parsed = parseItemsFile(readRegular(this.file).toString('utf8'), this.kind);
    this.items = new Map(parsed.items.map((i) => [i.id, i]));
    // A person who deleted the watermark line did not undo our commits: keep what we knew.
    this.watermark = parsed.watermark || (this.sig ? knownSeq : 0);
    this.skipped = parsed.skipped;
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
  }

  apply(rec: LogRecord): void {
    if (rec.seq <= this.watermark) return;
    const obs = observe(rec).filter((o) => (this.kind === 'pattern' ? o.kind === 'pattern' : o.kind !== 'pattern'));
    consolidate(this.items, rec, obs);
    // Compact as every commit does, so a replay of many records (recovery, rebuild) fades the same items.
    compact(this.items, rec.seq);
    this.watermark = rec.seq;
  }

  async write(seq: number): Promise<void> {
    this.watermark = Math.max(this.watermark, seq);
    const [title, intro] = this.kind === 'pattern' ? ['Successful patterns', PATTERNS_INTRO] : ['Lessons', LESSONS_INTRO];
    // Derived from the fsynced log (the watermark says how far), so a rename without fsync is enough.
    await writeFileAtomic(this.file, renderItemsFile(title, intro, [...this.items.values()], this.watermark), { durable: false });
    const st = statSync(this.file);
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
    // Rewritten from what was read: the old line numbers no longer point at anything.
    this.skipped = [];
  }
}

/**
 * Commits of Memory instances in this process queue per folder rather than race each other for the lock file:
 * many same-process contenders on withLock can end up holding it together (duplicate seqs) or leave it stuck.
 */
const queues = new Map<string, Promise<unknown>>();
function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

export class Memory {
  seq = 0;
  readonly patterns: DerivedFile;
  readonly lessons: DerivedFile;

  /** Told when a commit has waited a while for another process's write lock (the CLI says so on stderr). */
  onLockWait: ((message: string) => void) | undefined;

  private waitOptions(): WaitOptions {
    return this.onLockWait ? { onWait: this.onLockWait } : {};
  }

  private constructor(readonly dir: string) {
    this.patterns = new DerivedFile(path.join(dir, FILES.patterns), 'pattern');
    this.lessons = new DerivedFile(path.join(dir, FILES.lessons), 'lesson');
  }

  get logFile(): string {
    return path.join(this.dir, FILES.log);
  }
  get indexFile(): string {
    return path.join(this.dir, FILES.internal, 'index.jsonl');
  }
  get lockFile(): string {
    return path.join(this.dir, FILES.internal, 'write.lock');
  }
  planFile(session: string, iteration: number): string {
    return path.join(this.dir, FILES.plans, session, `${iteration}.yaml`);
  }

  /** Opens (creating when asked) the memory folder and repairs whatever a crash left behind. */
  static async open(dir: string, opts: { create?: boolean; onLockWait?: (message: string) => void } = {}): Promise<Memory> {
    const memory = new Memory(path.resolve(dir));
    memory.onLockWait = opts.onLockWait;
    if (opts.create !== false) {
      await mkdir(path.join(memory.dir, FILES.internal), { recursive: true });
      await mkdir(path.join(memory.dir, FILES.sessions), { recursive: true });
      await mkdir(path.join(memory.dir, FILES.plans), { recursive: true });
      await writeFile(path.join(memory.dir, FILES.readme), readme(), { flag: 'wx' }).catch(() => undefined);
      await serial(memory.lockFile, () => withLock(memory.lockFile, 'memory write', async () => {
        await removeStaleTemps(memory.dir);
        await removeStaleTemps(path.join(memory.dir, FILES.sessions));
        // endpoints.json is written atomically into .jupiter/: a kill mid-write leaves a temp there too.
        await removeStaleTemps(path.join(memory.dir, FILES.internal));
        // Plan files are written atomically into plans/<session>/: a crash can leave temps there too.
        const plans = await readdir(path.join(memory.dir, FILES.plans), { withFileTypes: true }).catch(() => []);
        for (const d of plans) if (d.isDirectory()) await removeStaleTemps(path.join(memory.dir, FILES.plans, d.name));
        await memory.sync(true);
      }, memory.waitOptions()));
    } else {
      await memory.sync(false);
    }
    return memory;
  }

  /**
   * Brings this process's view up to date: the index catches up with the log, derived files catch up with
   * the index (replaying what a crash or another process left unapplied). `write` persists repairs.
   */
  private async sync(write: boolean): Promise<void> {
    const sizes = await this.sizes();
    // Fast path: nobody (no other process, no crash) touched the log or index since our last look.
    if (!this.known || sizes.log !== this.known.log || sizes.index !== this.known.index) {
      // Only a writer holding the lock repairs torn tails: a reader could be looking at an append still in progress.
      const idx = await indexTail(this.indexFile, write);
      const tail = await logTail(this.logFile, idx?.seq ?? 0, write);
      if (write && tail.records.length) await appendDurable(this.indexFile, tail.records.map(indexLine).join(''));
      this.seq = Math.max(idx?.seq ?? 0, tail.lastSeq);
    }
    await this.patterns.refresh(this.seq);
    await this.lessons.refresh(this.seq);
    const from = Math.min(this.patterns.watermark, this.lessons.watermark);
    if (from < this.seq) {
      const behind = await logTail(this.logFile, from, write);
      for (const rec of behind.records) {
        this.patterns.apply(rec);
        this.lessons.apply(rec);
      }
      if (write) {
        await this.patterns.write(this.seq);
        await this.lessons.write(this.seq);
      }
    }
    this.known = write ? await this.sizes() : null;
  }

  /** Log and index sizes as last seen by this process (null: look again). */
  private known: { log: number; index: number } | null = null;

  private async sizes(): Promise<{ log: number; index: number }> {
    // statSync: two tiny calls per commit, cheaper than two thread-pool round trips.
    const size = (f: string) => statSync(f, { throwIfNoEntry: false })?.size ?? -1;
    const [log, index] = [size(this.logFile), size(this.indexFile)];
    return { log, index };
  }

  private async commit(build: (seq: number) => LogRecord, before?: () => Promise<void>): Promise<LogRecord> {
    return serial(this.lockFile, () => withLock(this.lockFile, 'memory write', async () => {
      await this.sync(true);
      const rec = build(this.seq + 1);
      if (before) await before();
      const exists = statSync(this.logFile, { throwIfNoEntry: false }) !== undefined;
      // The log append is the commit point; everything after it can be replayed from the log.
      await appendDurable(this.logFile, (exists ? '' : LOG_HEADER) + renderLogSection(rec));
      this.seq = rec.seq;
      // The index is rebuilt from the log when behind or torn: no fsync needed.
      await appendDurable(this.indexFile, indexLine(rec), { durable: false });
      this.patterns.apply(rec);
      this.lessons.apply(rec);
      await this.patterns.write(this.seq);
      await this.lessons.write(this.seq);
      this.known = await this.sizes();
      return rec;
    }, this.waitOptions()));
  }

  async commitIteration(rec: IterationRecord, extras: { promptChars?: number; previous?: { plan: Plan | null; findings: Finding[] } } = {}): Promise<LogRecord> {
    const plan = rec.plan;
    return this.commit(
      (seq) => iterationToRecord(rec, seq, extras.promptChars, extras.previous),
      // A copy for people: the log holds the plan's record, so a rename without fsync is enough.
      plan ? () => writeFileAtomic(this.planFile(rec.session, rec.iteration), toYaml(plan as unknown as Record<string, unknown>), { durable: false }) : undefined,
    );
  }

  /** Persists what is written lazily (nothing today: every commit rewrites the derived files it changed). */
  async flush(): Promise<void> {}

  async commitReview(rev: ReviewRecord): Promise<LogRecord> {
    return this.commit((seq) => reviewToRecord(rev, seq));
  }

  /** Every item, after picking up edits made on disk since the last look. */
  async items(): Promise<MemoryItem[]> {
    await this.patterns.refresh(this.seq);
    await this.lessons.refresh(this.seq);
    return [...this.patterns.items.values(), ...this.lessons.items.values()];
  }

  async recall(query: RecallQuery): Promise<RecallResult> {
    return recall(await this.items(), query, this.seq);
  }

  /** All records from the index (summary, resume). */
  async records(): Promise<LogRecord[]> {
    const { records } = await readIndex(this.indexFile);
    // A read-only look at a folder whose index is behind (deleted, or a crash before its append): the log has the rest.
    const last = records.at(-1)?.seq ?? 0;
    if (last < this.seq) records.push(...(await logTail(this.logFile, last, false)).records.map(indexRecord));
    return records;
  }

  skippedLines(): { file: string; line: number; text: string }[] {
    return [...this.patterns.skipped.map((s) => ({ file: this.patterns.file, ...s })), ...this.lessons.skipped.map((s) => ({ file: this.lessons.file, ...s }))];
  }
}
