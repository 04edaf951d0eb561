// Turns a full disk, a read-only or forbidden folder into one clear error naming the folder (not a temp file).
import path from 'node:path';
import { JupiterError, RuntimeFailure } from '../errors.js';

const FAULTS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
};

/** The storage fault `err` describes, as words, or undefined when it is something else. */
export function faultText(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code && Object.hasOwn(FAULTS, code) ? `${FAULTS[code]} (${code})` : undefined;
}

/**
 * `err` as a runtime failure naming the folder `file` is in, when it is a storage fault; else `err` unchanged.
 * What was committed before stays on disk (a torn append is repaired on the next start).
 */
export function storageFault(err: unknown, file: string): unknown {
  const what = faultText(err);
  if (!what || err instanceof JupiterError) return err;
  return new RuntimeFailure(
    `cannot write in ${path.dirname(file)}: ${what}; what was committed before is kept, and \`jupiter resume\` continues once this is fixed`,
    { cause: err },
  );
}
