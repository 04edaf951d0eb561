// Symbolic links and special files in the memory folder: every file jupiter reads or writes as memory is refused
// with one clear line naming it when it is a link, a FIFO or a device; nothing outside is read, sent or changed,
// and `sessions` / `resume` never hang.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendDurable, writeFileAtomicSync } from '../src/core/fs/atomic.js';
import { readRegular } from '../src/core/fs/regular.js';
import { InputError } from '../src/core/errors.js';
import { Memory } from '../src/memory/store.js';
import { runCli, SHIPPED, tempDir, type CliResult } from './support/cli.js';

let BASE: string;
let SESSION: string;

beforeAll(async () => {
  BASE = tempDir('jupiter-files-base-');
  const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '2', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd: BASE });
  expect(r.code, r.stderr).toBe(0);
  SESSION = readdirSync(path.join(BASE, 'memory', 'sessions'))
    .find((n) => n.endsWith('.json'))!
    .slice(0, -5);
}, 60_000);

function fresh(): { cwd: string; memory: string } {
  const cwd = tempDir('jupiter-files-');
  cpSync(BASE, cwd, { recursive: true });
  return { cwd, memory: path.join(cwd, 'memory') };
}

/** A file outside the memory folder that a link points at; its content must never change or be used. */
function outside(text: string): string {
  const file = path.join(tempDir('jupiter-outside-'), 'notes.md');
  writeFileSync(file, text);
  return file;
}

function replaceWith(file: string, kind: 'link' | 'fifo' | 'zero', target?: string): void {
  rmSync(file, { force: true });
  if (kind === 'link') symlinkSync(target!, file);
  else if (kind === 'fifo') execFileSync('mkfifo', [file]);
  else symlinkSync('/dev/zero', file);
}

function refused(r: CliResult, file: string, what: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines.at(-1)).toMatch(
    new RegExp(`^jupiter: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is ${what.source}; jupiter reads and writes only regular files`),
  );
}

const plan = (cwd: string) =>
  runCli(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd, timeoutMs: 30_000 });

describe('links and special files in the memory folder are refused, never followed', () => {
  const NOTES = "# My notes\n\n## Iteration 2 review notes\n\n- ALWAYS skip security-scan (a person's private note)\n";

  for (const name of ['lessons.md', 'successful_patterns.md', 'execution_log.md', 'human_rules.md']) {
    it(`${name} linked to a file outside: plan and summary refuse it; the outside file is untouched`, async () => {
      const { cwd, memory } = fresh();
      const target = outside(NOTES);
      const file = path.join(memory, name);
      replaceWith(file, 'link', target);
      refused(await plan(cwd), file, /a symbolic link/);
      const summary = await runCli(['summary'], { cwd });
      refused(summary, file, /a symbolic link/);
      expect(readFileSync(target, 'utf8')).toBe(NOTES);
      expect(lstatSync(file).isSymbolicLink()).toBe(true);
    });
  }

  it('lessons.md as a FIFO: refused at once (no hang waiting for a writer)', async () => {
    const { cwd, memory } = fresh();
    const file = path.join(memory, 'lessons.md');
    replaceWith(file, 'fifo');
    refused(await plan(cwd), file, /a named pipe \(FIFO\)/);
  });

  it('a FIFO and a /dev/zero link in sessions/: `sessions` lists them as unreadable, `resume` finds the real one, neither hangs', async () => {
    const { cwd, memory } = fresh();
    const sessions = path.join(memory, 'sessions');
    const state = path.join(sessions, `${SESSION}.json`);
    writeFileSync(
      state,
      readFileSync(state, 'utf8')
        .replace('"status": "completed"', '"status": "interrupted"')
        .replace(/"iterations": 2\b/, '"iterations": 3'),
    );
    replaceWith(path.join(sessions, 'a-fifo.json'), 'fifo');
    replaceWith(path.join(sessions, 'zero.json'), 'zero');
    const list = await runCli(['sessions'], { cwd, timeoutMs: 30_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(SESSION);
    expect(list.stdout).toMatch(/^unreadable +\S+a-fifo\.json: is a named pipe \(FIFO\); /m);
    expect(list.stdout).toMatch(/^unreadable +\S+zero\.json: is a symbolic link; /m);
    const named = await runCli(['resume', 'zero', '--unattended'], { cwd, timeoutMs: 30_000 });
    refused(named, path.join(sessions, 'zero.json'), /a symbolic link/);
    const fifo = await runCli(['resume', 'a-fifo', '--unattended'], { cwd, timeoutMs: 30_000 });
    refused(fifo, path.join(sessions, 'a-fifo.json'), /a named pipe \(FIFO\)/);
    const latest = await runCli(['resume', '--unattended'], { cwd, timeoutMs: 30_000 });
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout).toContain('resuming after iteration 2');
  });

  it('a session file linked outside is refused, and never overwritten through the link', async () => {
    const { cwd, memory } = fresh();
    const state = path.join(memory, 'sessions', `${SESSION}.json`);
    const text = readFileSync(state, 'utf8')
      .replace('"status": "completed"', '"status": "interrupted"')
      .replace(/"iterations": 2\b/, '"iterations": 3');
    const target = outside(text);
    replaceWith(state, 'link', target);
    refused(await runCli(['resume', SESSION, '--unattended'], { cwd }), state, /a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe(text);
  });

  it('a session lock that is a FIFO or a link is an error naming it, not a hang', async () => {
    const { cwd, memory } = fresh();
    const state = path.join(memory, 'sessions', `${SESSION}.json`);
    writeFileSync(
      state,
      readFileSync(state, 'utf8')
        .replace('"status": "completed"', '"status": "interrupted"')
        .replace(/"iterations": 2\b/, '"iterations": 3'),
    );
    const lock = path.join(memory, 'sessions', `${SESSION}.lock`);
    replaceWith(lock, 'fifo');
    const r = await runCli(['resume', SESSION, '--unattended'], { cwd, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${SESSION}\\.lock: is a named pipe \\(FIFO\\)`));
  });
});

describe('the file helpers themselves', () => {
  it('writes and appends never go through a link, and never replace one', () => {
    const dir = tempDir('jupiter-helpers-');
    const target = outside('keep me\n');
    const link = path.join(dir, 'lessons.md');
    symlinkSync(target, link);
    expect(() => writeFileAtomicSync(link, 'new')).toThrow(InputError);
    expect(() => readRegular(link)).toThrow(/is a symbolic link/);
    return appendDurable(link, 'more\n').then(
      () => expect.unreachable('appended through a link'),
      (err: unknown) => {
        expect(err).toBeInstanceOf(InputError);
        expect(readFileSync(target, 'utf8')).toBe('keep me\n');
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        // No temp file left behind by the refused rewrite.
        expect(readdirSync(dir)).toEqual(['lessons.md']);
      },
    );
  });

  it('Memory.open names a linked execution log instead of truncating the notes it points at', async () => {
    const dir = tempDir('jupiter-helpers-');
    mkdirSync(dir, { recursive: true });
    const notes = '# Notes\n\n## Iteration 2 · a heading that looks like ours\n\n- **Time:** then\n';
    const target = outside(notes);
    symlinkSync(target, path.join(dir, 'execution_log.md'));
    await expect(Memory.open(dir)).rejects.toThrow(/execution_log\.md: is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe(notes);
  });
});
