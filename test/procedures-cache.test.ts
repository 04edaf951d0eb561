import { cpSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { loadProceduresCached } from '../src/procedures/load-cached.js';
import { loadProcedures } from '../src/procedures/load.js';
import type { ProcedureLibrary } from '../src/procedures/types.js';
import { SHIPPED, tempDir } from './support/cli.js';
import { TINY_PROCEDURE as TINY } from './support/tiny-procedure.js';

/** A memory folder's internal folder (existing, as after a first run) and the cache file in it. */
function cacheIn(): string {
  const internal = path.join(tempDir('jupiter-cache-'), '.jupiter');
  mkdirSync(internal);
  return path.join(internal, 'procedures.json');
}

/** Loads through the cache as a run that starts does: the library, then the cache kept. */
async function load(dir: string, cache: string): Promise<ProcedureLibrary> {
  const { library, remember } = await loadProceduresCached(dir, cache);
  await remember();
  return library;
}

/** Rewrites the cached library's first set name, to tell a cache hit from a parse. */
function tamper(cache: string): void {
  const data = JSON.parse(readFileSync(cache, 'utf8')) as { entries: { library: { sets: { name: string }[] } }[] };
  for (const e of data.entries) e.library.sets[0]!.name = 'from the cache';
  writeFileSync(cache, JSON.stringify(data));
}

describe('procedures through the cache', () => {
  it('gives exactly what the loader parses, the first time and from the cache', async () => {
    const cache = cacheIn();
    const fresh = loadProcedures(SHIPPED);
    expect(await load(SHIPPED, cache)).toStrictEqual(fresh);
    expect(existsSync(cache)).toBe(true);
    expect(await load(SHIPPED, cache)).toStrictEqual(fresh);
  });

  it('is read while the files are unchanged, and a changed file is parsed afresh (same size and time too)', async () => {
    const cache = cacheIn();
    const dir = tempDir('jupiter-proc-');
    const file = path.join(dir, 'tiny.yaml');
    writeFileSync(file, TINY);
    await load(dir, cache);
    tamper(cache);
    expect((await load(dir, cache)).sets[0]!.name).toBe('from the cache');
    // An edit of the same length, with the file's old times put back: the bytes decide, not the signature.
    const { atime, mtime } = statSync(file);
    writeFileSync(file, TINY.replace('name: Tiny', 'name: Tidy'));
    utimesSync(file, atime, mtime);
    expect((await load(dir, cache)).sets[0]!.name).toBe('Tidy');
    // A new file in the folder is a different library too.
    writeFileSync(path.join(dir, 'more.yaml'), TINY.replace('id: tiny', 'id: more'));
    expect((await load(dir, cache)).sets.map((s) => s.id)).toEqual(['more', 'tiny']);
  });

  it('keeps one library per folder, so runs against two folders do not evict each other', async () => {
    const cache = cacheIn();
    const other = tempDir('jupiter-proc-');
    cpSync(SHIPPED, other, { recursive: true });
    await load(SHIPPED, cache);
    await load(other, cache);
    tamper(cache);
    expect((await load(SHIPPED, cache)).sets[0]!.name).toBe('from the cache');
    const fromOther = await load(other, cache);
    expect(fromOther.sets[0]!.name).toBe('from the cache');
    expect(fromOther.dir).toBe(other);
  });

  it('throws what the loader throws, caches nothing it refused, and creates no folder', async () => {
    const cache = cacheIn();
    const dir = tempDir('jupiter-proc-');
    writeFileSync(path.join(dir, 'bad.yaml'), TINY.replace('provides: [done]', 'provides: []'));
    await expect(loadProceduresCached(dir, cache)).rejects.toThrow(InputError);
    expect(existsSync(cache)).toBe(false);
    const nowhere = path.join(tempDir('jupiter-cache-'), 'memory', '.jupiter', 'procedures.json');
    expect((await load(SHIPPED, nowhere)).sets.length).toBeGreaterThan(0);
    expect(existsSync(path.dirname(path.dirname(nowhere)))).toBe(false);
  });

  it('a damaged cache file is only slower', async () => {
    const cache = cacheIn();
    writeFileSync(cache, '{"entries": [{"key": 1}, null');
    expect(await load(SHIPPED, cache)).toStrictEqual(loadProcedures(SHIPPED));
    writeFileSync(cache, '{"entries": [null, {"key": "x", "library": 3}]}');
    expect(await load(SHIPPED, cache)).toStrictEqual(loadProcedures(SHIPPED));
  });
});
