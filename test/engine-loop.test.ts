// The improvement loop, driven by scripted planners and reviewers: champion and challenger outcomes, repairs,
// best of K, unattended runs that survive failures, patience, convergence, human rules, overrides, kill and resume.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../src/core/plan.js';
import { catchUp } from '../src/engine/catch-up.js';
import { runSession, type EngineDeps } from '../src/engine/loop.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { SessionStore } from '../src/engine/sessions.js';
import type {
  CheckpointContext,
  CheckpointDecision,
  EngineEvent,
  FailureDecision,
  PatienceDecision,
  ReadingDecision,
  Reviewer,
  SessionSettings,
  SessionState,
} from '../src/engine/types.js';
import type { FeedbackReading } from '../src/feedback/types.js';
import { recordsIn } from '../src/memory/log-file.js';
import { Memory } from '../src/memory/store.js';
import { PlannerError, type PlanRequest, type PlanResponse, type Planner } from '../src/planners/types.js';
import type { PlanTarget, Rule } from '../src/procedures/types.js';
import { planId } from '../src/procedures/quality.js';
import { Chalk } from 'chalk';
import { sessionSummary } from '../src/state/summary.js';
import { summaryLines } from '../src/cli/summary-view.js';
import { tempDir } from './support/cli.js';

const target: PlanTarget = {
  set: {
    id: 'ship',
    name: 'Ship a build',
    description: 'Build, test, deploy.',
    file: 'ship.yaml',
    initial: ['code'],
    goals: [],
    actions: [
      { id: 'build', description: 'Build', requires: ['code'], provides: ['artifact'], removes: [], fields: [], role: 'dev', cost: 1 },
      { id: 'test-fast', description: 'Fast tests', requires: ['artifact'], provides: ['tested'], removes: [], fields: [], role: 'qa', cost: 1 },
      { id: 'test-full', description: 'Full regression', requires: ['artifact'], provides: ['tested'], removes: [], fields: [], role: 'qa', cost: 5 },
      { id: 'notify', description: 'Notify', requires: [], provides: ['notified'], removes: [], fields: [], role: 'comms', cost: 1 },
      { id: 'deploy', description: 'Deploy', requires: ['tested'], provides: ['deployed'], removes: [], fields: [], role: 'ops', cost: 1 },
    ],
    rules: [],
  },
  goal: { id: 'release', description: 'Released', keywords: ['release'], facts: ['deployed'], objectives: ['cost', 'steps'] },
};

const plan = (actions: string[], owner = ''): Plan => ({
  title: 'Release',
  summary: '',
  steps: actions.map((a) => ({ action: a, owner: `${a}-owner${owner}` })),
});
const CHEAP = ['build', 'test-fast', 'deploy']; // cost 3
const DEAR = ['build', 'test-full', 'deploy']; // cost 7
const DEARER = ['build', 'test-full', 'test-fast', 'deploy']; // cost 8
const BROKEN = ['build', 'deploy']; // deploy needs `tested`

/** Answers from a script: iteration → plan (or a function of the request), recording every request. */
class ScriptedPlanner implements Planner {
  readonly name = 'scripted';
  readonly requests: PlanRequest[] = [];
  constructor(private readonly script: (req: PlanRequest) => PlanResponse | Plan) {}
  async propose(req: PlanRequest): Promise<PlanResponse> {
    // As the request was: the engine's seen set grows after the iteration.
    this.requests.push({ ...req, seen: new Set(req.seen) });
    const r = this.script(req);
    return 'steps' in r ? { plan: r, mode: 'text', usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0 }, costUsd: 0.001 } : r;
  }
}

class ScriptedReviewer implements Reviewer {
  readonly asked: string[] = [];
  readonly checkpoints: CheckpointContext[] = [];
  constructor(
    private readonly answers: {
      checkpoint?: (ctx: CheckpointContext) => CheckpointDecision;
      failure?: (iteration: number) => FailureDecision;
      reading?: (r: FeedbackReading) => ReadingDecision;
      patience?: () => PatienceDecision;
    } = {},
  ) {}
  async checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision> {
    this.asked.push(`checkpoint ${ctx.iteration}`);
    this.checkpoints.push({ ...ctx, session: { ...ctx.session } });
    return this.answers.checkpoint?.(ctx) ?? { kind: 'continue' };
  }
  async failure(ctx: { iteration: number }): Promise<FailureDecision> {
    this.asked.push(`failure ${ctx.iteration}`);
    return this.answers.failure?.(ctx.iteration) ?? { kind: 'retry' };
  }
  async confirmReading(r: FeedbackReading): Promise<ReadingDecision> {
    this.asked.push(`reading ${r.text}`);
    return this.answers.reading?.(r) ?? { kind: 'accept', scope: 'goal' };
  }
  async patience(ctx: { iteration: number }): Promise<PatienceDecision> {
    this.asked.push(`patience ${ctx.iteration}`);
    return this.answers.patience?.() ?? { kind: 'stop' };
  }
}

async function setup(settings: Partial<SessionSettings> = {}, dir = tempDir('jupiter-loop-')) {
  const memory = await Memory.open(dir);
  const store = new SessionStore(path.join(dir, 'sessions'));
  const state = newSession(
    's1',
    'Release the build',
    target,
    defaultSessionSettings('', { checkpoint: 0, unattended: true, patience: 0, repairs: 0, ...settings }),
    new Date('2026-11-25T10:00:00Z'),
  );
  const events: EngineEvent[] = [];
  const deps = (planner: Planner, reviewer: Reviewer = new ScriptedReviewer(), extra: Partial<EngineDeps> = {}): EngineDeps => ({
    planner,
    target,
    memory,
    store,
    reviewer,
    emit: (e) => void events.push(e),
    signal: new AbortController().signal,
    ...extra,
  });
  return { dir, memory, store, state, events, deps };
}

const outcomes = (events: EngineEvent[]) => events.flatMap((e) => (e.type === 'iteration-finished' ? [e.outcome] : []));

describe('champion and challenger', () => {
  it('judges each proposal against the champion: improved, repeat, alternative, worse, failed; the champion never gets worse', async () => {
    const script = [DEAR, CHEAP, CHEAP, plan(CHEAP, '-b'), DEARER, BROKEN, DEAR];
    const { state, events, deps, store } = await setup({ iterations: script.length });
    const planner = new ScriptedPlanner((req) => {
      const s = script[req.iteration - 1]!;
      return Array.isArray(s) ? plan(s) : s;
    });
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('completed');
    expect(outcomes(events)).toEqual(['improved', 'improved', 'repeat', 'alternative', 'worse', 'failed', 'repeat']);
    expect(result.champion?.plan.steps.map((s) => s.action)).toEqual(CHEAP);
    expect(result.state.champion?.iteration).toBe(2);
    expect(result.state.champion?.score.cost).toBe(3);
    expect(result.state.progress).toMatchObject({ completed: 7, approved: 3, improved: 2, alternatives: 1, worse: 1, repeats: 2, failed: 1 });
    // The second request is asked to beat the first champion and told what was seen.
    expect(planner.requests[1]!.champion?.score.cost).toBe(7);
    // Seen: the first plan's content address and its identity (same steps, same schedule).
    expect(planner.requests[1]!.seen.has(planId(plan(DEAR)))).toBe(true);
    expect(planner.requests[1]!.seen.size).toBe(2);
    expect(planner.requests[6]!.currentPlan?.steps.map((s) => s.action)).toEqual(CHEAP);
    const change = events.find((e) => e.type === 'iteration-finished' && e.iteration === 2);
    expect(change).toMatchObject({ change: { before: { cost: 7 }, after: { cost: 3 } } });
    expect((await store.load('s1')).champion?.planId).toBe(result.state.champion?.planId);
    // The log names each outcome; nothing in it claims feedback was addressed.
    const log = readFileSync(path.join(deps(planner).memory.dir, 'execution_log.md'), 'utf8');
    expect(log).toContain('## Iteration 2 · improved');
    expect(log).toContain('## Iteration 5 · worse');
    expect(log).not.toMatch(/Addressed/i);
  });

  it('best of K: asks K candidates at once, keeps the best valid one, and every candidate joins the seen plans', async () => {
    const { state, events, deps } = await setup({ iterations: 1, candidates: 3 });
    const byCandidate = [BROKEN, DEAR, CHEAP];
    const planner = new ScriptedPlanner((req) => plan(byCandidate[req.candidate ?? 0]!));
    const result = await runSession(state, deps(planner));
    expect(planner.requests.map((r) => r.candidate)).toEqual([0, 1, 2]);
    expect(result.champion?.plan.steps.map((s) => s.action)).toEqual(CHEAP);
    for (const p of byCandidate) expect(result.state.seen).toContain(planId(plan(p)));
    expect(events.find((e) => e.type === 'iteration-finished')).toMatchObject({ outcome: 'improved', candidates: 3 });
    // Usage of every candidate is counted.
    expect(result.state.usage.promptTokens).toBe(300);
  });
});

describe('cost', () => {
  it('tokens spent with a model of no known price make the cost unknown, not $0, in the session and after a catch-up', async () => {
    const { state, deps, memory } = await setup({ iterations: 2 });
    const planner = new ScriptedPlanner(() => ({ plan: plan(CHEAP), mode: 'text', usage: { promptTokens: 10, completionTokens: 5, cachedTokens: 0 } }));
    const result = await runSession(state, deps(planner));
    expect(result.state.usage).toMatchObject({ promptTokens: 20, costUsd: 0, costUnknown: true });
    const stale: SessionState = { ...result.state, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 } };
    await catchUp(stale, memory, target);
    expect(stale.usage.costUnknown).toBe(true);
    // The learning summary says so too, instead of a $0.0000 that would read as free.
    const summary = await sessionSummary(memory, { session: 's1', procedure: 'ship', goalId: 'release' });
    expect(summary.usage).toMatchObject({ promptTokens: 20, costUnknown: true });
    expect(summaryLines(summary, new Chalk({ level: 0 })).join('\n')).toContain('cost unknown (no price for the model)');
  });
});

describe('self-correction', () => {
  it('sends the findings and the facts at the failing step back, up to --repairs times, and counts the repairs', async () => {
    const { state, events, deps } = await setup({ iterations: 2, repairs: 2 });
    const planner = new ScriptedPlanner((req) => (req.repair ? (req.repair.attempt === 2 || req.iteration === 1 ? plan(CHEAP) : plan(BROKEN)) : plan(BROKEN)));
    const result = await runSession(state, deps(planner));
    const repair = planner.requests.find((r) => r.repair)!.repair!;
    expect(repair.failingStep).toBe(2);
    expect(repair.factsBefore).toEqual(['artifact', 'code']);
    expect(repair.missing).toEqual(['tested']);
    expect(repair.findings.some((f) => f.rule === 'precondition')).toBe(true);
    // Iteration 1 fixed in one round, iteration 2 in two: both valid, none valid at the first try; the second is the
    // same plan again, so only the first is approved.
    expect(result.state.progress).toMatchObject({ completed: 2, approved: 1, repeats: 1, repairs: 3, repaired: 2, firstTryValid: 0, failed: 0 });
    expect(events.filter((e) => e.type === 'repair').map((e) => e.type === 'repair' && [e.iteration, e.attempt])).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
    ]);
    expect(result.state.usage.promptTokens).toBe(500);
    // Memory learns from the failed attempt a repair fixed: the fix the validator confirmed on it, and the lesson.
    const learned = readFileSync(path.join(deps(planner).memory.dir, 'successful_patterns.md'), 'utf8');
    expect(learned).toMatch(/needs `tested`: put test-fast before it/);
    expect(readFileSync(path.join(deps(planner).memory.dir, 'lessons.md'), 'utf8')).toMatch(/precondition — .*needs `tested`/);
  });
});

describe('unattended runs', () => {
  it('survive failed iterations: recorded, the next one starts from the champion; exit 3 only after --max-failures in a row', async () => {
    const { state, events, deps } = await setup({ iterations: 12, maxFailures: 3, checkpoint: 4 });
    // Fails on 2, 3, 5, 6 (never three in a row), then from 9 on.
    const bad = new Set([2, 3, 5, 6, 9, 10, 11, 12]);
    const planner = new ScriptedPlanner((req) => plan(bad.has(req.iteration) ? BROKEN : req.iteration === 1 ? DEAR : CHEAP));
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('halted');
    expect(result.message).toMatch(/3 failed iterations in a row \(--max-failures 3\)/);
    expect(result.state.progress.completed).toBe(11);
    expect(result.state.status).toBe('paused');
    expect(result.champion?.plan.steps.map((s) => s.action)).toEqual(CHEAP);
    // The request after a failure carries the champion, not the broken plan.
    expect(planner.requests[3]!.currentPlan?.steps.map((s) => s.action)).toEqual(DEAR);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && e.awaited)).toEqual([false, false]);
    // Unattended checkpoints are written to the log, saying where the run stood.
    const checkpoints = (await deps(planner).memory.records()).filter((r) => r.type === 'review' && r.review === 'checkpoint');
    expect(checkpoints.map((r) => r.iteration)).toEqual([4, 8]);
    expect(checkpoints[1]!.reason).toBe('champion from iteration 4 (cost 3 · steps 3); 0 improvements since the last checkpoint; 4 failed iterations so far');
    expect(readFileSync(path.join(deps(planner).memory.dir, 'execution_log.md'), 'utf8')).toContain(
      '## Review of iteration 8 · unattended checkpoint (recorded, not awaited)',
    );
    expect(result.state.progress.humanApprovals).toBe(0);
  });

  it('planner faults are failures too, but a bad key ends the run at once (exit 1 path), state saved', async () => {
    const { state, deps } = await setup({ iterations: 5 });
    const planner = new ScriptedPlanner((req) => {
      if (req.iteration === 2) throw new PlannerError('server', 'HTTP 500');
      if (req.iteration === 4) throw new PlannerError('auth', 'invalid key');
      return plan(CHEAP);
    });
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('failed');
    expect(result.state.progress).toMatchObject({ completed: 4, errors: 2 });
  });
});

describe('stopping honestly', () => {
  it('--patience: no improvement in N iterations ends an unattended run (exit 0) and says why', async () => {
    const { state, events, deps } = await setup({ iterations: 1000, patience: 3 });
    const planner = new ScriptedPlanner((req) => plan(DEAR, `-${req.iteration}`)); // distinct plans, never better
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('patience');
    expect(result.message).toBe('no improvement in 3 iterations (--patience 3)');
    expect(result.state.progress.completed).toBe(4);
    expect(result.state.status).toBe('completed');
    expect(events.some((e) => e.type === 'patience' && e.iteration === 4 && e.idle === 3)).toBe(true);
  });

  it('--patience at a terminal asks the person: continue resets the count, stop ends', async () => {
    const { state, deps } = await setup({ iterations: 20, patience: 2, unattended: false });
    let asked = 0;
    const reviewer = new ScriptedReviewer({ patience: () => (++asked === 1 ? { kind: 'continue' } : { kind: 'stop' }) });
    const result = await runSession(state, deps(new ScriptedPlanner((req) => plan(DEAR, `-${req.iteration}`)), reviewer));
    expect(reviewer.asked).toEqual(['patience 3', 'patience 5']);
    expect(result.exit).toBe('stopped');
  });

  it('changing the objectives at the patience prompt keeps the champion: the same plan again is a repeat, a plan better under the new objectives an improvement', async () => {
    const { state, events, deps } = await setup({ iterations: 5, patience: 2, unattended: false });
    const reviewer = new ScriptedReviewer({ patience: () => ({ kind: 'objectives', objectives: ['steps', 'cost'] }) });
    // A: cost 4, 4 steps (best on cost). B: cost 7, 3 steps (worse on cost, better on steps).
    const A = ['notify', 'build', 'test-fast', 'deploy'];
    const script = [A, A, A, A, DEAR];
    const result = await runSession(state, deps(new ScriptedPlanner((req) => plan(script[req.iteration - 1]!)), reviewer));
    expect(reviewer.asked).toEqual(['patience 3', 'checkpoint 5']);
    expect(result.state.settings.objectives).toEqual(['steps', 'cost']);
    // Iteration 4 repeats the champion (a repeat, not an improvement); B beats it under the new objectives.
    expect(outcomes(events)).toEqual(['improved', 'repeat', 'repeat', 'repeat', 'improved']);
    expect(result.state.champion?.iteration).toBe(5);
  });

  it('a proved optimum ends the run at once, whatever the iteration ceiling', async () => {
    const { state, events, deps, memory } = await setup({ iterations: 1000 });
    const planner = new ScriptedPlanner((req) =>
      req.iteration < 3 ? plan(DEAR, `-${req.iteration}`) : { plan: plan(CHEAP), mode: 'builtin', optimal: 'optimal for cost, steps' },
    );
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('converged');
    expect(result.message).toBe('converged: optimal for cost, steps — proved at iteration 3');
    expect(result.state.progress.completed).toBe(3);
    expect(events.filter((e) => e.type === 'converged')).toHaveLength(1);
    expect(readFileSync(path.join(memory.dir, 'execution_log.md'), 'utf8')).toContain('## Iteration 3 · improved');
  });

  it('an optimum claimed for a plan worse than the champion is not convergence', async () => {
    const { state, deps } = await setup({ iterations: 3 });
    const planner = new ScriptedPlanner((req) =>
      req.iteration === 1 ? plan(CHEAP) : { plan: plan(DEAR, `-${req.iteration}`), mode: 'x', optimal: 'optimal for cost' },
    );
    const result = await runSession(state, deps(planner));
    expect(result.exit).toBe('completed');
    expect(result.state.converged).toBeUndefined();
  });
});

describe('a person in the loop', () => {
  it('a rejection is read into rules, confirmed, committed, enforced by the validator; the champion is dethroned', async () => {
    const { state, deps, events, memory } = await setup({ iterations: 4, checkpoint: 2, unattended: false });
    const rule: Rule = {
      id: 'human-forbid-test-fast',
      kind: 'forbidden',
      severity: 'error',
      action: 'test-fast',
      origin: 'human',
      description: 'the person said: no fast tests',
    };
    const committed: Rule[] = [];
    const reader = { read: async (text: string): Promise<FeedbackReading> => ({ text, constraints: [rule], lines: ['never test-fast'], by: 'rules' }) };
    const reviewer = new ScriptedReviewer({
      checkpoint: (ctx) => (ctx.iteration === 2 ? { kind: 'reject', reason: 'Fast tests are not enough for a release' } : { kind: 'continue' }),
    });
    const planner = new ScriptedPlanner(() => plan(CHEAP));
    const origCommit = memory.commitReview.bind(memory);
    memory.commitReview = async (rev) => {
      committed.push(...(rev.constraints ?? []));
      return origCommit(rev);
    };
    const result = await runSession(state, deps(planner, reviewer, { feedbackReader: reader, humanRules: async () => committed }));
    expect(reviewer.asked).toContain('reading Fast tests are not enough for a release');
    expect(committed).toEqual([rule]);
    // After the rejection the same plan breaks the human rule: it fails, and nothing claims the feedback was met.
    expect(outcomes(events)).toEqual(['improved', 'repeat', 'failed', 'failed']);
    expect(planner.requests[2]!.target.set.rules).toContainEqual(rule);
    expect(result.state.champion).toBeNull();
    expect(result.state.pendingFeedback).toEqual([]);
    expect(events.find((e) => e.type === 'feedback-read')).toMatchObject({ confirmed: true, enforced: true });
  });

  it('a human rule naming an action the procedure lacks is never listed as checked; the ones enforced are', async () => {
    const { state, deps, dir } = await setup({ iterations: 2 });
    const known: Rule = { id: 'human-forbid-test-full', kind: 'forbidden', severity: 'error', action: 'test-full', origin: 'human' };
    const unknown: Rule = { id: 'human-forbidden-launch-rockets', kind: 'forbidden', severity: 'error', action: 'launch-rockets', origin: 'human' };
    const planner = new ScriptedPlanner(() => plan(CHEAP));
    await runSession(state, deps(planner, new ScriptedReviewer(), { humanRules: async () => [known, unknown] }));
    const iterations = recordsIn(readFileSync(path.join(dir, 'execution_log.md'), 'utf8')).records.filter((r) => r.type === 'iteration');
    expect(iterations).toHaveLength(2);
    for (const r of iterations) expect(r.checkedRules).toEqual(['human-forbid-test-full']);
    // The one enforced really is: the validator saw it, and not the other.
    expect(planner.requests[0]!.target.set.rules.map((r) => r.id)).toContain('human-forbid-test-full');
    expect(planner.requests[0]!.target.set.rules.map((r) => r.id)).not.toContain('human-forbidden-launch-rockets');
  });

  it('feedback that cannot be read stays prose for the planner, marked unchecked in the log', async () => {
    const { state, deps, memory } = await setup({ iterations: 3, checkpoint: 1, unattended: false });
    const reader = { read: async (text: string): Promise<FeedbackReading> => ({ text, constraints: [], lines: [], by: 'rules' }) };
    const reviewer = new ScriptedReviewer({
      checkpoint: (ctx) => (ctx.iteration === 1 ? { kind: 'reject', reason: 'Make it feel calmer' } : { kind: 'continue' }),
      reading: () => ({ kind: 'note' }),
    });
    const planner = new ScriptedPlanner(() => plan(CHEAP));
    const result = await runSession(state, deps(planner, reviewer, { feedbackReader: reader }));
    expect(planner.requests[1]!.feedback).toEqual(['Make it feel calmer']);
    expect(result.state.pendingFeedback).toEqual(['Make it feel calmer']);
    const records = await memory.records();
    expect(
      records.filter((r) => r.type === 'iteration' && r.iteration > 1).every((r) => r.unchecked?.[0] === 'Make it feel calmer' || r.unchecked === undefined),
    ).toBe(true);
  });

  it('approving at a checkpoint approves the champion, not the last (worse) proposal', async () => {
    const { state, deps, memory } = await setup({ iterations: 2, checkpoint: 2, unattended: false });
    const reviewer = new ScriptedReviewer({ checkpoint: () => ({ kind: 'approve' }) });
    const result = await runSession(state, deps(new ScriptedPlanner((req) => plan(req.iteration === 1 ? CHEAP : DEAR)), reviewer));
    expect(result.state.progress.humanApprovals).toBe(1);
    const approval = (await memory.records()).find((r) => r.type === 'review' && r.review === 'human-approval')!;
    expect(approval.planId).toBe(result.state.champion!.planId);
  });

  it('an override of an invalid plan is logged with its reason and never becomes the champion', async () => {
    const { state, deps, memory } = await setup({ iterations: 2, unattended: false });
    const reviewer = new ScriptedReviewer({ failure: () => ({ kind: 'override', reason: 'the change window closes tonight' }) });
    const result = await runSession(state, deps(new ScriptedPlanner(() => plan(BROKEN)), reviewer));
    expect(result.state.progress.overridden).toBe(2);
    expect(result.state.champion).toBeNull();
    const reviews = (await memory.records()).filter((r) => r.type === 'review');
    expect(reviews.map((r) => [r.review, r.reason])).toEqual([
      ['override', 'the change window closes tonight'],
      ['override', 'the change window closes tonight'],
    ]);
  });

  it('the checkpoint shows the champion, improvements since the last checkpoint and the best alternatives', async () => {
    const { state, deps } = await setup({ iterations: 4, checkpoint: 2, unattended: false });
    const script = [DEARER, DEAR, CHEAP, plan(CHEAP, '-b')];
    const reviewer = new ScriptedReviewer();
    await runSession(
      state,
      deps(
        new ScriptedPlanner((req) => {
          const s = script[req.iteration - 1]!;
          return Array.isArray(s) ? plan(s) : s;
        }),
        reviewer,
      ),
    );
    const [first, second] = reviewer.checkpoints;
    expect(first!.improvements.map((c) => [c.iteration, c.before?.cost ?? null, c.after.cost])).toEqual([
      [1, null, 8],
      [2, 8, 7],
    ]);
    expect(second!.improvements.map((c) => c.iteration)).toEqual([3]);
    expect(second!.champion?.score.cost).toBe(3);
    expect(second!.alternatives.map((a) => a.score.cost)).toEqual([3, 7, 8]);
    expect(second!.final).toBe(true);
  });
});

describe('a fork', () => {
  it('checkpoints every k of its own iterations, the first counting improvements since its fork point', async () => {
    const { state, deps } = await setup({ iterations: 2, checkpoint: 0, unattended: false });
    const script = [DEARER, DEAR, DEAR, CHEAP, DEAR, DEAR, DEAR];
    const planner = () => new ScriptedPlanner((req) => plan(script[req.iteration - 1]!));
    await runSession(state, deps(planner()));
    // The line so far: two iterations. The fork takes them, and runs five of its own with a checkpoint every three.
    Object.assign(state, { parent: 'p', forkPoint: 2 });
    Object.assign(state.settings, { iterations: 7, checkpoint: 3 });
    const reviewer = new ScriptedReviewer();
    await runSession(state, deps(planner(), reviewer));
    expect(reviewer.checkpoints.map((c) => [c.iteration, c.since, c.improvements.map((i) => i.iteration)])).toEqual([
      [5, 2, [4]],
      [7, 5, []],
    ]);
  });
});

describe('kill and resume', () => {
  it('keeps the champion: from the session file, and from the log when the file missed the last commits', async () => {
    const dir = tempDir('jupiter-loop-resume-');
    const a = await setup({ iterations: 6 }, dir);
    const controller = new AbortController();
    const script = [DEAR, CHEAP, DEAR, CHEAP];
    const planner = new ScriptedPlanner((req) => {
      if (req.iteration === 4) controller.abort();
      return plan(script[req.iteration - 1]!, req.iteration === 3 ? '-x' : '');
    });
    const first = await runSession(a.state, { ...a.deps(planner), signal: controller.signal });
    expect(first.exit).toBe('interrupted');
    const saved = await a.store.load('s1');
    expect(saved.champion?.planId).toBe(first.champion?.planId);
    expect(first.champion?.plan.steps.map((s) => s.action)).toEqual(CHEAP);

    // A crash right after a commit: the session file still says iteration 1, the log says 3.
    const stale: SessionState = { ...saved, progress: { ...saved.progress, completed: 1 }, champion: null, seen: [] };
    const memory = await Memory.open(dir);
    await catchUp(stale, memory, target);
    expect(stale.progress.completed).toBe(3);
    expect(stale.champion?.iteration).toBe(2);
    expect(stale.champion?.planId).toBe(first.champion?.planId);
    for (const p of [DEAR, CHEAP]) expect(stale.seen).toContain(planId(plan(p)));
    expect(stale.seen).toContain(planId(plan(DEAR, '-x')));

    const resumed = await runSession(saved, a.deps(new ScriptedPlanner(() => plan(CHEAP))));
    expect(resumed.exit).toBe('completed');
    expect(resumed.state.champion?.iteration).toBe(2);
    expect(resumed.state.progress.completed).toBe(6);
  });

  it('a question pending when the run was killed is asked again on resume', async () => {
    const { state, deps, store } = await setup({ iterations: 4, checkpoint: 2, unattended: false });
    const controller = new AbortController();
    const reviewer: Reviewer = Object.assign(new ScriptedReviewer(), {
      checkpoint: async () => {
        controller.abort(); // the person pressed Ctrl-C at the prompt
        return { kind: 'stop' } as CheckpointDecision;
      },
    });
    const first = await runSession(state, { ...deps(new ScriptedPlanner(() => plan(CHEAP)), reviewer), signal: controller.signal });
    expect(first.exit).toBe('interrupted');
    const saved = await store.load('s1');
    expect(saved.pendingDecision).toEqual({ kind: 'checkpoint', iteration: 2 });
    const again = new ScriptedReviewer();
    const resumed = await runSession(saved, deps(new ScriptedPlanner(() => plan(CHEAP)), again));
    expect(again.asked).toEqual(['checkpoint 2', 'checkpoint 4']);
    expect(resumed.state.pendingDecision).toBeUndefined();
  });
});
