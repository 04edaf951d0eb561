// `-o FILE`: a file to write. Anything else already there (a folder, a link, a pipe) is refused in terms of -o,
// before any work, rather than with the memory folder's advice or an offer to --force over it.
import { lstatSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { safeText } from '../core/text.js';

function kindOf(file: string): string | null {
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st || st.isFile()) return null;
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  return 'not a regular file';
}

/** Throws (exit 2) when `file` exists and is not a regular file; a missing or regular file passes. */
export function checkOutputFile(file: string): void {
  const kind = kindOf(file);
  if (kind) throw new UsageError(`-o ${safeText(file, true)} is ${kind}: name a file to write`);
}
