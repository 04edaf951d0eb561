// Running aggregates over the execution log (.jupiter/aggregates.json), each with its own watermark, so views the
// size of history (summary, sessions, resume) read only the records committed since they were last written.
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegular } from '../core/fs/regular.js';
import type { LogRecord } from './record.js';
import { isObj } from '../core/value.js';

/**
 * A fold over log records: the state after every record, kept up to date with each commit. `apply` gets each record
 * once, in log order, as the log stores it (steps included; no empty findings, no automatic approver). Bump
 * `version` when the state's shape or meaning changes: a stored state of another version is rebuilt from the log.
 */
export interface Fold<S> {
  name: string;
  version: number;
  init(): S;
  apply(state: S, rec: LogRecord): void;
}

/**
 * Largest aggregates file read (its folds are bounded: buckets, ratios, a line per session): a bigger one is not a
 * file jupiter wrote, and is rebuilt from the log rather than parsed (154 MB once cost 21 s and 870 MB, every run).
 */
const MAX_BYTES = 16 * 1024 * 1024;

interface Stored {
  version: number;
  /** Last log entry folded in. */
  seq: number;
  state: unknown;
}

interface Live {
  fold: Fold<unknown>;
  seq: number;
  state: unknown;
}

/** Records after `afterSeq`, oldest first (the memory's log tail). */
export type TailReader = (afterSeq: number) => Promise<LogRecord[]>;

export class Aggregates {
  private stored: Record<string, Stored> | null = null;
  private readonly live = new Map<string, Live>();
  private dirty = false;

  constructor(readonly file: string) {}

  private load(): Record<string, Stored> {
    if (this.stored) return this.stored;
    try {
      const v = JSON.parse(readRegular(this.file, MAX_BYTES).toString('utf8')) as unknown;
      this.stored = isObj(v) ? (v as Record<string, Stored>) : {};
    } catch {
      // Missing, unreadable or too big: every fold is rebuilt from the log (it is only a cache of it), and the file
      // rewritten with only what this process holds.
      this.stored = {};
    }
    return this.stored;
  }

  /**
   * The fold's state through `seq`. The first call in a process starts from the stored state (when its version
   * matches and it is not ahead of the log) and folds in only the records after its watermark.
   */
  async get<S>(fold: Fold<S>, seq: number, tail: TailReader): Promise<S> {
    let live = this.live.get(fold.name);
    if (!live) {
      const s = this.load()[fold.name];
      const usable = s && s.version === fold.version && Number.isInteger(s.seq) && s.seq <= seq && s.state !== undefined;
      live = usable ? { fold: fold as Fold<unknown>, seq: s.seq, state: s.state } : { fold: fold as Fold<unknown>, seq: 0, state: fold.init() };
      this.live.set(fold.name, live);
    }
    if (live.seq < seq) {
      for (const rec of await tail(live.seq)) this.applyTo(live, rec);
      this.dirty = true;
    }
    return live.state as S;
  }

  private applyTo(live: Live, rec: LogRecord): void {
    if (rec.seq <= live.seq) return;
    live.fold.apply(live.state, rec);
    live.seq = rec.seq;
  }

  /**
   * Folds a just-committed record into every fold this process holds that is up to the record before it; a fold
   * that missed records (another process's commits in between) catches up from the log at its next `get`.
   */
  apply(rec: LogRecord): void {
    for (const live of this.live.values()) {
      if (rec.seq !== live.seq + 1) continue;
      this.applyTo(live, rec);
      this.dirty = true;
    }
  }

  /** Writes the folds this process holds (others' stored states are kept as they were). Not durable: a cache. */
  async write(): Promise<void> {
    if (!this.dirty) return;
    const out = { ...this.load() };
    for (const [name, live] of this.live) out[name] = { version: live.fold.version, seq: live.seq, state: live.state };
    this.stored = out;
    await writeFileAtomic(this.file, JSON.stringify(out), { durable: false });
    this.dirty = false;
  }
}

/** Where each session's records are in the log: first and last entry, and how many iterations it logged. */
export type SessionSpans = Record<string, { first: number; last: number; iterations: number }>;

export const sessionSpans: Fold<SessionSpans> = {
  name: 'sessionSpans',
  version: 1,
  init: () => ({}),
  apply(state, rec) {
    const s = (state[rec.session] ??= { first: rec.seq, last: rec.seq, iterations: 0 });
    s.last = rec.seq;
    if (rec.type === 'iteration') s.iterations++;
  },
};
