// Writes a new procedure file crash-safely, and never over an existing file unless the person said so.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { TEMP_MARKER, writeFileAtomicSync } from '../../core/fs/atomic.js';

/** Asks whether to replace an existing file; absent when no one can be asked. */
export type ConfirmOverwrite = (file: string) => Promise<boolean>;

/**
 * Writes `text` to `file`: temp file, fsync, then a hard link that fails if the file appeared meanwhile (so a file is
 * never replaced without asking, even in a race); a replacement the person confirmed is an atomic rename.
 * Returns false when the person declined.
 */
export async function writeNewFile(file: string, text: string, opts: { force?: boolean; confirm?: ConfirmOverwrite } = {}): Promise<boolean> {
  if (fs.existsSync(file) && !opts.force) {
    if (!opts.confirm) throw new UsageError(`${file} exists: pass --force to replace it, or -o to write elsewhere`);
    if (!(await opts.confirm(file))) return false;
    writeFileAtomicSync(file, text);
    return true;
  }
  if (opts.force) {
    writeFileAtomicSync(file, text);
    return true;
  }
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `${TEMP_MARKER}${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${file} appeared while writing: not replaced (pass --force to replace it)`);
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return true;
}
