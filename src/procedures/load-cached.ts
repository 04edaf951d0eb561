// The procedures a run plans against, through a cache of the parsed library in the memory folder. Parsing the YAML was
// the largest cost of a run's start (bench, this round: about 40% of the CPU to the first iteration); reading the
// cache costs well under a millisecond. An entry is used only when it is bound to what people wrote: its key is a
// digest of the folder, every procedure file's name and bytes and the parser's build, and the entry carries a digest
// of the key and of the library text it holds. Any other entry (edited, truncated, from another parser) is ignored and
// the files are parsed afresh (issue 23: an edited cache once removed the segregation rules).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/fs/atomic.js';
import type { ProcedureLibrary } from './types.js';

/** Libraries kept (one per procedures folder a memory folder's runs use), most recent first. */
const KEEP = 4;
/** Larger files are the loader's to refuse (it names the limit); they are never cached. */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

interface Entry {
  key: string;
  /** The library as JSON text, exactly as digested. */
  library: string;
  /** sha256 of the key and the library text: an entry changed by hand no longer matches it. */
  digest: string;
}

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex');
};

const entryDigest = (key: string, library: string) => sha256('jupiter procedures cache entry', key, library);

/** The parser's own files as built (`tsc` rewrites every output): a rebuilt or upgraded jupiter parses afresh. */
function parserStamp(): string {
  const here = fileURLToPath(import.meta.url);
  return ['load', 'lint', 'types']
    .map((name) => {
      const st = statSync(path.join(path.dirname(here), `${name}${path.extname(here)}`), { throwIfNoEntry: false });
      return st ? `${st.mtimeMs}:${st.size}` : '-';
    })
    .join(',');
}

/**
 * A digest of everything the loader reads: the folder as named (file paths in the library come from it), each
 * procedure file's name and bytes, and the parser. Undefined when something is odd (missing folder, a special or
 * huge file): the loader looks for itself and reports it.
 */
function keyOf(dir: string): string | undefined {
  try {
    const names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort();
    if (names.length === 0) return undefined;
    const parts: (string | Uint8Array)[] = [parserStamp(), dir];
    for (const name of names) {
      const file = path.join(dir, name);
      const st = statSync(file);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
      parts.push(name, readFileSync(file));
    }
    return sha256(...parts);
  } catch {
    return undefined;
  }
}

/** The cache's well-formed entries whose digest matches; none when it is missing, unreadable or not one this code wrote. */
function readEntries(file: string): Entry[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
    if (!Array.isArray(parsed.entries)) return [];
    return parsed.entries.filter(
      (e: Partial<Entry> | null): e is Entry =>
        typeof e?.key === 'string' && typeof e.library === 'string' && typeof e.digest === 'string' && e.digest === entryDigest(e.key, e.library),
    );
  } catch {
    return [];
  }
}

/** A library, and how to keep it for the next run when it was parsed rather than read from the cache. */
export interface CachedLibrary {
  library: ProcedureLibrary;
  /**
   * Writes the cache (nothing when the library came from it, or its folder does not exist). Called once a run has
   * started: a command that stops on bad input leaves the memory folder as it was.
   */
  remember(): Promise<void>;
}

/** Loads the library in `dir` as loadProcedures does (the first error throws), reading `cacheFile` when it matches. */
export async function loadProceduresCached(dir: string, cacheFile: string): Promise<CachedLibrary> {
  const key = keyOf(dir);
  const entries = key ? readEntries(cacheFile) : [];
  const hit = entries.find((e) => e.key === key);
  if (hit) {
    const library = JSON.parse(hit.library) as ProcedureLibrary;
    if (library.dir === dir) return { library, remember: async () => undefined };
  }
  const { loadProcedures } = await import('./load.js');
  const library = loadProcedures(dir);
  // Kept only if the files did not change while they were read: the entry must describe what was parsed.
  const unchanged = key !== undefined && keyOf(dir) === key;
  return {
    library,
    remember: async () => {
      if (!key || !unchanged || !existsSync(path.dirname(cacheFile))) return;
      const text = JSON.stringify(library);
      const kept = [{ key, library: text, digest: entryDigest(key, text) }, ...entries.filter((e) => e.key !== key)].slice(0, KEEP);
      await writeFileAtomic(cacheFile, JSON.stringify({ entries: kept }), { durable: false }).catch(() => undefined);
    },
  };
}
