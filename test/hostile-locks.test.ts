// Locks that lie: a PID reused by an unrelated live process, a zombie, a holder from before a restart, a holder on
// another host. Identity beyond the PID lets jupiter take over what is certainly stale; `jupiter unlock` breaks the
// rest on a person's word; a wait for a live holder is announced, never silent.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { holderGone, selfIdentity } from '../src/core/fs/owner.js';
import { ROOT, runCli, SHIPPED, tempDir, cleanEnv, BIN } from './support/cli.js';

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A live process that is not jupiter, until the test ends it (its stdin closing). Its argv never says "jupiter". */
function bystander(): Promise<{ pid: number; start: string }> {
  const c = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); process.stdin.resume();'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(c);
  return new Promise((resolve) =>
    c.stdout.once('data', () => resolve({ pid: c.pid!, start: readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]! })),
  );
}

/** A zombie: a child that exited and that its parent (perl, spinning until it sees the `Z`) never reaps. */
function zombie(): Promise<number> {
  const c = spawn(
    'perl',
    ['-e', 'my $p = fork(); if ($p == 0) { exit 0 } while ((split / /, `cat /proc/$p/stat`)[2] ne "Z") {} print "$p\\n"; $| = 1; <STDIN>;'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(c);
  return new Promise((resolve) => c.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
}

let BASE: string;
let SESSION: string;

beforeAll(async () => {
  BASE = tempDir('jupiter-locks-base-');
  const r = await runCli(['plan', 'Deploy the orchestrator', '-n', '2', '-c', '0', '--unattended', '--procedures', SHIPPED], { cwd: BASE });
  expect(r.code, r.stderr).toBe(0);
  SESSION = readdirSync(path.join(BASE, 'memory', 'sessions'))
    .find((n) => n.endsWith('.json'))!
    .slice(0, -5);
}, 60_000);

/** A copy of the base folder whose session is resumable (2 of 3 iterations done), with `holder` in its session lock. */
function lockedCopy(holder: Record<string, unknown>): { cwd: string; lock: string } {
  const cwd = tempDir('jupiter-locks-');
  cpSync(BASE, cwd, { recursive: true });
  const file = path.join(cwd, 'memory', 'sessions', `${SESSION}.json`);
  writeFileSync(
    file,
    readFileSync(file, 'utf8')
      .replace('"status": "completed"', '"status": "interrupted"')
      .replace(/"iterations": 2\b/, '"iterations": 3'),
  );
  const lock = path.join(cwd, 'memory', 'sessions', `${SESSION}.lock`);
  writeFileSync(lock, JSON.stringify({ host: os.hostname(), since: '2025-01-01T00:00:00.000Z', purpose: `session ${SESSION}`, ...holder }));
  return { cwd, lock };
}

/** The lock was taken over: the resume ran to its end (the built-in planner may prove its plan optimal early). */
async function resumesAndCompletes(cwd: string): Promise<void> {
  const r = await runCli(['resume', SESSION, '--unattended'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/already running/);
  const state = parse(readFileSync(path.join(cwd, 'memory', 'sessions', `${SESSION}.json`), 'utf8')) as { status: string; updatedAt: string };
  expect(state.status).toBe('completed');
  expect(state.updatedAt > '2025-01-02').toBe(true);
  expect(existsSync(path.join(cwd, 'memory', 'sessions', `${SESSION}.lock`))).toBe(false);
}

describe('owner identity beyond the PID', () => {
  it('this process records its boot and start time, and is never "gone" to itself', () => {
    const me = selfIdentity();
    expect(me).toMatchObject({ pid: process.pid, host: os.hostname(), boot: expect.stringMatching(/\w/), start: expect.stringMatching(/^\d+$/) });
    expect(holderGone(me)).toBeNull();
    // Our own PID with another start time: a restarted container's earlier process that had the same PID.
    expect(holderGone({ ...me, start: String(Number(me.start) - 1) })).toBe('PID reused by another process');
    expect(holderGone({ ...me, boot: 'another-boot' })).toBe('machine restarted');
    expect(holderGone({ ...me, host: 'elsewhere' })).toBeNull();
  });

  it('a live unrelated process, a reused PID, a zombie and a dead PID are each recognised', async () => {
    const other = await bystander();
    const base = { host: os.hostname(), boot: selfIdentity().boot! };
    expect(holderGone({ ...base, pid: other.pid, start: other.start })).toBeNull();
    expect(holderGone({ ...base, pid: other.pid, start: String(Number(other.start) + 7) })).toBe('PID reused by another process');
    // A lock from before start times were recorded: alive only if that PID runs jupiter.
    expect(holderGone({ host: os.hostname(), pid: other.pid })).toBe('not a jupiter process');
    expect(holderGone({ ...base, pid: await zombie() })).toBe('zombie');
    expect(holderGone({ ...base, pid: 2 ** 22 + 17 })).toBe('process gone');
  });
});

describe('resume takes over a session lock whose holder is certainly gone', () => {
  it('held by the PID of a live unrelated process (an old-format lock)', async () => {
    const { cwd } = lockedCopy({ pid: (await bystander()).pid });
    await resumesAndCompletes(cwd);
  });

  it('held by a reused PID (the process at that PID started after the lock was taken)', async () => {
    const other = await bystander();
    const { cwd } = lockedCopy({ pid: other.pid, start: String(Number(other.start) + 1000), boot: selfIdentity().boot });
    await resumesAndCompletes(cwd);
  });

  it('held by a zombie', async () => {
    const { cwd } = lockedCopy({ pid: await zombie(), start: '1', boot: selfIdentity().boot });
    await resumesAndCompletes(cwd);
  });

  it('held by a process from before the machine restarted', async () => {
    const { cwd } = lockedCopy({ pid: process.pid, start: selfIdentity().start, boot: 'a-boot-before-the-restart' });
    await resumesAndCompletes(cwd);
  });
});

describe('jupiter unlock', () => {
  it('a holder on another host is not guessed at: resume says how to break it, unlock needs --force, then resume runs', async () => {
    const { cwd, lock } = lockedCopy({ pid: 4242, host: 'ephemeral-container-7f3a', boot: 'x', start: '1' });
    const refused = await runCli(['resume', SESSION, '--unattended'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`process 4242 on ephemeral-container-7f3a.*\`jupiter unlock ${SESSION}\` breaks the lock`));
    const noForce = await runCli(['unlock', SESSION], { cwd });
    expect(noForce.code).toBe(2);
    expect(noForce.stderr).toMatch(/may still be running: stop it first, or if it is gone, pass --force/);
    expect(existsSync(lock)).toBe(true);
    const forced = await runCli(['unlock', SESSION, '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`unlocked ${SESSION}: was held by process 4242 on ephemeral-container-7f3a .*\\(forced\\)`));
    await resumesAndCompletes(cwd);
  });

  it('without a name: breaks every lock whose holder is gone, keeps a live one, names each', async () => {
    const live = await bystander();
    const { cwd, lock } = lockedCopy({ pid: 2 ** 22 + 3 });
    const write = path.join(cwd, 'memory', '.jupiter', 'write.lock');
    writeFileSync(
      write,
      JSON.stringify({ pid: live.pid, host: os.hostname(), start: live.start, boot: selfIdentity().boot, since: 'now', purpose: 'memory write' }),
    );
    const r = await runCli(['unlock'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`unlocked ${SESSION}: was held by process ${2 ** 22 + 3} .*\\(process gone\\)`));
    expect(r.stdout).toMatch(new RegExp(`kept     memory: held by process ${live.pid} .*\\(running on this host as PID ${live.pid}: stop it first`));
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(write)).toBe(true);
    // --force never breaks a holder alive on this host (issue 23: a second run then duplicated iterations).
    const forced = await runCli(['unlock', 'memory', '--force'], { cwd });
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(`running on this host as PID ${live.pid}: stop it first`);
    expect(existsSync(write)).toBe(true);
    const unknown = await runCli(['unlock', 'no-such-session'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no lock named "no-such-session" .*\(locks: memory\)/);
  });

  it('a command waiting for a live holder of the memory lock says so, and goes on when it is released', async () => {
    const cwd = tempDir('jupiter-wait-');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      const { acquireLock } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'core', 'fs', 'lock.js')).href)});
      const lock = await acquireLock(${JSON.stringify(path.join(cwd, 'memory', '.jupiter', 'write.lock'))}, 'memory write');
      process.stdout.write('held\\n');
      process.stdin.on('end', async () => { await lock.release(); process.exit(0); });
      process.stdin.resume();
    `,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    children.push(holder);
    await new Promise((r) => holder.stdout.once('data', r));
    const run = spawn(process.execPath, [BIN, 'plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--unattended', '--procedures', SHIPPED], {
      cwd,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((r) => run.on('close', (code) => r(code)));
    await new Promise<void>((resolve) =>
      run.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('waiting for')) resolve();
      }),
    );
    expect(stderr).toMatch(new RegExp(`^jupiter: waiting for process ${holder.pid} on \\S+ since \\S+ \\(memory write\\) to release .*write\\.lock`, 'm'));
    holder.stdin.end();
    expect(await exited, stderr).toBe(0);
  });
});
