// Opens files of the memory folder without following symbolic links and refuses anything but a regular file:
// a lessons.md linked to a file outside, or a FIFO or /dev/zero in sessions/, is an error, never a hang or a leak.
import fsSync, { constants } from 'node:fs';
import { InputError } from '../errors.js';

// O_NOFOLLOW: a link in the last path component fails with ELOOP instead of being followed (0 where the platform
// lacks it; the fstat check below still refuses what the link points at unless it is a regular file).
// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer forever.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

const FLAGS = {
  read: constants.O_RDONLY | NOFOLLOW | NONBLOCK,
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW | NONBLOCK,
  /** A new file that must not exist yet (temp files): never an existing link or file. */
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW,
} as const;

function kindOf(st: fsSync.Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The error for a memory file that is not a plain file: names it and says what to do. */
function notRegular(file: string, what: string): InputError {
  return new InputError(`is ${what}; jupiter reads and writes only regular files in its memory folder (replace it with a plain file, or move it away)`, {
    file,
  });
}

/** Opens `file` (sync) refusing links and special files; ENOENT and other errors are thrown as they come. */
function openRegular(file: string, how: keyof typeof FLAGS, mode = 0o644): number {
  return openRegularWithSize(file, how, mode).fd;
}

/** openRegular, with the file's size as it was opened (the check that it is a regular file reads it anyway). */
export function openRegularWithSize(file: string, how: keyof typeof FLAGS, mode = 0o644): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fsSync.openSync(file, FLAGS[how], mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: the link O_NOFOLLOW refused. ENXIO: a FIFO opened for writing with no reader.
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') throw notRegular(file, code === 'EISDIR' ? 'a folder' : kindOf(lstatOrThrow(file, err)));
    throw err;
  }
  const st = fsSync.fstatSync(fd);
  if (!st.isFile()) {
    fsSync.closeSync(fd);
    throw notRegular(file, kindOf(st));
  }
  return { fd, size: st.size };
}

function lstatOrThrow(file: string, original: unknown): fsSync.Stats {
  try {
    return fsSync.lstatSync(file);
  } catch {
    throw original;
  }
}

/**
 * The whole of a regular file (links and special files refused; ENOENT thrown as is). Past `maxBytes` it is not read
 * at all: a cache grown huge (by hand or by an attack) is rebuilt, never parsed at the cost of seconds and gigabytes.
 */
export function readRegular(file: string, maxBytes = Number.POSITIVE_INFINITY): Buffer {
  const { fd, size } = openRegularWithSize(file, 'read');
  try {
    if (size > maxBytes) throw new InputError(`is ${size} bytes, more than the ${maxBytes} it may be; not read`, { file });
    return fsSync.readFileSync(fd);
  } finally {
    fsSync.closeSync(fd);
  }
}

/** `length` bytes of a regular file from `start` (fewer at its end). */
export function readRegularRange(file: string, start: number, length: number): Buffer {
  const fd = openRegular(file, 'read');
  try {
    const buf = Buffer.alloc(length);
    const n = fsSync.readSync(fd, buf, 0, length, start);
    return buf.subarray(0, n);
  } finally {
    fsSync.closeSync(fd);
  }
}

/** lstat of a memory file: undefined when missing; throws for a link or special file. */
export function statRegular(file: string): fsSync.Stats | undefined {
  const st = fsSync.lstatSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile()) throw notRegular(file, kindOf(st));
  return st;
}
