// The memory folder: commits iterations and reviews (log first, then derived files), recovers after crashes,
// respects hand edits, and serves recall. The execution log's record lines are the single commit point: one
// fsynced append per iteration; derived files follow when flushed, and the log's watermark replays what they lack.
import { readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { appendDurable, removeStaleTemps, writeFileAtomic } from '../core/fs/atomic.js';
import { readRegular, statRegular } from '../core/fs/regular.js';
import type { Plan } from '../core/plan.js';
import type { Rule } from '../procedures/types.js';
import { HumanRulesFile, type HumanRulesQuery, type RuleConflict, type RuleScope } from './human-rules.js';
import { Aggregates, sessionSpans, type Fold } from './aggregates.js';
import { type RejectedPlan, rejectionsFold } from './rejections.js';
import { summaryFold } from './summary-fold.js';
import { parseItemsFile, renderItemsFile } from './items-file.js';
import { learn } from './learn.js';
import {
  type BadLineSink,
  carriedSteps,
  hydrate,
  lastRecordSeq,
  lineAt,
  LOG_HEADER,
  logTail,
  nextSegment,
  onDisk,
  renderLogSection,
  type StepsLookup,
} from './log-file.js';
import { readLogAll, readLogRange, segmentBreaks } from './log-range.js';
import { InputError } from '../core/errors.js';
import { planId } from '../procedures/quality.js';
import { PlanStore } from './plan-store.js';
import { recall, RecallCache } from './recall.js';
import { briefRecord, iterationToRecord, reviewToRecord, type LogRecord } from './record.js';
import type { IterationRecord, MemoryItem, RecallQuery, RecallResult, ReviewRecord } from './types.js';
import type { WaitOptions } from '../core/fs/lock.js';
import { releaseWriteLock, underWriteLock } from './write-lock.js';

export const FILES = {
  log: 'execution_log.md',
  patterns: 'successful_patterns.md',
  lessons: 'lessons.md',
  humanRules: 'human_rules.md',
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
  /** Watermark of the file as last read or written (what it holds on disk). */
  private diskWatermark = 0;
  /** Items changed since the file was last read or written. */
  private dirty = false;
  constructor(
    readonly file: string,
    readonly kind: 'pattern' | 'lesson',
  ) {}

  /** Re-reads the file when it changed on disk (a person's edit, or another process's flush). */
  async refresh(knownSeq: number): Promise<void> {
    // A link or special file is an error naming it, never followed: only a missing file means "forget" or "rebuild".
    const st = statRegular(this.file);
    if (!st) {
      // Never written yet (what we hold was built from the log), or already seen deleted: nothing new.
      if (!this.sig || this.sig.mtimeMs === -1) return;
      // Deleted by a person since we last saw it: forget everything in it.
      this.items = new Map();
      this.watermark = knownSeq;
      this.dirty = true;
      this.sig = { mtimeMs: -1, size: -1 };
      return;
    }
    if (this.sig && this.sig.mtimeMs === st.mtimeMs && this.sig.size === st.size) return;
    const parsed = parseItemsFile(readRegular(this.file).toString('utf8'), this.kind);
    this.items = new Map(parsed.items.map((i) => [i.id, i]));
    // A person who deleted the watermark line did not undo what the file held: keep its last known watermark.
    this.watermark = parsed.watermark || (this.sig ? this.diskWatermark : 0);
    this.diskWatermark = this.watermark;
    this.dirty = false;
    this.skipped = parsed.skipped;
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
  }

  apply(rec: LogRecord): void {
    if (rec.seq <= this.watermark) return;
    learn(this.items, rec, this.kind);
    this.watermark = rec.seq;
    this.dirty = true;
  }

  /** Whether the file on disk lags what this process knows (items or watermark). */
  behind(seq: number): boolean {
    return this.dirty || this.diskWatermark < Math.max(this.watermark, seq) || this.sig?.mtimeMs === -1 || (this.sig === null && seq > 0);
  }

  async write(seq: number): Promise<void> {
    this.watermark = Math.max(this.watermark, seq);
    const [title, intro] = this.kind === 'pattern' ? ['Successful patterns', PATTERNS_INTRO] : ['Lessons', LESSONS_INTRO];
    // Derived from the fsynced log (the watermark says how far), so a rename without fsync is enough.
    await writeFileAtomic(this.file, renderItemsFile(title, intro, [...this.items.values()], this.watermark), { durable: false });
    const st = statSync(this.file);
    this.sig = { mtimeMs: st.mtimeMs, size: st.size };
    this.diskWatermark = this.watermark;
    this.dirty = false;
    // Rewritten from what was read: the old line numbers no longer point at anything.
    this.skipped = [];
  }
}

export interface MemoryOptions {
  /** Create the folder and repair what a crash left (default); false opens read-only. */
  create?: boolean;
  /**
   * Commits between writes of the derived markdown files. 1 (the default) writes them with every commit; a run
   * passes more and calls flush() at checkpoints and exit: the log's watermark replays whatever a crash left out.
   */
  flushEvery?: number;
  /** Size at which the current log segment is rotated into execution_log.NNNN.md. */
  segmentBytes?: number;
  /** Told when a commit has waited a while for another process's write lock (the CLI says so on stderr). */
  onLockWait?: (message: string) => void;
  /**
   * false skips the log's fsync: only for tools building synthetic history through this same commit path (a
   * power cut could lose such commits; a killed process still cannot).
   */
  durable?: boolean;
}

/** Folds a writer keeps current and persists at flush, so readers (summary, sessions, resume) start from them. */
const FOLDS: readonly Fold<unknown>[] = [sessionSpans, summaryFold, rejectionsFold];

/** Commits between derived-file writes in a CLI run (which also flushes at checkpoints and exit). */
export const RUN_FLUSH_EVERY = 256;

/** Default segment size: big enough that a person rarely meets a rotation, small enough to open in an editor. */
const SEGMENT_BYTES = 16 * 1024 * 1024;

export class Memory {
  seq = 0;
  readonly patterns: DerivedFile;
  readonly lessons: DerivedFile;
  readonly plans: PlanStore;
  private readonly flushEvery: number;
  private readonly segmentBytes: number;
  private readonly durable: boolean;
  /** Commits since the derived files were last written. */
  private unflushed = 0;
  /** Plan ids whose steps a complete record of the log carries (so later records may name them by id). */
  private readonly carried = new Set<string>();
  /** Steps by plan id, for records that name their plan. */
  private readonly stepsById = new Map<string, NonNullable<LogRecord['steps']>>();
  private readonly lookup: StepsLookup = (id) => this.stepsOf(id);
  /** Record lines read that do not read (by file and offset): a reader skips and reports them, a writer stops. */
  private readonly badLines = new Map<string, { file: string; offset: number; problem: string }>();
  private readonly onBad: BadLineSink = (file, offset, problem) => void this.badLines.set(`${file}\0${offset}`, { file, offset, problem });
  /** Opened to write (plan, resume): a record line that does not read stops it, before anything is run. */
  private readonly strict: boolean;
  readonly rulesFile: HumanRulesFile;
  /** Running folds over the log (summary, session spans), persisted with their watermarks at flush. */
  readonly aggregates: Aggregates;
  /** Told when a commit has waited a while for another process's write lock (the CLI says so on stderr). */
  onLockWait: ((message: string) => void) | undefined;

  private waitOptions(): WaitOptions {
    return this.onLockWait ? { onWait: this.onLockWait } : {};
  }

  private constructor(
    readonly dir: string,
    opts: MemoryOptions,
  ) {
    this.patterns = new DerivedFile(path.join(dir, FILES.patterns), 'pattern');
    this.lessons = new DerivedFile(path.join(dir, FILES.lessons), 'lesson');
    this.plans = new PlanStore(path.join(dir, FILES.plans));
    this.flushEvery = Math.max(1, opts.flushEvery ?? 1);
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES;
    this.durable = opts.durable ?? true;
    this.strict = opts.create !== false;
    this.onLockWait = opts.onLockWait;
    this.aggregates = new Aggregates(path.join(dir, FILES.internal, 'aggregates.json'));
    this.rulesFile = new HumanRulesFile(path.join(dir, FILES.humanRules), path.join(dir, FILES.internal, 'human_rules.watermark'));
  }

  get logFile(): string {
    return path.join(this.dir, FILES.log);
  }
  get lockFile(): string {
    return path.join(this.dir, FILES.internal, 'write.lock');
  }

  /** Opens (creating when asked) the memory folder and repairs whatever a crash left behind. */
  static async open(dir: string, opts: MemoryOptions = {}): Promise<Memory> {
    const memory = new Memory(path.resolve(dir), opts);
    if (opts.create !== false) {
      await mkdir(path.join(memory.dir, FILES.internal), { recursive: true });
      await mkdir(path.join(memory.dir, FILES.sessions), { recursive: true });
      await mkdir(path.join(memory.dir, FILES.plans), { recursive: true });
      await writeFile(path.join(memory.dir, FILES.readme), readme(), { flag: 'wx' }).catch(() => undefined);
      await underWriteLock(
        memory.lockFile,
        'memory write',
        async () => {
          await removeStaleTemps(memory.dir);
          await removeStaleTemps(path.join(memory.dir, FILES.sessions));
          // endpoints.json is written atomically into .jupiter/: a kill mid-write leaves a temp there too.
          await removeStaleTemps(path.join(memory.dir, FILES.internal));
          // Plan files are written atomically into plans/ (and, in old folders, plans/<session>/).
          await removeStaleTemps(path.join(memory.dir, FILES.plans));
          const plans = await readdir(path.join(memory.dir, FILES.plans), { withFileTypes: true }).catch(() => []);
          for (const d of plans) if (d.isDirectory()) await removeStaleTemps(path.join(memory.dir, FILES.plans, d.name));
          // Folders from before the log was its own index kept a copy of every record here: the log has them all.
          rmSync(path.join(memory.dir, FILES.internal, 'index.jsonl'), { force: true });
          await memory.refuseBrokenLog();
          await memory.sync(true);
          memory.refuseBadLines();
          for (const fold of FOLDS) await memory.aggregate(fold);
          // Persist what the replay repaired, so the next open does not replay it again.
          await memory.writeDerived();
          // human_rules.md is rewritten only when a rule changes: bring its watermark up to date once per open.
          if (memory.rulesFile.behindOnDisk(memory.seq)) await memory.rulesFile.write();
        },
        { keep: false, ...memory.waitOptions() },
      );
    } else {
      memory.logBreaks = await segmentBreaks(memory.logFile);
      await memory.sync(false);
    }
    return memory;
  }

  /** Where the log's segments do not follow each other, as a reader found them (summary says what it skipped). */
  logBreaks: string[] = [];

  /** A writer never appends to a log with a segment missing, cut short or doubled: the next seq would be a guess. */
  private async refuseBrokenLog(): Promise<void> {
    const breaks = await segmentBreaks(this.logFile);
    if (breaks.length)
      throw new InputError(
        `the log's segments do not follow each other (${breaks.join('; ')}); nothing was run or written: restore the segments from a backup`,
        { file: this.logFile },
      );
  }

  /**
   * A writer never runs over a record it cannot read: the record is knowledge (an iteration, a person's review) the
   * session and the derived files would silently lose. One line naming the file and line of the first one.
   */
  private refuseBadLines(): void {
    const first = this.badLines.values().next().value;
    if (!first) return;
    const more = this.badLines.size > 1 ? ` (and ${this.badLines.size - 1} more)` : '';
    throw new InputError(
      `a record line cannot be read: ${first.problem}${more}; nothing was run: restore the line from a backup, or delete its section from the log`,
      { file: first.file, line: lineAt(first.file, first.offset) },
    );
  }

  /** Steps of a plan named by id: from a record read earlier, else from its plan file. */
  private stepsOf(id: string): NonNullable<LogRecord['steps']> | undefined {
    let steps = this.stepsById.get(id);
    if (!steps) {
      steps = this.plans.steps(id);
      if (steps) this.stepsById.set(id, steps);
    }
    return steps;
  }

  /** Plan files lost (a person cleaned plans/, or a power cut): every plan's steps from the records carrying them. */
  private async recoverSteps(records: LogRecord[]): Promise<void> {
    if (!records.some((r) => r.planId !== undefined && !r.steps)) return;
    for (const [id, steps] of await carriedSteps(this.logFile)) if (!this.stepsById.has(id)) this.stepsById.set(id, steps);
    hydrate(records, this.lookup);
  }

  /** Notes the plans that complete records carry, so later commits can name them instead of repeating them. */
  private learnCarried(records: LogRecord[]): void {
    for (const r of records) {
      if (r.planId === undefined || !r.steps) continue;
      this.carried.add(r.planId);
      this.stepsById.set(r.planId, r.steps);
    }
  }

  /**
   * Brings this process's view up to date: the log's last record (repairing a torn tail when writing), and the
   * derived files caught up with the log (replaying what a crash or another process left unapplied).
   */
  private async sync(write: boolean): Promise<void> {
    // Fast path: nobody (no other process, no crash) touched the log since our last look.
    if (!this.known || this.logSize() !== this.known.log) {
      // Only a writer holding the lock repairs torn tails: a reader could be looking at an append still in progress.
      this.seq = Math.max(this.seq, await lastRecordSeq(this.logFile, write, this.onBad));
      // Someone else appended (or this is the first look): the next section of ours states its session again.
      this.lastSection = null;
    }
    await this.patterns.refresh(this.seq);
    await this.lessons.refresh(this.seq);
    this.rulesFile.refresh();
    const from = Math.min(this.patterns.watermark, this.lessons.watermark, this.rulesFile.watermark);
    if (from < this.seq) {
      const behind = await logTail(this.logFile, from, false, this.lookup, this.onBad);
      await this.recoverSteps(behind.records);
      this.learnCarried(behind.records);
      let rulesChanged = false;
      for (const rec of behind.records) {
        this.patterns.apply(rec);
        this.lessons.apply(rec);
        rulesChanged = this.rulesFile.apply(rec) || rulesChanged;
      }
      if (write && rulesChanged) await this.rulesFile.write();
    }
    this.known = write ? { log: this.logSize() } : null;
  }

  /** The log's size as last seen by this process (null: look again). */
  private known: { log: number } | null = null;
  /** The session of the last section this process appended, while the log holds nothing after it. */
  private lastSection: string | null = null;

  private logSize(): number {
    // statSync: one tiny call, cheaper than a thread-pool round trip.
    return statSync(this.logFile, { throwIfNoEntry: false })?.size ?? -1;
  }

  /** Writes the derived files that lag what this process knows. Call holding the write lock. */
  private async writeDerived(opts: { exit?: boolean } = {}): Promise<void> {
    if (this.patterns.behind(this.seq)) await this.patterns.write(this.seq);
    if (this.lessons.behind(this.seq)) await this.lessons.write(this.seq);
    // human_rules.md is rewritten when a rule changes; its watermark otherwise lags, and every reader replays the
    // log after it. Bring it up to date at exit, and whenever it lags by more than a few flushes' worth.
    if (this.rulesFile.behindOnDisk(opts.exit ? this.seq : this.seq - 4 * RUN_FLUSH_EVERY)) await this.rulesFile.write();
    await this.aggregates.write();
    this.unflushed = 0;
  }

  /** Records after `afterSeq` from the log, steps included. */
  private readonly tail = async (afterSeq: number): Promise<LogRecord[]> => {
    const t = await logTail(this.logFile, afterSeq, false, this.lookup, this.onBad);
    await this.recoverSteps(t.records);
    return t.records;
  };

  /**
   * A fold's state through the last commit: from .jupiter/aggregates.json plus the records since its watermark,
   * so a summary of 100,000 iterations reads what changed, not the history. A reader (create: false) keeps the
   * caught-up state to itself; writers persist it at flush.
   */
  async aggregate<S>(fold: Fold<S>): Promise<S> {
    return this.aggregates.get(fold, this.seq, this.tail);
  }

  private async commit(build: (seq: number) => LogRecord, plan: Plan | null): Promise<LogRecord> {
    return underWriteLock(
      this.lockFile,
      'memory write',
      async () => {
        await this.sync(true);
        const rec = build(this.seq + 1);
        let carry = true;
        if (plan) {
          const id = (rec.planId ??= planId(plan));
          // The plan file first: a record that names a plan always finds it (or, after a power cut, its carrier).
          this.plans.put(id, plan);
          carry = !this.carried.has(id);
        }
        let log = this.known?.log ?? this.logSize();
        if (log >= this.segmentBytes) {
          // Rotation is one rename: a crash right after it leaves no current segment, and the next append starts one.
          renameSync(this.logFile, nextSegment(this.logFile));
          log = -1;
        }
        // A section right after one of this session's own (in this segment) need not say again which run it belongs to.
        const continued = log > 0 && this.lastSection === rec.session;
        const section = (log > 0 ? '' : LOG_HEADER) + renderLogSection(rec, { carry, continued });
        const stored = onDisk(rec, { carry });
        // The log append is the commit point; everything after it can be replayed from the log.
        await appendDurable(this.logFile, section, { durable: this.durable });
        this.seq = rec.seq;
        if (rec.planId !== undefined && rec.steps) {
          this.carried.add(rec.planId);
          this.stepsById.set(rec.planId, rec.steps);
        }
        this.known = { log: Math.max(log, 0) + Buffer.byteLength(section) };
        this.lastSection = rec.type === 'iteration' ? rec.session : null;
        this.patterns.apply(rec);
        this.lessons.apply(rec);
        // Folds see each record as the log stores it, whichever way it reaches them (commit or replay).
        this.aggregates.apply(rec.steps ? { ...stored, steps: rec.steps } : stored);
        // Human rules are enforced from the next iteration on: their file is written when a rule changes (rarely).
        if (this.rulesFile.apply(rec)) await this.rulesFile.write();
        if (++this.unflushed >= this.flushEvery) await this.writeDerived();
        return rec;
      },
      { keep: true, ...this.waitOptions() },
    );
  }

  async commitIteration(rec: IterationRecord, extras: { promptChars?: number } = {}): Promise<LogRecord> {
    return this.commit((seq) => iterationToRecord(rec, seq, extras.promptChars), rec.plan);
  }

  async commitReview(rev: ReviewRecord): Promise<LogRecord> {
    return this.commit((seq) => reviewToRecord(rev, seq), rev.plan);
  }

  /**
   * Writes whatever the derived files lag (after picking up other processes' commits). Runs call it at
   * checkpoints and exit; between flushes a crash loses nothing: the next open replays the log past the watermark.
   */
  async flush(opts: { exit?: boolean } = {}): Promise<void> {
    await underWriteLock(
      this.lockFile,
      'memory write',
      async () => {
        await this.sync(true);
        // Folds that missed other processes' commits catch up here, before they are written.
        for (const fold of FOLDS) await this.aggregate(fold);
        await this.writeDerived(opts.exit ? { exit: true } : {});
      },
      { keep: true, ...this.waitOptions() },
    );
  }

  /** Flushes (human rules' watermark too) and lets go of the write lock (at exit). */
  async close(): Promise<void> {
    await this.flush({ exit: true });
    await releaseWriteLock(this.lockFile);
  }

  /** The plan a record names (content-addressed), or for old logs its per-iteration copy. */
  planOf(rec: Pick<LogRecord, 'planId' | 'session' | 'iteration'>): Promise<Plan | undefined> {
    return this.plans.get(rec.planId, { session: rec.session, iteration: rec.iteration });
  }

  /** Every item, after picking up edits made on disk since the last look. */
  async items(): Promise<MemoryItem[]> {
    await this.patterns.refresh(this.seq);
    await this.lessons.refresh(this.seq);
    return [...this.patterns.items.values(), ...this.lessons.items.values()];
  }

  /** Human rules in scope (the goal's, and the session's own), after picking up edits made to human_rules.md. */
  async humanRules(query: HumanRulesQuery): Promise<Rule[]> {
    this.rulesFile.refresh();
    return this.rulesFile.rules(query);
  }

  /** Kept human rules the given ones would contradict in `scope`, with their file:line (see HumanRulesFile.conflicts). */
  ruleConflicts(rules: readonly Rule[], scope: RuleScope, goal: { procedure: string; goalId: string }): RuleConflict[] {
    return this.rulesFile.conflicts(rules, scope, goal);
  }

  private readonly recallCache = new RecallCache();
  /** What each session recalled last, in order: the next recall keeps that order and appends (stable prompt prefixes). */
  private readonly recalled = new Map<string, string[]>();

  /** Plans a person rejected on this goal, in any session, and has not approved since. */
  async goalRejections(goal: { procedure: string; goalId: string }): Promise<RejectedPlan[]> {
    return (await this.aggregate(rejectionsFold))[`${goal.procedure}/${goal.goalId}`] ?? [];
  }

  async recall(query: RecallQuery): Promise<RecallResult> {
    const key = `${query.session}|${query.procedure}|${query.goalId}`;
    // A goal's best plan that a person rejected (in any session) is never recalled as its best.
    const rejected = new Set((await this.goalRejections(query)).flatMap((p) => [p.planId, p.key ?? '']));
    const items = (await this.items()).filter((i) => !(i.data.type === 'exemplar' && i.data.planId && rejected.has(i.data.planId)));
    const result = recall(items, query, this.seq, this.recalled.get(key), this.recallCache);
    this.recalled.set(
      key,
      result.items.map((i) => i.id),
    );
    return result;
  }

  /**
   * Records from the log, each in its brief form. `session`: only that session's, read from where its records are
   * (found by bisecting the log on its record lines), so resuming one session costs its records, not the history.
   */
  async records(filter: { session?: string } = {}): Promise<LogRecord[]> {
    let out: LogRecord[] = [];
    if (filter.session !== undefined) {
      const span = (await this.aggregate(sessionSpans))[filter.session];
      if (span)
        out = (await readLogRange(this.logFile, span.first, span.last, undefined, this.onBad)).filter((r) => r.session === filter.session).map(briefRecord);
    } else out = readLogAll(this.logFile, briefRecord, undefined, this.onBad);
    if (this.strict) this.refuseBadLines();
    return out;
  }

  skippedLines(): { file: string; line: number; text: string }[] {
    return [
      ...[...this.badLines.values()].map((b) => ({ file: b.file, line: lineAt(b.file, b.offset), text: `log record (${b.problem})` })),
      ...this.patterns.skipped.map((s) => ({ file: this.patterns.file, ...s })),
      ...this.lessons.skipped.map((s) => ({ file: this.lessons.file, ...s })),
      ...this.rulesFile.skipped.map((s) => ({ file: this.rulesFile.file, ...s })),
    ];
  }
}
