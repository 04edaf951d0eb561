// Reads a text file a person gave jupiter (a plan, a config, a procedure, a PDDL file, a source document): regular
// files only, size-capped, UTF-8 checked, with errors in words that name the file.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from './errors.js';
import { decodeUtf8 } from './text.js';

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/** The file's text; `what` names it in errors, e.g. "plan", "config" or "PDDL domain". */
export function readTextFile(file: string, what: string, maxBytes = DEFAULT_MAX_BYTES): string {
  let buf: Buffer;
  try {
    const st = statSync(file);
    // A FIFO or a device would block or never end: only regular files (links to them are fine: the file is the person's).
    if (!st.isFile()) throw new InputError(`${what} is not a regular file${st.isDirectory() ? ' (a folder)' : st.isFIFO() ? ' (a named pipe)' : ''}`, { file });
    if (st.size > maxBytes) throw new InputError(`${what} file is larger than ${maxBytes} bytes`, { file });
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    // Words a person reads, not errno names.
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? (err as Error).message);
    throw new InputError(`cannot read ${what}: ${why}`, { file });
  }
  const { text, badLine } = decodeUtf8(buf);
  if (badLine !== null) throw new InputError(`${what} file is not valid UTF-8 text`, { file, line: badLine });
  return text;
}
