// Files jupiter creates are created, never opened through a link someone put in their place (issue 23: the
// memory lock's `.wanted` file overwrote an outside file through a symbolic link).
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfIdentity } from '../src/core/fs/owner.js';
import { underWriteLock } from '../src/memory/write-lock.js';
import { runCli, tempDir } from './support/cli.js';

/** A file outside the folder jupiter writes to, and what it holds. */
function outside(): { file: string; text: string } {
  const file = path.join(tempDir('jupiter-outside-'), 'precious.txt');
  writeFileSync(file, 'precious\n');
  return { file, text: 'precious\n' };
}

describe('no write follows a link', () => {
  it('asking a live holder for the memory lock leaves the target of a linked `.wanted` untouched', async () => {
    const internal = path.join(tempDir(), 'memory', '.jupiter');
    mkdirSync(internal, { recursive: true });
    const lock = path.join(internal, 'write.lock');
    // A live holder (this very process, as another holder would name itself): the contender must ask and wait.
    writeFileSync(lock, JSON.stringify({ ...selfIdentity(), since: new Date().toISOString(), purpose: 'a run' }));
    const target = outside();
    symlinkSync(target.file, `${lock}.wanted`);
    let asked = 0;
    const result = await underWriteLock(lock, 'test', async () => 'held', {
      keep: false,
      noticeMs: 0,
      // The holder lets go as soon as the contender says it is waiting (before it leaves its request).
      onWait: () => {
        asked++;
        rmSync(lock);
      },
    });
    expect([result, asked]).toEqual(['held', 1]);
    expect(readFileSync(target.file, 'utf8')).toBe(target.text);
  });

  it('`init` never creates a file through a dangling link in procedures/', async () => {
    const cwd = tempDir();
    const missing = path.join(tempDir('jupiter-outside-'), 'created-outside.yaml');
    mkdirSync(path.join(cwd, 'procedures'));
    symlinkSync(missing, path.join(cwd, 'procedures', 'access-review.yaml'));
    const r = await runCli(['init'], { cwd });
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('access-review.yaml: is a link to a file that does not exist')]);
    expect(() => readFileSync(missing)).toThrow(/ENOENT/);
  });

  it('`init --force` never overwrites the target of a linked jupiter.config.yaml', async () => {
    const cwd = tempDir();
    const target = outside();
    symlinkSync(target.file, path.join(cwd, 'jupiter.config.yaml'));
    const r = await runCli(['init', '--force'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jupiter.config.yaml');
    expect(readFileSync(target.file, 'utf8')).toBe(target.text);
  });
});
