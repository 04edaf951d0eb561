// Who holds a lock, beyond a PID: a PID is reused after its process dies, so a lock also records the boot and the
// holder's start time, and a holder counts as alive only while that same process still runs.
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The identity a lock file records for its holder (fields beyond `pid` are absent on platforms without /proc). */
export interface OwnerIdentity {
  pid: number;
  host: string;
  /** Kernel boot id: a lock from before a restart is stale whatever its PID. */
  boot?: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused PID starts later. */
  start?: string;
}

/** Why a recorded holder no longer holds, or `null` when it may still be running. */
export type Gone = 'process gone' | 'zombie' | 'PID reused by another process' | 'machine restarted' | 'not a jupiter process';

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** State letter and start time of `pid` from /proc (undefined off Linux or when the process is gone). */
function procStat(pid: number): { state: string; start: string } | undefined {
  const text = readProc(`/proc/${pid}/stat`);
  if (!text) return undefined;
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, start] = [fields[0], fields[19]];
  return state && start ? { state, start } : undefined;
}

function bootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** This process, as a lock records it. */
export function selfIdentity(): OwnerIdentity {
  const id: OwnerIdentity = { pid: process.pid, host: os.hostname() };
  const boot = bootId();
  const start = procStat(process.pid)?.start;
  if (boot) id.boot = boot;
  if (start) id.start = start;
  return id;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder recorded before locks carried a start time: alive only if that PID runs jupiter. */
function looksLikeJupiter(pid: number): boolean {
  const cmdline = readProc(`/proc/${pid}/cmdline`);
  // No /proc (another platform) or unreadable: cannot tell, so assume it is ours rather than break a live lock.
  if (cmdline === undefined) return true;
  return /jupiter/i.test(cmdline.replace(/\0/g, ' '));
}

/**
 * Whether the recorded holder is certainly gone, and why; `null` when it may still be running (or runs on another
 * host, which cannot be checked from here). Never says gone for this very process.
 */
export function holderGone(owner: OwnerIdentity): Gone | null {
  if (owner.host !== os.hostname()) return null;
  const boot = bootId();
  if (owner.boot && boot && owner.boot !== boot) return 'machine restarted';
  if (owner.pid === process.pid) {
    // Our own PID: this process, or a restarted container's earlier jupiter that had the same low PID.
    const self = selfIdentity();
    return owner.start !== undefined && self.start !== undefined && owner.start !== self.start ? 'PID reused by another process' : null;
  }
  if (!signalable(owner.pid)) return 'process gone';
  const stat = procStat(owner.pid);
  if (stat?.state === 'Z' || stat?.state === 'X') return 'zombie';
  if (owner.start !== undefined) return stat && stat.start !== owner.start ? 'PID reused by another process' : null;
  return looksLikeJupiter(owner.pid) ? null : 'not a jupiter process';
}
