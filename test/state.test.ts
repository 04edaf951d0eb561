// The state layer: the session schema and its migrations, the in-memory checkpointer, and the reducer's judgement
// (strict improvements only, rejections that stick, a champion that falls back to the best plan still standing).
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../src/memory/record.js';
import type { Score } from '../src/procedures/quality.js';
import { MemoryCheckpointer } from '../src/state/checkpointer.js';
import { foldRecords } from '../src/state/reducer.js';
import { historyOf } from '../src/state/history.js';
import { readSession } from '../src/state/session-file.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import type { PlanTarget } from '../src/procedures/types.js';

const target = {
  set: { id: 'ship', name: 'Ship', description: '', file: 'ship.yaml', initial: [], goals: [], actions: [], rules: [] },
  goal: { id: 'release', description: '', keywords: [], facts: [] },
} as unknown as PlanTarget;
const settings = defaultSessionSettings('p', { iterations: 5, checkpoint: 0, unattended: true, contextBudget: 1000, patience: 0, repairs: 0, maxFailures: 1 });
const score = (cost: number): Score => ({ makespan: 0, cost, risk: 0, steps: 3 });
let seq = 0;
const base = (iteration: number) => ({
  seq: ++seq,
  session: 's',
  iteration,
  time: 't',
  procedure: 'ship',
  goalId: 'release',
  goalText: 'g',
});
const it_ = (iteration: number, planId: string, cost: number | null, outcome: LogRecord['outcome'] = 'improved'): LogRecord => ({
  ...base(iteration),
  type: 'iteration',
  objectives: ['cost'],
  outcome: cost === null ? 'failed' : outcome,
  planId,
  ...(cost === null ? {} : { score: score(cost) }),
});
const reject = (iteration: number, planId: string) => ({ ...base(iteration), type: 'review' as const, review: 'rejection' as const, reason: 'no', planId });

describe('the session schema', () => {
  it('migrates an old file in its own steps, then names the first field at fault', () => {
    const old: Record<string, unknown> = JSON.parse(JSON.stringify(newSession('s', 'g', target, settings, new Date(0))));
    old.goal = old.goalText;
    delete old.goalText;
    delete old.rejected;
    old.champion = { plan: { title: 't', summary: '', steps: [] }, planId: 'a', score: score(3), iteration: 1 };
    const read = readSession(old, 's');
    expect('state' in read && read.state.goalText).toBe('g');
    expect('state' in read && read.state.champion).toEqual({ planId: 'a', score: score(3), iteration: 1 });
    const bad = readSession({ ...old, settings: { ...settings, iterations: 0 } }, 's');
    expect('problem' in bad && bad.problem).toMatchObject({ path: ['settings', 'iterations'] });
    expect('problem' in bad && bad.problem.message).toMatch(/^"settings\.iterations" /);
    // A field of the wrong type is not "missing"; an absent one is.
    const wrong = readSession({ ...old, settings: { ...settings, iterations: 'many' } }, 's');
    expect('problem' in wrong && wrong.problem.message).toBe('"settings.iterations" Invalid input: expected number, received string');
    const { goalText: _, ...without } = JSON.parse(JSON.stringify(newSession('s', 'g', target, settings, new Date(0)))) as Record<string, unknown>;
    expect(readSession(without, 's')).toMatchObject({ problem: { message: '"goalText" is missing' } });
    expect(readSession(old, 'other')).toMatchObject({ problem: { message: 'it holds session "s", not "other"' } });
  });

  it('a file from before worse plans were counted apart: approved becomes the plans that took a place', () => {
    const old: Record<string, unknown> = JSON.parse(JSON.stringify(newSession('s', 'g', target, settings, new Date(0))));
    // The old count: 2 improvements, 1 alternative, 1 repeat and (the rest) 2 worse plans, all "approved".
    const progress = old.progress as Record<string, number>;
    Object.assign(progress, { completed: 7, approved: 6, improved: 2, alternatives: 1, repeats: 1, failed: 1 });
    delete progress.worse;
    const read = readSession(old, 's');
    expect('state' in read && read.state.progress).toMatchObject({ completed: 7, approved: 3, worse: 2, repeats: 1, failed: 1 });
    // A file that already counts worse plans apart is left as it is.
    const current = readSession({ ...old, progress: { ...progress, approved: 3, worse: 2 } }, 's');
    expect('state' in current && current.state.progress).toMatchObject({ approved: 3, worse: 2 });
  });

  it('reads the one base URL of a session from before replicas as its list of replicas', () => {
    const old: Record<string, unknown> = JSON.parse(JSON.stringify(newSession('s', 'g', target, settings, new Date(0))));
    old.settings = { ...settings, provider: 'custom', baseUrl: 'http://gpu:8000/v1' };
    const read = readSession(old, 's');
    expect('state' in read && read.state.settings).toEqual({ ...settings, provider: 'custom', baseUrls: ['http://gpu:8000/v1'] });
  });

  it('the in-memory checkpointer keeps a copy, checked on load like a file', async () => {
    const store = new MemoryCheckpointer();
    const state = newSession('s', 'g', target, settings, new Date(0));
    await store.save(state);
    state.progress.completed = 4;
    expect((await store.load('s')).progress.completed).toBe(0);
    await expect(store.load('t')).rejects.toThrow(/no session "t"/);
  });
});

describe('the reducer', () => {
  it('counts only strict improvements; a rejected champion falls back to the best plan standing and never returns', () => {
    const fold = foldRecords(
      [
        it_(1, 'p8', 8),
        it_(2, 'p5', 5),
        it_(3, 'p3', 3),
        reject(3, 'p3'),
        // An old log calls the plan after a rejection "improved"; against the fallback (cost 5) it is worse.
        it_(4, 'p6', 6),
        // The rejected plan again: valid, but rejected before (the log of an older version said improved).
        it_(5, 'p3', 3),
        it_(6, 'p9', null),
      ],
      's',
    );
    expect(fold.progress).toMatchObject({ completed: 6, improved: 3, approved: 3, worse: 1, rejectedBefore: 1, failed: 1, rejected: 1 });
    expect(fold.champion).toMatchObject({ planId: 'p5', iteration: 2 });
    expect(fold.alternatives.map((a) => a.planId)).toEqual(['p6', 'p8']);
    expect(fold.rejectedChampion).toMatchObject({ planId: 'p3', iteration: 3, reason: 'no' });
    expect(fold.improvements.map((c) => c.iteration)).toEqual([1, 2, 3]);
    expect(fold.lastProposal).toMatchObject({ iteration: 6, outcome: 'failed', championScore: score(5) });
  });

  it('a rejection that carries the plans still standing (re-checked under new rules) replaces champion and alternatives', () => {
    const withStanding: LogRecord = { ...reject(3, 'p3'), standing: [{ planId: 'p8', score: score(9), iteration: 1 }] };
    const fold = foldRecords([it_(1, 'p8', 8), it_(2, 'p5', 5), it_(3, 'p3', 3), withStanding], 's');
    // p5 broke a rule confirmed with the rejection: it left the list.
    expect(fold.champion).toMatchObject({ planId: 'p8', score: score(9) });
    expect(fold.alternatives).toEqual([]);
  });

  it("the summary's history follows the champion as the session held it: a rejection is a step up, marked", () => {
    const h = historyOf([it_(1, 'p8', 8), it_(2, 'p5', 5), it_(3, 'p3', 3), reject(3, 'p3'), it_(4, 'p6', 6), it_(5, 'p4', 4)]);
    const g = h.goals.get('ship/release')!;
    expect(g.points.map((p) => [p.score?.cost, p.rejected])).toEqual([
      [8, false],
      [5, false],
      [3, false],
      [5, true],
      [4, false],
    ]);
    expect(h.improvements).toBe(4);
    expect(g.rejected.has('p3')).toBe(true);
  });

  it("the goal's improvements are its best plan's: a second session's first plan, worse than the first's best, improves only its own champion", () => {
    const other = (r: LogRecord): LogRecord => ({ ...r, session: 't' });
    const h = historyOf([it_(1, 'p8', 8), it_(2, 'p5', 5), other(it_(1, 'p9', 9)), other(it_(2, 'p6', 6)), other(it_(3, 'p4', 4))]);
    const g = h.goals.get('ship/release')!;
    expect(g.points.map((p) => p.score?.cost)).toEqual([8, 5, 5, 5, 4]);
    // Each session improved its champion at each of its iterations (5 in all); the goal's best improved three times.
    expect(h.improvements).toBe(5);
    expect(g.improvements).toBe(3);
    expect(g.last).toMatchObject({ session: 't', iteration: 3, index: 4 });
  });
});
