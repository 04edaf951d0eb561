// The lean commit path: one durable append per iteration, derived files at flush, plans stored once, log segments.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsIn, segments } from '../src/memory/log-file.js';
import { readLogAll, readLogRange } from '../src/memory/log-range.js';
import { briefRecord } from '../src/memory/record.js';
import { planId } from '../src/procedures/quality.js';
import { Memory } from '../src/memory/store.js';
import { SessionStore } from '../src/engine/sessions.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import type { SessionState } from '../src/engine/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { SHIPPED } from './support/cli.js';
import { approved, consistency, failed, fileCounts, finding, memDir, read, recordLineCount, replayCounts, review } from './support/memory-fixtures.js';

const A = ['open-change-ticket', 'run-tests', 'deploy-staging', 'deploy-production'];
const B = ['open-change-ticket', 'run-tests', 'deploy-production'];

/** Every file under `dir` with its size and modification time, to see exactly what a step wrote. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.set(path.relative(dir, p), `${st.size}:${st.mtimeMs}:${st.ino}`);
      }
    }
  };
  walk(dir);
  return out;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((k) => before.get(k) !== after.get(k)).sort();
}

const commitMix = async (memory: Memory, session: string, from: number, to: number) => {
  for (let i = from; i <= to; i++) {
    if (i % 4 === 0)
      await memory.commitIteration(failed(session, i, ['deploy-production'], [finding('tests-before-deploy', 1, 'add run-tests before step 1')]));
    else await memory.commitIteration(approved(session, i, i % 3 ? A : B));
  }
};

/** An unattended built-in session on the shipped deploy goal, as `plan` would start it. */
function deploySession(id: string, goalText = 'Goal'): SessionState {
  const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');
  const settings = defaultSessionSettings(SHIPPED, { iterations: 50, unattended: true, patience: 0, repairs: 0, maxFailures: 1 });
  return newSession(id, goalText, target, settings, new Date());
}

describe('one durable append per iteration', () => {
  it('between flushes a commit writes only the log and a new plan file; flush writes the derived files', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { flushEvery: 1000 });
    await commitMix(memory, 's1', 1, 4);
    await memory.flush();
    const before = snapshot(dir);
    await memory.commitIteration(approved('s1', 5, A));
    await memory.commitIteration(approved('s1', 6, [...A, 'smoke-test']));
    // The lock file is held across commits, not created and removed per commit.
    expect(changed(before, snapshot(dir))).toEqual(['execution_log.md', `plans/${planId(approved('s1', 6, [...A, 'smoke-test']).plan!)}.json`]);
    expect(existsSync(path.join(dir, '.jupiter', 'write.lock'))).toBe(true);
    // The markdown still says what it said at open; recall already knows the new items.
    expect(read(dir, 'successful_patterns.md')).not.toContain('smoke-test');
    expect((await memory.items()).some((i) => i.text.includes('smoke-test'))).toBe(true);

    await memory.flush();
    expect(read(dir, 'successful_patterns.md')).toContain('smoke-test');
    expect(read(dir, 'successful_patterns.md')).toContain('<!-- jupiter: through log entry 6 -->');
    expect(consistency(dir).got).toEqual(consistency(dir).want);
    // A flush with nothing new writes nothing.
    const flushed = snapshot(dir);
    await memory.flush();
    expect(changed(flushed, snapshot(dir))).toEqual([]);
    await memory.close();
    expect(existsSync(path.join(dir, '.jupiter', 'write.lock'))).toBe(false);
  });

  it('derived files are written every flushEvery commits even without a flush', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { flushEvery: 3 });
    await commitMix(memory, 's1', 1, 2);
    expect(existsSync(path.join(dir, 'successful_patterns.md'))).toBe(false);
    await commitMix(memory, 's1', 3, 3);
    expect(read(dir, 'successful_patterns.md')).toContain('<!-- jupiter: through log entry 3 -->');
    await memory.close();
  });

  it('a process killed between flushes loses nothing: the next open replays the log past the watermark exactly once', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { flushEvery: 1000 });
    await commitMix(memory, 's1', 1, 5);
    await memory.flush();
    await commitMix(memory, 's1', 6, 13);
    await memory.commitReview(review('s1', 13, 'rejection', 'Run the database migration before the deploy', A));
    // No flush and no close: as if killed here. The files on disk are at entry 5, the log at 14.
    expect(read(dir, 'lessons.md')).toContain('<!-- jupiter: through log entry 5 -->');
    const want = (await memory.items()).map((i) => `${i.id}:${i.count}:${i.human}`).sort();
    // A kill also leaves the lock file naming a process that is gone; here the holder is alive, so let it go first.
    await memory.close();
    rmSync(path.join(dir, 'successful_patterns.md'));
    renameSync(path.join(dir, 'lessons.md'), path.join(dir, 'lessons.old'));
    const reopened = await Memory.open(dir, { flushEvery: 1000 });
    expect((await reopened.items()).map((i) => `${i.id}:${i.count}:${i.human}`).sort()).toEqual(want);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
    await reopened.close();
  });

  it('a person editing a lagging file mid-run keeps the edit and the commits it had not seen', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { flushEvery: 1000 });
    await commitMix(memory, 's1', 1, 3);
    await memory.flush();
    await commitMix(memory, 's1', 4, 8);
    // The person edits the file as it is on disk (through entry 3), adding a lesson of their own.
    const file = path.join(dir, 'lessons.md');
    const text = read(dir, 'lessons.md').replace('<!-- jupiter: through', '- Always page the on-call SRE before a deploy\n\n<!-- jupiter: through');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, text));
    const items = await memory.items();
    expect(items.some((i) => i.text === 'Always page the on-call SRE before a deploy')).toBe(true);
    await memory.commitIteration(approved('s1', 9, A));
    await memory.flush();
    expect(read(dir, 'lessons.md')).toContain('Always page the on-call SRE before a deploy');
    // Counts equal a replay of the log: the commits 4..8 were applied on top of the edited file once.
    const lesson = (await memory.items()).find((i) => i.text.includes('tests-before-deploy'));
    expect(lesson?.count).toBe(2);
    await memory.close();
  });
});

describe('plans stored once, referenced from the log', () => {
  it('the first record of a plan in a process carries its steps; later ones name the plan; reads get the steps back', async () => {
    const dir = memDir();
    const m1 = await Memory.open(dir);
    for (let i = 1; i <= 4; i++) await m1.commitIteration(approved('s1', i, A));
    await m1.close();
    const m2 = await Memory.open(dir);
    await m2.commitIteration(approved('s2', 1, A));
    await m2.commitReview(review('s2', 1, 'human-approval', undefined, A));
    await m2.close();
    const log = read(dir, 'execution_log.md');
    const raw = [...log.matchAll(/^<!-- jupiter:entry (\{.*\}) -->$/gm)].map((m) => JSON.parse(m[1]!) as { steps?: unknown; planId?: string });
    // Only the first record carries the steps (a process that has not read the carrier carries them again).
    expect(raw.slice(0, 4).map((r) => r.steps !== undefined)).toEqual([true, false, false, false]);
    expect(raw.filter((r) => r.steps !== undefined).length).toBeLessThanOrEqual(2);
    expect(new Set(raw.map((r) => r.planId))).toEqual(new Set([planId(approved('s1', 1, A).plan!)]));
    expect(readdirSync(path.join(dir, 'plans'))).toEqual([`${planId(approved('s1', 1, A).plan!)}.json`]);
    expect(recordsIn(log).records.every((r) => r.steps?.length === A.length)).toBe(true);
    // The log is the truth: without the plan file, a fresh open still replays every record's steps.
    rmSync(path.join(dir, 'plans'), { recursive: true });
    rmSync(path.join(dir, 'successful_patterns.md'));
    const m3 = await Memory.open(dir);
    expect((await m3.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(consistency(dir).got).toEqual(consistency(dir).want);
    expect((await m3.items()).find((i) => i.data.type === 'exemplar' && i.data.steps.includes('deploy-staging'))?.count).toBe(5);
    await m3.close();
  });

  it('old per-iteration plan files are still read', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(dir, 'plans', 'old-session'), { recursive: true });
    writeFileSync(path.join(dir, 'plans', 'old-session', '7.yaml'), 'title: Old\nsummary: old\nsteps:\n  - action: run-tests\n');
    expect((await memory.planOf({ session: 'old-session', iteration: 7 }))?.steps.map((s) => s.action)).toEqual(['run-tests']);
    await memory.commitIteration(approved('s1', 1, A));
    const rec = (await memory.records()).at(-1)!;
    expect((await memory.planOf(rec))?.steps.map((s) => s.action)).toEqual(A);
    await memory.close();
  });
});

describe('log segments', () => {
  it('the log rotates into numbered segments; sequence, replay and reads by session span them', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { segmentBytes: 4096 });
    await commitMix(memory, 's1', 1, 20);
    await commitMix(memory, 's2', 1, 5);
    await commitMix(memory, 's1', 21, 25);
    const segs = segments(path.join(dir, 'execution_log.md'));
    expect(segs.length).toBeGreaterThanOrEqual(2);
    expect(segs.map((s) => path.basename(s))).toEqual(segs.map((_, i) => `execution_log.${String(i + 1).padStart(4, '0')}.md`));
    const files = [...segs, path.join(dir, 'execution_log.md')];
    for (const f of files) expect(statSync(f).size).toBeLessThan(4096 + 2048);
    const all = files.map((f) => readFileSync(f, 'utf8'));
    for (const text of all) expect(text.startsWith('# Execution log')).toBe(true);
    expect(recordsIn(all.join('')).records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await memory.flush();
    expect(fileCounts(path.join(dir, 'successful_patterns.md'), 'pattern')).toEqual(replayCounts(all.join('')).patterns);
    // Rebuild everything derived from the segments alone.
    const want = (await memory.items()).map((i) => `${i.id}:${i.count}`).sort();
    await memory.close();
    rmSync(path.join(dir, 'successful_patterns.md'));
    rmSync(path.join(dir, 'lessons.md'));
    rmSync(path.join(dir, 'plans'), { recursive: true });
    const reopened = await Memory.open(dir, { segmentBytes: 4096 });
    expect(reopened.seq).toBe(30);
    expect((await reopened.records()).map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // One session's records, found in the segments that hold them, in order: s2's five lie between s1's.
    expect((await reopened.records({ session: 's2' })).map((r) => r.iteration)).toEqual([1, 2, 3, 4, 5]);
    expect((await reopened.records({ session: 's1' })).map((r) => r.iteration)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await reopened.items()).map((i) => `${i.id}:${i.count}`).sort()).toEqual(want);
    await reopened.close();
  });

  it('a crash right after a rotation (no current segment yet) continues the sequence', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { segmentBytes: 1 << 30 });
    await commitMix(memory, 's1', 1, 5);
    await memory.close();
    renameSync(path.join(dir, 'execution_log.md'), path.join(dir, 'execution_log.0001.md'));
    const reopened = await Memory.open(dir);
    expect(reopened.seq).toBe(5);
    await reopened.commitIteration(approved('s1', 6, A));
    const current = read(dir, 'execution_log.md');
    expect(current.startsWith('# Execution log')).toBe(true);
    expect(recordLineCount(current)).toBe(1);
    expect(recordsIn(current).records[0]!.seq).toBe(6);
    expect((await reopened.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await reopened.close();
  });
});

describe('the log is its own index', () => {
  it("a session's records are found by bisecting a log of several segments, exactly those the whole log holds", async () => {
    const dir = memDir();
    const memory = await Memory.open(dir, { segmentBytes: 80 * 1024, flushEvery: 1000, durable: false });
    // Five sessions in runs of 30, three rounds: 450 records, each session's spread over the whole log.
    for (let round = 0; round < 3; round++) for (let k = 0; k < 5; k++) await commitMix(memory, `s${k}`, round * 30 + 1, round * 30 + 30);
    await memory.close();
    const log = path.join(dir, 'execution_log.md');
    // Big enough segments that a range is bisected (not scanned) within each.
    expect(segments(log).length).toBeGreaterThanOrEqual(2);
    for (const f of segments(log)) expect(statSync(f).size).toBeGreaterThan(64 * 1024);
    const all = readLogAll(log, briefRecord);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    const reader = await Memory.open(dir, { create: false });
    for (let k = 0; k < 5; k++)
      expect((await reader.records({ session: `s${k}` })).map((r) => r.iteration)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    // Any stretch of the log, wherever it starts and ends (segment borders included).
    for (const [from, to] of [
      [1, 1],
      [1, 450],
      [37, 38],
      [149, 301],
      [220, 260],
      [449, 450],
      [451, 500],
    ] as const)
      expect((await readLogRange(log, from, to)).map((r) => r.seq)).toEqual(all.filter((r) => r.seq >= from && r.seq <= to).map((r) => r.seq));
    // The same with CRLF line endings (an editor or git autocrlf rewrote the segments).
    const { writeFileSync } = await import('node:fs');
    for (const f of [...segments(log), log]) writeFileSync(f, readFileSync(f, 'utf8').replace(/\n/g, '\r\n'));
    for (const [from, to] of [
      [37, 38],
      [149, 301],
      [449, 450],
    ] as const)
      expect((await readLogRange(log, from, to)).map((r) => r.seq)).toEqual(all.filter((r) => r.seq >= from && r.seq <= to).map((r) => r.seq));
  });

  it('an index left by an older version is removed when a writer opens the folder (the log holds every record)', async () => {
    const dir = memDir();
    const memory = await Memory.open(dir);
    await commitMix(memory, 's1', 1, 3);
    await memory.close();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, '.jupiter', 'index.jsonl'), '{"seq":1}\n'.repeat(3));
    const reader = await Memory.open(dir, { create: false });
    expect((await reader.records()).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(existsSync(path.join(dir, '.jupiter', 'index.jsonl'))).toBe(true);
    const writer = await Memory.open(dir);
    expect(existsSync(path.join(dir, '.jupiter', 'index.jsonl'))).toBe(false);
    expect((await writer.records({ session: 's1' })).map((r) => r.seq)).toEqual([1, 2, 3]);
    await writer.close();
  });

  it("a section names its run and goal when it starts a run's stretch of the log, and only then", async () => {
    const dir = memDir();
    const m1 = await Memory.open(dir);
    await commitMix(m1, 's1', 1, 3);
    await m1.commitReview(review('s1', 3, 'human-approval', undefined, A));
    await commitMix(m1, 's1', 4, 5);
    await m1.close();
    // Another process (or a resume) appends next: its first section names its run again.
    const m2 = await Memory.open(dir);
    await commitMix(m2, 's1', 6, 7);
    await m2.close();
    const sections = read(dir, 'execution_log.md')
      .split(/^(?=## )/m)
      .filter((x) => x.startsWith('## '));
    const namesRun = sections.map((x) => /^- \*\*Run:\*\* .* · session s1/m.test(x) && /^- \*\*Goal:\*\* /m.test(x));
    // Iterations 1-3, the review, 4-5, then 6-7 from the second writer.
    expect(namesRun).toEqual([true, false, false, true, true, false, true, false]);
    // Every record still holds every field, whatever its section shows.
    expect(recordsIn(read(dir, 'execution_log.md')).records.every((r) => r.session === 's1' && r.goalText && r.time)).toBe(true);
  });
});

describe('session saves follow the log', () => {
  it('non-durable saves reach the file every saveEvery calls and at flush; durable saves at once', async () => {
    const dir = memDir();
    const store = new SessionStore(path.join(dir, 'sessions'), { saveEvery: 4 });
    const state = deploySession('s-1', 'Deploy the orchestrator');
    await store.save(state);
    const onDisk = async () => (await store.load('s-1')).progress.completed;
    for (let i = 1; i <= 3; i++) {
      state.progress.completed = i;
      await store.save(state, { durable: false });
    }
    expect(await onDisk()).toBe(0);
    state.progress.completed = 4;
    await store.save(state, { durable: false });
    expect(await onDisk()).toBe(4);
    state.progress.completed = 5;
    await store.save(state, { durable: false });
    expect(await onDisk()).toBe(4);
    await store.flush();
    expect(await onDisk()).toBe(5);
    state.progress.completed = 6;
    await store.save(state, { durable: false });
    state.status = 'completed';
    await store.save(state);
    expect(await store.load('s-1')).toMatchObject({ status: 'completed', progress: { completed: 6 } });
  });
});

describe('the sessions listing', () => {
  it("lists JSON sessions and YAML ones saved before JSON, reads a person's edit, reports a broken file; never writes", async () => {
    const dir = memDir();
    const sessionsDir = path.join(dir, 'sessions');
    const store = new SessionStore(sessionsDir);
    const make = (id: string, completed: number) => {
      const s = deploySession(id, `Goal ${id}`);
      s.progress.completed = completed;
      return s;
    };
    for (let i = 0; i < 5; i++) await store.save(make(`s-${i}`, i));
    const { readFileSync: rf, writeFileSync: wf } = await import('node:fs');
    const { stringify } = await import('yaml');
    // s-4 as a YAML file from before JSON: listed, and its next save replaces it with the JSON file.
    wf(path.join(sessionsDir, 's-4.yaml'), stringify(JSON.parse(rf(path.join(sessionsDir, 's-4.json'), 'utf8'))));
    rmSync(path.join(sessionsDir, 's-4.json'));
    const before = snapshot(dir);
    expect((await store.list()).sessions.map((s) => s.progress.completed).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(changed(before, snapshot(dir))).toEqual([]);
    const edited = JSON.parse(rf(path.join(sessionsDir, 's-1.json'), 'utf8')) as { goalText: string };
    wf(path.join(sessionsDir, 's-1.json'), JSON.stringify({ ...edited, goalText: 'Edited goal' }));
    rmSync(path.join(sessionsDir, 's-2.json'));
    wf(path.join(sessionsDir, 's-3.json'), '{"version": 1,\n "id": [}');
    const after = await store.list();
    expect(after.sessions.find((s) => s.id === 's-1')?.goalText).toBe('Edited goal');
    expect(after.sessions.map((s) => s.id).sort()).toEqual(['s-0', 's-1', 's-4']);
    expect(after.unreadable.map((u) => [path.basename(u.file), u.reason])).toEqual([['s-3.json', expect.stringMatching(/^session file is not valid JSON/)]]);
    await expect(store.load('s-3')).rejects.toThrow(`${path.join(sessionsDir, 's-3.json')}:2: session file is not valid JSON`);
    await store.save(await store.load('s-4'));
    expect(readdirSync(sessionsDir).filter((n) => n.startsWith('s-4'))).toEqual(['s-4.json']);
  });
});

describe('session locks', () => {
  it("a dead process's lock on a completed session is removed when another session is let go of; a running one's stays", async () => {
    const dir = memDir();
    const sessionsDir = path.join(dir, 'sessions');
    const store = new SessionStore(sessionsDir);
    const done = deploySession('done-1');
    done.status = 'completed';
    await store.save(done);
    const paused = deploySession('paused-1');
    paused.status = 'interrupted';
    await store.save(paused);
    const { writeFileSync: wf } = await import('node:fs');
    // A holder that is gone: no such process on this host.
    const dead = JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: new Date().toISOString(), purpose: 'session' });
    wf(path.join(sessionsDir, 'done-1.lock'), dead);
    wf(path.join(sessionsDir, 'paused-1.lock'), dead);
    const lock = await store.lock('new-1');
    await lock.release();
    expect(existsSync(path.join(sessionsDir, 'done-1.lock'))).toBe(false);
    // A resumable session's stale lock is taken over by its own resume, not removed behind its back.
    expect(existsSync(path.join(sessionsDir, 'paused-1.lock'))).toBe(true);
  });
});

describe('the sessions journal of older folders', () => {
  it('is removed when a writer lets go of a session (listing reads the session files themselves)', async () => {
    const dir = memDir();
    const sessionsDir = path.join(dir, 'sessions');
    const store = new SessionStore(sessionsDir);
    for (let i = 0; i < 3; i++) await store.save(deploySession(`old-${i}`));
    const { writeFileSync: wf } = await import('node:fs');
    wf(path.join(sessionsDir, '.index.jsonl'), '{"id":"old-0","sig":"1:1","listing":{"id":"old-0"}}\n');
    expect((await store.list()).sessions).toHaveLength(3);
    expect(existsSync(path.join(sessionsDir, '.index.jsonl'))).toBe(true);
    const lock = await store.lock('new-1');
    await lock.release();
    expect(existsSync(path.join(sessionsDir, '.index.jsonl'))).toBe(false);
  });
});
