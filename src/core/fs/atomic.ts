// Crash-safe file writes: rewrites go to a temp file that is fsynced then renamed; appends are durable.
import fsSync from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { storageFault } from './faults.js';
import { openRegularWithSize, statRegular } from './regular.js';

/** Temp files carry this marker so a crash harness (or cleanup) can find leftovers. */
export const TEMP_MARKER = '.jupiter-tmp-';

// The hot path uses synchronous calls on purpose: a commit is a handful of small writes that must happen in
// order anyway, and each async call's thread-pool round trip cost more than the write itself.

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fsSync.openSync(dir, 'r');
    fsSync.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fsSync.closeSync(fd);
  }
}

/**
 * Write `data` to `file` atomically: readers see the old content or the new, never half.
 * `durable: false` skips the fsyncs: still atomic if the process dies, but not across a power cut. It is for
 * files that can be rebuilt from the fsynced execution log (derived markdown, plan copies), to keep each
 * iteration's overhead to a few milliseconds.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
  writeFileAtomicSync(file, data, opts);
}

export function writeFileAtomicSync(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): void {
  const durable = opts.durable ?? true;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${TEMP_MARKER}${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openCreatingDir(tmp, 'create').fd;
    fsSync.writeFileSync(fd, data);
    if (durable) fsSync.fsyncSync(fd);
    fsSync.closeSync(fd);
    fd = undefined;
    // Never replace a link or special file silently: a person put it there, and a rename would drop it.
    statRegular(file);
    fsSync.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fsSync.closeSync(fd);
    fsSync.rmSync(tmp, { force: true });
    // A full disk or read-only folder is named by its folder, never by the temp file it happened on.
    throw storageFault(err, file);
  }
  if (durable) fsyncDir(dir);
}

/**
 * Append `data` to `file` and make it durable. One write call with O_APPEND: concurrent appenders
 * never interleave within a record on local filesystems.
 */
export async function appendDurable(file: string, data: string, opts: { durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true;
  try {
    const { fd, size } = openCreatingDir(file, 'append');
    try {
      fsSync.writeFileSync(fd, data);
      // fdatasync: the data and the size that makes it readable, without the timestamps fsync also flushes.
      if (durable) fsSync.fdatasyncSync(fd);
    } finally {
      fsSync.closeSync(fd);
    }
    // The file's first bytes (a new log segment): its name in the folder must survive a power cut too.
    if (durable && size === 0) fsyncDir(path.dirname(file));
  } catch (err) {
    // A write cut short by a full disk leaves a torn tail, which the next start repairs.
    throw storageFault(err, file);
  }
}

/**
 * Opens `file` (never through a link, never a special file), creating its folder only when missing (no mkdir on
 * the hot path of every iteration).
 */
function openCreatingDir(file: string, how: 'append' | 'create'): { fd: number; size: number } {
  try {
    return openRegularWithSize(file, how);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fsSync.mkdirSync(path.dirname(file), { recursive: true });
    return openRegularWithSize(file, how);
  }
}

/** Remove temp files a killed process left behind in `dir` (not recursive). */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    // Synchronous: run over every session's plan folder at start-up, where a thread-pool hop each adds up.
    names = fsSync.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_MARKER)) continue;
    const pid = Number(name.split('.').at(-2));
    if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid)) continue;
    fsSync.rmSync(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
