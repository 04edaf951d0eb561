// Crash-safe file writes: rewrites go to a temp file that is fsynced then renamed; appends are durable.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temp files carry this marker so a crash harness (or cleanup) can find leftovers. */
export const TEMP_MARKER = '.jupiter-tmp-';

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Write `data` to `file` atomically: readers see the old content or the new, never half.
 * `durable: false` skips the fsyncs: still atomic if the process dies, but not across a power cut. It is for
 * files that can be rebuilt from the fsynced execution log (derived markdown, plan copies), to keep each
 * iteration's overhead to a few milliseconds.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { durable?: boolean } = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${TEMP_MARKER}${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'w', 0o644);
    await handle.writeFile(data);
    if (durable) await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/**
 * Append `data` to `file` and fsync. One write call with O_APPEND: concurrent appenders
 * never interleave within a record on local filesystems.
 */
export async function appendDurable(file: string, data: string, opts: { durable?: boolean } = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'a', 0o644);
  try {
    await handle.write(data);
    if (opts.durable ?? true) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Remove temp files a killed process left behind in `dir` (not recursive). */
export async function removeStaleTemps(dir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_MARKER)) continue;
    const pid = Number(name.split('.').at(-2));
    if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true });
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
