// Crash torture in small (the real CLI SIGKILLed at random moments), and the invariant checker catching corruptions.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../tools/fake-openai.js';
import { checkMemory } from '../tools/invariants.js';
import { runTorture } from '../tools/torture.js';
import { ROOT, runCli, tempDir } from './support/cli.js';

describe('torture: SIGKILL, SIGTERM and SIGHUP at random moments, then a full disk', () => {
  // The short version (three kills: the rotation's SIGKILL, SIGTERM, SIGHUP, and a 64 KB disk that fills after about
  // 8 iterations); `npm run torture` runs the long one (--kills N, a 320 KB disk: about 300) and its
  // damage phase (segments deleted, cut short, copied; CRLF, CR, CRCRLF line endings), whose cases run here in
  // process in test/log-segments.test.ts and test/log-endings.test.ts. Its limit is for a loaded machine: the test
  // checks invariants, never speed.
  it('survives kills of each kind with every invariant holding, and a disk that fills under a run', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const r = await runTorture({ kills: 3, iterations: 8, seed: 20240611, diskKb: 64, damage: false, log: (l) => lines.push(l) });
    expect(r.problems, lines.join('\n')).toEqual([]);
    expect(r.kills).toBeGreaterThanOrEqual(3);
    expect(r.sessions).toBeGreaterThanOrEqual(1);
    expect(r.iterations).toBe(r.sessions * 8);
    // Every kind of kill happened, and jupiter itself answered some SIGTERM/SIGHUP (exit 143/129, strict check).
    expect(Object.keys(r.bySignal).sort()).toEqual(['SIGHUP', 'SIGKILL', 'SIGTERM']);
    expect(r.graceful).toBeGreaterThan(0);
    expect(r.damage).toBeUndefined();
    // The full-disk phase needs a tmpfs (root); where it cannot run, it says so rather than pass silently.
    const disk = r.fullDisk!;
    if (disk.skipped) expect(disk.skipped).toMatch(/cannot mount a small tmpfs/);
    else {
      expect(disk.message).toMatch(/^jupiter: cannot write in \S+memory(\/\.jupiter)?: no space left on the device \(ENOSPC\)/);
      expect(disk.before).toBeGreaterThan(0);
      expect(disk.after).toBeGreaterThan(disk.before!);
    }
  });
});

describe('checkMemory', () => {
  let server: FakeOpenAI;
  let pristine: string;
  const planJson = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));

  beforeAll(async () => {
    server = await startFakeOpenAI(() => ({ content: planJson, usage: { prompt_tokens: 100, completion_tokens: 50, cached_tokens: 10 } }));
    pristine = path.join(tempDir(), 'memory');
    const r = await plan(pristine, 'Deploy the orchestrator', 4);
    expect(r.code, r.stderr).toBe(0);
  });
  const plan = (memory: string, goal: string, n: number) =>
    runCli(
      ['plan', goal, '--provider', 'custom', '--base-url', server.url, '--model', 'test-model', '--unattended', '-n', String(n), '-c', '2', '--memory', memory],
      { env: { JUPITER_API_KEY: 'sk-test-torture' } },
    );
  afterAll(async () => {
    await server.close();
  });

  /** A private copy of the real folder to corrupt. */
  const copy = () => {
    const dir = path.join(tempDir(), 'memory');
    cpSync(pristine, dir, { recursive: true });
    return dir;
  };
  const sessionFile = (dir: string) => path.join(dir, 'sessions', readdirSync(path.join(dir, 'sessions')).find((n) => n.endsWith('.json'))!);

  it('passes a folder left by a real run', async () => {
    const r = await checkMemory(copy(), { requireCompleted: true });
    expect(r).toMatchObject({ ok: true, problems: [], iterations: 4, sessions: 1 });
  });

  it('detects a duplicated log section', async () => {
    const dir = copy();
    const log = path.join(dir, 'execution_log.md');
    const text = readFileSync(log, 'utf8');
    appendFileSync(log, text.slice(text.lastIndexOf('## Iteration ')));
    const r = await checkMemory(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/iteration #5 is iteration 4 \(duplicate or gap\)/);
    // The copied section repeats a seq (checkpoint records may follow it, so which record number varies).
    expect(r.problems.join('\n')).toMatch(/record #\d+ has seq \d+ \(expected \d+\)/);
  });

  it('detects a session whose counters disagree with the log', async () => {
    const dir = copy();
    const file = sessionFile(dir);
    const state = parse(readFileSync(file, 'utf8')) as { progress: { approved: number; failed: number } };
    state.progress.approved -= 1;
    state.progress.failed += 1;
    writeFileSync(file, JSON.stringify(state));
    const r = await checkMemory(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/file says completed 4, approved 0, failed 1, errors 0; log says completed 4, approved 1, failed 0, errors 0/);
  });

  it('detects a leftover temp file (tolerated only right after a crash)', async () => {
    const dir = copy();
    writeFileSync(path.join(dir, 'sessions', '.jupiter-tmp-x.yaml.999999.abcd'), 'half');
    const strict = await checkMemory(dir);
    expect(strict.ok).toBe(false);
    expect(strict.problems).toEqual([expect.stringMatching(/\.jupiter-tmp-x\.yaml\.999999\.abcd: temp file left behind/)]);
    const crash = await checkMemory(dir, { afterCrash: true });
    expect(crash).toMatchObject({ ok: true, tolerated: ['temp-files'] });
  });

  it('detects a derived file whose counts differ from a replay of the log', async () => {
    const dir = copy();
    const file = path.join(dir, 'successful_patterns.md');
    const text = readFileSync(file, 'utf8');
    const count = /^- ×(\d+) · /m.exec(text)![1]!;
    writeFileSync(file, text.replace(`- ×${count} · `, '- ×7 · '));
    const r = await checkMemory(dir);
    expect(r.problems.join('\n')).toMatch(
      new RegExp(`successful_patterns\\.md: \\d+ item\\(s\\) disagree with a replay of the log: .*×7/h0, replay ×${count}/h0`),
    );
  });

  it('the next run clears debris killed processes leave outside the commit path (orphan session lock, lock temps, .jupiter temps)', async () => {
    const dir = copy();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const holder = JSON.stringify({ pid: dead, host: os.hostname(), since: new Date().toISOString(), purpose: 'session x' });
    // `plan` killed after locking its new session, before first saving it: a lock for a session that does not exist.
    writeFileSync(path.join(dir, 'sessions', '20240101-000000-never-saved-abcd.lock'), holder);
    // Killed between writing its holder file and linking it into place.
    writeFileSync(path.join(dir, '.jupiter', `write.lock.${dead}.k3y9x.new`), holder);
    writeFileSync(path.join(dir, 'sessions', `20240101-000000-never-saved-abcd.lock.stale.${dead}`), holder);
    // Killed while remembering the endpoint's output mode.
    writeFileSync(path.join(dir, '.jupiter', `.jupiter-tmp-endpoints.json.${dead}.0a1b2c3d`), '{');
    expect((await checkMemory(dir)).problems).toHaveLength(4);
    expect(await checkMemory(dir, { afterCrash: true })).toMatchObject({ ok: true, tolerated: ['stale-lock', 'temp-files'] });
    const r = await plan(dir, 'Deploy the orchestrator v2', 2);
    expect(r.code, r.stderr).toBe(0);
    expect(await checkMemory(dir, { requireCompleted: true })).toMatchObject({ ok: true, problems: [], iterations: 6, sessions: 2 });
  });
});
