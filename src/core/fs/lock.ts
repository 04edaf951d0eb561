// Exclusive lock files: one process holds a session (or a shared file) at a time; a dead holder's lock is taken over.
import fsSync, { promises as fs } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './atomic.js';
import { holderGone, selfIdentity, type Gone, type OwnerIdentity } from './owner.js';
import { InputError, LockedError } from '../errors.js';
import { storageFault } from './faults.js';
import { readRegular } from './regular.js';

export interface LockInfo extends OwnerIdentity {
  since: string;
  purpose: string;
}

export interface Lock {
  readonly file: string;
  release(): Promise<void>;
}

/** The holder's details; `null` for an unreadable lock file (debris), `'gone'` when it was just released. */
export async function readLockInfo(file: string): Promise<LockInfo | null | 'gone'> {
  try {
    const info = JSON.parse(readRegular(file).toString('utf8')) as LockInfo;
    return typeof info.pid === 'number' && Number.isInteger(info.pid) && typeof info.host === 'string' ? info : null;
  } catch (err) {
    if (err instanceof InputError) throw err;
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
}

/** Why a lock's holder no longer holds it (`unreadable`: a crash cut the file short), or null while it may. */
export function staleReason(info: LockInfo | null): Gone | 'unreadable' | null {
  if (!info) return 'unreadable';
  return holderGone(info);
}

const isStale = (info: LockInfo | null) => staleReason(info) !== null;

/** "process 123 on host h since … (purpose)", for messages. */
export function describeHolder(h: LockInfo): string {
  return `process ${h.pid} on ${h.host} since ${h.since} (${h.purpose})`;
}

const DEBRIS = /\.lock\.(?:(\d+)\.[a-z0-9]+\.new|stale\.(\d+))$/;

/**
 * Removes what killed contenders left beside lock files in `file`'s folder: a process killed between writing its
 * `.new` holder file and removing it (or mid-takeover, with a `.stale` grave) leaves them behind forever otherwise.
 * Only files of dead processes on this host go: a live contender's `.new` file is its own business.
 */
async function sweepDebris(file: string): Promise<void> {
  const dir = path.dirname(file);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const m = DEBRIS.exec(name);
    const pid = Number(m?.[1] ?? m?.[2]);
    if (!m || pid === process.pid || isProcessAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
}

/** Lock files whose folder exists and whose debris was swept by this process. */
const prepared = new Set<string>();

/** Try once to take `file`; throws LockedError naming the holder when a live process holds it. */
export async function acquireLock(file: string, purpose: string, describe?: (info: LockInfo) => string): Promise<Lock> {
  if (!prepared.has(file)) await fs.mkdir(path.dirname(file), { recursive: true }).catch((err: unknown) => Promise.reject(storageFault(err, file)));
  const info: LockInfo = { ...selfIdentity(), since: new Date().toISOString(), purpose };
  let vanished = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    // Write the holder's details first, then link them into place: the lock file never exists half-written,
    // so an unreadable lock file really is debris from a crash, never a contender mid-write.
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.new`;
    try {
      // Synchronous: a lock is taken for every commit, and three tiny calls beat three thread-pool round trips.
      fsSync.writeFileSync(temp, JSON.stringify(info), { mode: 0o644, flag: 'wx' });
      fsSync.linkSync(temp, file);
      if (!prepared.has(file)) {
        prepared.add(file);
        await sweepDebris(file);
      }
      return makeLock(file);
    } catch (err) {
      // A full disk or read-only folder: name the lock's folder, not the temp holder file it happened on.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storageFault(err, file);
      const read = await readLockInfo(file);
      // Released between our link and our read: simply try again (never treat a vanished lock as stale).
      if (read === 'gone' && vanished++ < 100) {
        attempt--;
        continue;
      }
      const holder = read === 'gone' ? null : read;
      if (!isStale(holder)) {
        throw new LockedError(describe && holder ? describe(holder) : `${file} is locked by ${holder ? describeHolder(holder) : 'another process'}`);
      }
      // Take over a dead holder's lock: rename is atomic, so only one contender wins the removal.
      const grave = `${file}.stale.${process.pid}`;
      if (
        await fs.rename(file, grave).then(
          () => true,
          () => false,
        )
      ) {
        const movedInfo = await readLockInfo(grave);
        const moved = movedInfo === 'gone' ? null : movedInfo;
        // Lost a race and moved a live contender's fresh lock: put it back.
        if (moved && (!holder || moved.pid !== holder.pid || moved.since !== holder.since)) await fs.link(grave, file).catch(() => undefined);
        await fs.rm(grave, { force: true });
      }
    } finally {
      fsSync.rmSync(temp, { force: true });
    }
  }
  throw new LockedError(`could not take the lock ${file}`);
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Called once when the wait has lasted `noticeMs` (default 1 s): a person should see why nothing happens. */
  onWait?: (message: string) => void;
  noticeMs?: number;
}

function makeLock(file: string): Lock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      const holder = await readLockInfo(file);
      if (holder && holder !== 'gone' && holder.pid === process.pid) await fs.rm(file, { force: true });
    },
  };
}
