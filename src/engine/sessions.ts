// Session files (memory/sessions/<id>.json; <id>.yaml before JSON, still read): saved atomically after every
// iteration, locked by one process at a time.
import { existsSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, JupiterError, LockedError, UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegular, statRegular } from '../core/fs/regular.js';
import { acquireLock, readLockInfo, staleReason, type Lock } from '../core/fs/lock.js';
import type { SessionState } from './types.js';
import { decodeUtf8 } from '../core/text.js';
import { parseYamlDoc, yaml } from '../core/yaml-doc.js';
import { readSession } from '../state/session-file.js';
import type { Checkpointer } from '../state/checkpointer.js';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;
const MAX_SESSION_BYTES = 4 * 1024 * 1024;
const RESUMABLE = new Set(['running', 'paused', 'interrupted', 'failed', 'stopped']);

/** Session ids are file names inside the memory folder: nothing that could climb out of it. */
export function checkSessionId(id: string): string {
  if (!SESSION_ID.test(id) || id.includes('..'))
    throw new UsageError(`"${id}" is not a session id (letters, digits, ".", "_" and "-" only): see \`jupiter sessions\``);
  return id;
}

export function newSessionId(goal: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    goal
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'session';
  return `${stamp}-${slug}-${Math.random().toString(16).slice(2, 6)}`;
}

/** A session file's JSON value; a fault names its line (found by the YAML parser, which reads JSON too). */
function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const say = `session file is not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`;
    parseYamlDoc(text, file, { invalid: () => `${say}; it was not changed`, unusable: () => `${say}; it was not changed` });
    throw new InputError(`${say}; it was not changed`, { file });
  }
}

export class SessionStore implements Checkpointer {
  /** Sessions whose latest non-durable save is not on disk yet (written at the next flush or durable save). */
  private readonly pending = new Map<string, SessionState>();
  private deferred = 0;
  private lastWrite = Date.now();
  private readonly saveEvery: number;
  private readonly maxAgeMs: number;

  /**
   * `saveEvery`: non-durable saves (one per iteration) reach the disk every this many calls, and at flush() and
   * every durable save; the session file is a cache of the log, and a resume catches it up. 1 writes each one.
   */
  constructor(
    readonly dir: string,
    opts: { saveEvery?: number; maxAgeMs?: number } = {},
  ) {
    this.saveEvery = Math.max(1, opts.saveEvery ?? 1);
    // `maxAgeMs`: a deferred save also reaches the disk once the file is this old, so `sessions` shows a running
    // session's progress within about that long.
    this.maxAgeMs = opts.maxAgeMs ?? Infinity;
  }

  file(id: string): string {
    return path.join(this.dir, `${checkSessionId(id)}.json`);
  }

  /** Where a session saved before JSON is (read until its next save writes the JSON file and removes it). */
  yamlFile(id: string): string {
    return path.join(this.dir, `${checkSessionId(id)}.yaml`);
  }

  /** Writes the session as JSON; the YAML file it was read from, if any, goes once the JSON one is in place. */
  private async write(state: SessionState, opts: { durable?: boolean }): Promise<void> {
    await writeFileAtomic(this.file(state.id), `${JSON.stringify(state, null, 2)}\n`, opts);
    if (existsSync(this.yamlFile(state.id))) await rm(this.yamlFile(state.id), { force: true });
  }

  /**
   * Saves atomically. `durable: false` (after each iteration) skips the fsyncs: the counters are rebuilt from the
   * fsynced log on resume anyway; status changes (start, halt, finish) are saved durably.
   */
  async save(state: SessionState, opts: { durable?: boolean } = {}): Promise<void> {
    state.updatedAt = new Date().toISOString();
    if (opts.durable === false && ++this.deferred < this.saveEvery && Date.now() - this.lastWrite < this.maxAgeMs) {
      this.pending.set(state.id, state);
      return;
    }
    this.deferred = 0;
    this.pending.delete(state.id);
    this.lastWrite = Date.now();
    await this.write(state, opts);
  }

  /** Writes the saves that were deferred (at checkpoints and exit). */
  async flush(): Promise<void> {
    const states = [...this.pending.values()];
    this.pending.clear();
    this.deferred = 0;
    this.lastWrite = Date.now();
    for (const state of states) {
      await this.write(state, { durable: false });
    }
  }

  /** The session file's text: the JSON file, else the YAML one of a session saved before JSON. */
  private readText(id: string): { file: string; text: string } {
    const file = this.readableFile(id);
    let buf: Buffer;
    try {
      // Links and special files (a FIFO, a link to /dev/zero) are refused, never followed or read forever.
      if ((statRegular(file)?.size ?? 0) > MAX_SESSION_BYTES) throw new InputError(`session file is larger than ${MAX_SESSION_BYTES} bytes`, { file });
      buf = readRegular(file);
    } catch (err) {
      if (err instanceof InputError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no session "${id}" in ${this.dir}: see \`jupiter sessions\``);
      throw new InputError(`cannot read session: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
    }
    const { text, badLine } = decodeUtf8(buf);
    if (badLine !== null) throw new InputError('session file is not valid UTF-8', { file, line: badLine });
    return { file, text };
  }

  async load(id: string): Promise<SessionState> {
    const { file, text } = this.readText(id);
    const value = file.endsWith('.json')
      ? parseJson(text, file)
      : parseYamlDoc(text, file, {
          invalid: (m) => `session file is not valid YAML (${m}); it was not changed`,
          unusable: (m) => `not a usable session file: ${m}; it was not changed`,
        }).value;
    const read = readSession(value, id);
    if ('problem' in read) {
      const line = lineOf(text, read.problem.path);
      throw new InputError(`not a usable session file: ${read.problem.message}; it was not changed`, line ? { file, line } : { file });
    }
    return read.state;
  }

  /**
   * The session a person named: its whole id, or (as git takes a commit) a part no other session shares: the start
   * of the id, or its last part (`4ef3`, `deploy-the-orchestrator-4ef3`). Ambiguous: one line, exit 2. Matching
   * nothing, it is returned as given (loading it then says there is no such session).
   */
  async expandId(given: string): Promise<string> {
    checkSessionId(given);
    const ids = await this.ids();
    if (ids.includes(given)) return given;
    const matches = ids.filter((id) => id.startsWith(given) || id.endsWith(`-${given}`)).sort();
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1)
      throw new UsageError(
        `session "${given}" is ambiguous: it matches ${matches.slice(0, 3).join(', ')}${matches.length > 3 ? ` and ${matches.length - 3} more` : ''}; give more of the id`,
      );
    return given;
  }

  /** Session ids in the folder, from JSON files and from YAML ones saved before JSON (each id once). */
  private async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const ids = names.filter((n) => !n.startsWith('.') && (n.endsWith('.json') || n.endsWith('.yaml'))).map((n) => n.slice(0, -5));
    return [...new Set(ids)];
  }

  /** Every readable session, newest first, as `jupiter sessions` lists it; unreadable files are reported, not fatal. */
  async list(): Promise<{ sessions: SessionListing[]; unreadable: { file: string; reason: string }[] }> {
    const sessions: SessionListing[] = [];
    const unreadable: { file: string; reason: string }[] = [];
    for (const id of await this.ids()) {
      try {
        sessions.push(listingOf(await this.load(id)));
      } catch (err) {
        const file = this.readableFile(id);
        const message = (err as Error).message;
        // The reason without the file name the error already starts with (the caller shows the file).
        unreadable.push({ file, reason: message.startsWith(`${file}:`) ? message.slice(message.indexOf(': ', file.length) + 2) : message });
      }
    }
    sessions.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
    return { sessions: await Promise.all(sessions.map((s) => this.asListed(s))), unreadable };
  }

  /**
   * A `running` session whose process is gone (killed with -9, a crash, a power cut) is shown as `interrupted`: its
   * lock has no live holder. Only shown so: the file keeps what was saved until a resume takes the session over.
   */
  private async asListed(s: SessionListing): Promise<SessionListing> {
    if (s.status !== 'running') return s;
    const holder = await readLockInfo(this.lockFile(s.id)).catch(() => null);
    if (holder !== 'gone' && staleReason(holder) === null) return s;
    return { ...s, status: 'interrupted', haltReason: 'the process running it ended without saving (killed or crashed): resume it' };
  }

  /** The file a session is read from: its JSON file, else its YAML one. */
  readableFile(id: string): string {
    return existsSync(this.file(id)) || !existsSync(this.yamlFile(id)) ? this.file(id) : this.yamlFile(id);
  }

  /** The most recently saved unfinished session, reading files newest first and stopping at the first match. */
  async latestResumable(): Promise<SessionState | undefined> {
    const byAge = (await this.ids())
      .map((id) => ({ id, t: statSync(this.readableFile(id), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t);
    for (const { id } of byAge) {
      const state = await this.load(id).catch(() => undefined);
      if (state && RESUMABLE.has(state.status)) return state;
    }
    return undefined;
  }

  /**
   * Holds the session for this process; a second process gets a clear message instead of a corrupted file. Letting
   * go of it also removes orphan locks: a look per lock, so it is done when the run is over rather than before its
   * first iteration.
   */
  async lock(id: string): Promise<Lock> {
    const lock = await acquireLock(this.lockFile(id), `session ${id}`, (h) => {
      const where = h.host === os.hostname() ? `process ${h.pid}` : `process ${h.pid} on ${h.host}, which cannot be checked from here`;
      return `session ${id} is already running (${where}, since ${h.since}): wait for it to finish or stop it first; if it is not running, \`jupiter unlock ${id}\` breaks the lock`;
    }).catch((err: unknown) => {
      // A held lock (exit 2) and a full or read-only disk (exit 1, naming the folder) keep their own meaning.
      if (err instanceof LockedError || err instanceof JupiterError) throw err;
      throw new InputError(`cannot lock session: ${(err as Error).message}`, { file: this.file(id) });
    });
    let tidied = false;
    return {
      file: lock.file,
      release: async () => {
        if (!tidied) {
          tidied = true;
          // Still holding the session: nothing else writes its file meanwhile.
          await this.removeOrphanLocks().catch(() => undefined);
          // The listing journal of older versions: nothing reads it now.
          await rm(path.join(this.dir, '.index.jsonl'), { force: true }).catch(() => undefined);
        }
        await lock.release();
      },
    };
  }

  lockFile(id: string): string {
    return path.join(this.dir, `${checkSessionId(id)}.lock`);
  }

  /**
   * A `plan` killed after locking its new session but before first saving it leaves `<id>.lock` with no
   * `<id>.json`, and one killed between completing its session and releasing it leaves a lock on a completed
   * session: nothing resumes those, so nothing would ever take the lock over. Remove such locks once their holder
   * is gone.
   */
  private async removeOrphanLocks(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.lock')) continue;
      const base = path.join(this.dir, name.slice(0, -5));
      // A completed session is never locked again (resume refuses it): a dead holder's lock on it is debris too,
      // left by a process killed between its final save and its release. A session file that does not read is kept.
      const status = await this.load(name.slice(0, -5)).then(
        (state) => state.status,
        (err: unknown) => (err instanceof UsageError ? 'none' : 'unreadable'),
      );
      if (status !== 'none' && status !== 'completed') continue;
      const holder = await readLockInfo(`${base}.lock`);
      if (holder === 'gone' || staleReason(holder) === null) continue;
      await rm(`${base}.lock`, { force: true });
    }
  }
}

/** The line of the value at `at` in a session file's text (JSON or YAML: the yaml package reads both). */
function lineOf(text: string, at: (string | number)[]): number | undefined {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  for (let n = at.length; n > 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/** What `jupiter sessions` shows of a session. */
export type SessionListing = Pick<
  SessionState,
  'id' | 'goalText' | 'procedure' | 'goalId' | 'status' | 'createdAt' | 'updatedAt' | 'progress' | 'usage' | 'haltReason' | 'parent' | 'forkPoint'
> & { settings: { iterations: number } };

function listingOf(s: SessionState): SessionListing {
  const out: SessionListing = {
    id: s.id,
    goalText: s.goalText,
    procedure: s.procedure,
    goalId: s.goalId,
    status: s.status,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    settings: { iterations: s.settings.iterations },
    progress: s.progress,
    usage: s.usage,
  };
  if (s.haltReason !== undefined) out.haltReason = s.haltReason;
  if (s.parent !== undefined && s.forkPoint !== undefined) Object.assign(out, { parent: s.parent, forkPoint: s.forkPoint });
  return out;
}

export function isResumable(state: SessionState): boolean {
  return RESUMABLE.has(state.status);
}
