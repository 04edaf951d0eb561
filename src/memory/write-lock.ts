// The memory folder's write lock, kept by a process across its commits instead of taken per commit, and handed
// over when another process asks for it (or when this one goes idle): one lock-file round trip per run, not per iteration.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { LockedError } from '../core/errors.js';
import { acquireLock, type Lock, type WaitOptions } from '../core/fs/lock.js';

/** Released this long after the last locked operation: a holder waiting on a model or a person never blocks others. */
const IDLE_MS = 20;
/** How long a contender waits for a live holder before giving up. */
const WAIT_MS = 30_000;

interface Holder {
  lock: Lock | null;
  /** In-process queue: commits of Memory instances in this process run one at a time. */
  tail: Promise<unknown>;
  idle: NodeJS.Timeout | undefined;
}

/**
 * Per process, per lock file. Process-wide on purpose: the lock file names this process, so every Memory instance
 * of the process holds it together, and their operations queue here rather than race each other for the file
 * (many same-process contenders could otherwise hold it together, or wait on each other forever).
 */
const holders = new Map<string, Holder>();

const wantedFile = (file: string) => `${file}.wanted`;

function holderOf(file: string): Holder {
  let h = holders.get(file);
  if (!h) holders.set(file, (h = { lock: null, tail: Promise.resolve(), idle: undefined }));
  return h;
}

function serial<T>(h: Holder, fn: () => Promise<T>): Promise<T> {
  const run = h.tail.then(fn, fn);
  h.tail = run.catch(() => undefined);
  return run;
}

/** Takes the lock, asking the holder to hand it over (the `.wanted` file) while a live process holds it. */
async function acquireWaiting(file: string, purpose: string, opts: WaitOptions): Promise<Lock> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? WAIT_MS);
  let noticed = false;
  let delay = 2;
  for (;;) {
    try {
      return await acquireLock(file, purpose);
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      if (Date.now() > deadline)
        throw new LockedError(
          `${err.message}; waited ${Math.round((Date.now() - started) / 1000)} s. If no jupiter is using this folder, \`jupiter unlock\` breaks the lock`,
        );
      if (!noticed && opts.onWait && Date.now() - started >= (opts.noticeMs ?? 1000)) {
        noticed = true;
        opts.onWait(`waiting for ${err.message.replace(/^.*? is locked by /, '')} to release ${file}`);
      }
    }
    try {
      // Created, never opened if it exists ('wx'): a link put there is not followed (its target stays untouched).
      writeFileSync(wantedFile(file), String(process.pid), { flag: 'wx' });
    } catch {
      // Already asked (EEXIST), or the folder is read-only or gone: the next attempt reports the real problem.
    }
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 25);
  }
}

async function release(h: Holder, file: string): Promise<void> {
  clearTimeout(h.idle);
  h.idle = undefined;
  const lock = h.lock;
  h.lock = null;
  if (!lock) return;
  rmSync(wantedFile(file), { force: true });
  await lock.release();
}

/**
 * Runs `fn` holding the write lock `file`. With `keep`, the lock stays held afterwards unless another process
 * asked for it, and is released after IDLE_MS without use; without, it is released at once.
 */
export function underWriteLock<T>(file: string, purpose: string, fn: () => Promise<T>, opts: { keep: boolean } & WaitOptions): Promise<T> {
  const h = holderOf(file);
  return serial(h, async () => {
    clearTimeout(h.idle);
    h.idle = undefined;
    h.lock ??= await acquireWaiting(file, purpose, opts);
    try {
      return await fn();
    } finally {
      // A process waiting for the lock leaves `.wanted`: hand over after this operation, so commits interleave.
      if (!opts.keep || existsSync(wantedFile(file))) await release(h, file);
      else {
        h.idle = setTimeout(() => void serial(h, () => release(h, file)).catch(() => undefined), IDLE_MS);
        h.idle.unref();
      }
    }
  });
}

/** Releases the lock if this process holds it (at exit, after the last flush). */
export function releaseWriteLock(file: string): Promise<void> {
  const h = holderOf(file);
  return serial(h, () => release(h, file));
}
