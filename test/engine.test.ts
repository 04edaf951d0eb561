import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSession } from '../src/engine/loop.js';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import type { CheckpointDecision, EngineEvent, FailureDecision, PatienceDecision, ReadingDecision, Reviewer, SessionSettings } from '../src/engine/types.js';
import { Memory } from '../src/memory/store.js';
import { SessionStore } from '../src/engine/sessions.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import type { PlanRequest, PlanResponse, Planner } from '../src/planners/types.js';
import { loadProcedures } from '../src/procedures/load.js';
import { findTarget } from '../src/procedures/target.js';
import { validatePlan } from '../src/procedures/validate.js';
import { SHIPPED, tempDir } from './support/cli.js';

const target = findTarget(loadProcedures(SHIPPED), 'production-deployment/deploy-service');

/** The real built-in planner, recording each request; optionally breaking the plan on chosen iterations. */
class RecordingPlanner implements Planner {
  readonly name = 'recording';
  readonly requests: PlanRequest[] = [];
  // A small search budget: each iteration still gets a real, validated plan, without the full hunt for a better one.
  private readonly inner = new BuiltinPlanner({ maxExpansions: 5_000 });
  constructor(private readonly breakOn: Set<number> = new Set()) {}
  async propose(req: PlanRequest): Promise<PlanResponse> {
    this.requests.push(req);
    const res = await this.inner.propose(req);
    // These tests are about the loop's machinery over many iterations, not about stopping at a proved optimum.
    delete res.optimal;
    if (this.breakOn.has(req.iteration)) res.plan = { ...res.plan, steps: res.plan.steps.filter((s) => s.action !== 'run-tests') };
    return res;
  }
}

class ScriptedReviewer implements Reviewer {
  readonly checkpoints: number[] = [];
  readonly failures: number[] = [];
  constructor(
    private readonly onCheckpoint: (iteration: number) => CheckpointDecision = () => ({ kind: 'continue' }),
    private readonly onFailure: (iteration: number) => FailureDecision = () => ({ kind: 'retry' }),
  ) {}
  async checkpoint(ctx: { iteration: number }): Promise<CheckpointDecision> {
    this.checkpoints.push(ctx.iteration);
    return this.onCheckpoint(ctx.iteration);
  }
  async failure(ctx: { iteration: number }): Promise<FailureDecision> {
    this.failures.push(ctx.iteration);
    return this.onFailure(ctx.iteration);
  }
  async confirmReading(): Promise<ReadingDecision> {
    return { kind: 'accept', scope: 'session' };
  }
  async patience(): Promise<PatienceDecision> {
    return { kind: 'continue' };
  }
}

async function setup(settings: Partial<SessionSettings> = {}) {
  const dir = tempDir('jupiter-engine-');
  const memory = await Memory.open(dir);
  const store = new SessionStore(path.join(dir, 'sessions'));
  const state = newSession(
    's1',
    'Deploy the orchestrator',
    target,
    defaultSessionSettings(SHIPPED, { iterations: 50, patience: 0, ...settings }),
    new Date('2026-11-25T10:00:00Z'),
  );
  const events: EngineEvent[] = [];
  return { dir, memory, store, state, events, emit: (e: EngineEvent) => void events.push(e) };
}

const signal = new AbortController().signal;
const logSections = (dir: string) => readFileSync(path.join(dir, 'execution_log.md'), 'utf8').match(/^## Iteration \d+/gm) ?? [];

describe('engine', () => {
  it('50 iterations with checkpoint 10 halt exactly at 10, 20, 30, 40, 50', { timeout: 600_000 }, async () => {
    const { dir, memory, store, state, emit, events } = await setup();
    const reviewer = new ScriptedReviewer();
    const planner = new RecordingPlanner();
    const result = await runSession(state, { planner, target, memory, store, reviewer, emit, signal });
    expect(result.exit).toBe('completed');
    expect(reviewer.checkpoints).toEqual([10, 20, 30, 40, 50]);
    expect(reviewer.failures).toEqual([]);
    const p = result.state.progress;
    expect(p).toMatchObject({ completed: 50, failed: 0 });
    // Approved: the plans that took a place; the other valid iterations are counted as what they were.
    expect(p.approved).toBe(p.improved + p.alternatives);
    expect(p.approved + p.worse + p.repeats).toBe(50);
    expect(logSections(dir)).toHaveLength(50);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && e.iteration)).toEqual([10, 20, 30, 40, 50]);
    const saved = await store.load('s1');
    expect(saved.status).toBe('completed');
    // Patterns are consolidated with counts, not appended 50 times.
    const patterns = readFileSync(path.join(dir, 'successful_patterns.md'), 'utf8');
    expect(patterns).toMatch(/^- ×\d+ · best plan so far[^\n]*run-tests/m);
    expect(patterns.match(/best plan so far/g)).toHaveLength(1);
  });

  it('a rejection no reader can compile stays prose: it reaches every later planner call and lessons.md, and is never claimed addressed', async () => {
    const { dir, memory, store, state, emit } = await setup({ iterations: 4, checkpoint: 2 });
    const reviewer = new ScriptedReviewer((i) =>
      i === 2 ? { kind: 'reject', reason: 'Include notify-stakeholders before the deploy and name the on-call SRE' } : { kind: 'continue' },
    );
    const planner = new RecordingPlanner();
    const result = await runSession(state, { planner, target, memory, store, reviewer, emit, signal });
    const reason = 'Include notify-stakeholders before the deploy and name the on-call SRE';
    expect(planner.requests[1]!.feedback).toEqual([]);
    expect(planner.requests[2]!.feedback).toEqual([reason]);
    expect(planner.requests[3]!.feedback).toEqual([reason]);
    expect(result.state.progress.rejected).toBe(1);
    expect(result.state.pendingFeedback).toEqual([reason]);
    expect(readFileSync(path.join(dir, 'lessons.md'), 'utf8')).toContain(reason);
    expect(readFileSync(path.join(dir, 'execution_log.md'), 'utf8')).not.toMatch(/addressed/i);
  });

  it('approve at a checkpoint is a human approval, weighted in memory; stop ends the run', async () => {
    const { dir, memory, store, state, emit } = await setup({ iterations: 6, checkpoint: 2 });
    const reviewer = new ScriptedReviewer((i) => (i === 2 ? { kind: 'approve' } : i === 4 ? { kind: 'stop' } : { kind: 'continue' }));
    const result = await runSession(state, { planner: new RecordingPlanner(), target, memory, store, reviewer, emit, signal });
    expect(result.exit).toBe('stopped');
    expect(result.state.status).toBe('stopped');
    expect(result.state.progress).toMatchObject({ completed: 4, humanApprovals: 1 });
    expect(readFileSync(path.join(dir, 'successful_patterns.md'), 'utf8')).toMatch(/^- ×\d+ · human · best plan so far[^\n]*run-tests/m);
    expect(reviewer.checkpoints).toEqual([2, 4]);
  });

  it('a validation failure pauses: reject, retry, approve anyway (override) and stop each do what they say', async () => {
    const { dir, memory, store, state, emit } = await setup({ iterations: 8, checkpoint: 0 });
    const decisions: Record<number, FailureDecision> = {
      2: { kind: 'reject', reason: 'never skip run-tests' },
      4: { kind: 'retry' },
      6: { kind: 'override', reason: 'accepted for the test' },
      8: { kind: 'stop' },
    };
    const reviewer = new ScriptedReviewer(undefined, (i) => decisions[i]!);
    const planner = new RecordingPlanner(new Set([2, 4, 6, 8]));
    const result = await runSession(state, { planner, target, memory, store, reviewer, emit, signal });
    expect(reviewer.failures).toEqual([2, 4, 6, 8]);
    expect(planner.requests.find((r) => r.iteration === 3)!.feedback).toEqual(['never skip run-tests']);
    // After a failure the next iteration starts again from the champion (the last valid plan).
    expect(validatePlan(planner.requests.find((r) => r.iteration === 3)!.currentPlan!, target).valid).toBe(true);
    const p = result.state.progress;
    expect(p).toMatchObject({ completed: 8, failed: 4, rejected: 1, overridden: 1 });
    expect(p.approved).toBe(p.improved + p.alternatives);
    expect(p.approved + p.worse + p.repeats).toBe(4);
    expect(result.exit).toBe('stopped');
    const log = readFileSync(path.join(dir, 'execution_log.md'), 'utf8');
    expect(log).toContain('## Review of iteration 6 · approved despite findings (override)');
    expect(log).toContain('## Review of iteration 2 · rejected');
  });

  it('unattended: checkpoints are recorded, not awaited; --max-failures failing plans in a row halt with state saved', async () => {
    const { memory, store, state, emit, events } = await setup({ iterations: 10, checkpoint: 3, unattended: true, maxFailures: 1 });
    const reviewer = new ScriptedReviewer();
    const result = await runSession(state, { planner: new RecordingPlanner(new Set([7])), target, memory, store, reviewer, emit, signal });
    expect(result.exit).toBe('halted');
    expect(reviewer.checkpoints).toEqual([]);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && [e.iteration, e.awaited])).toEqual([
      [3, false],
      [6, false],
    ]);
    const saved = await store.load('s1');
    expect(saved).toMatchObject({ status: 'paused', progress: { completed: 7, failed: 1 } });
    expect(saved.haltReason).toMatch(/1 failed iteration in a row \(--max-failures 1\); last: plan failed validation/);
  });

  it('an aborted signal interrupts between iterations and saves', async () => {
    const { memory, store, state, emit } = await setup({ iterations: 10, checkpoint: 0 });
    const controller = new AbortController();
    const reviewer = new ScriptedReviewer();
    const planner = new RecordingPlanner();
    const stopAfter3: Planner = {
      name: 'x',
      propose: async (req) => {
        const r = await planner.propose(req);
        if (req.iteration === 3) controller.abort();
        return r;
      },
    };
    const result = await runSession(state, { planner: stopAfter3, target, memory, store, reviewer, emit, signal: controller.signal });
    expect(result.exit).toBe('interrupted');
    expect((await store.load('s1')).status).toBe('interrupted');
    // The iteration in flight when Ctrl-C came is not committed half-done.
    expect(result.state.progress.completed).toBe(2);
  });
});

describe('feedback intent', () => {
  it('reads include and avoid, including double negatives, and matches whole action ids only', async () => {
    const { actionIntents } = await import('../src/feedback/intents.js');
    const ids = ['run-tests', 'deploy-production', 'deploy-directly', 'notify-stakeholders'];
    expect(actionIntents('Never skip run-tests', ids)).toEqual({ include: ['run-tests'], avoid: [] });
    expect(actionIntents("Don't use deploy-directly; add notify stakeholders", ids)).toEqual({ include: ['notify-stakeholders'], avoid: ['deploy-directly'] });
    expect(actionIntents('avoid the deploy step', ids)).toEqual({ include: [], avoid: [] });
  });
});

describe('learning summary', () => {
  it('counts what the run did: iterations, failures, human approvals and rejections, success per window, feedback', async () => {
    const { learningSummary } = await import('../src/state/summary.js');
    const { memory, store, state, emit, events } = await setup({ iterations: 12, checkpoint: 4 });
    const reviewer = new ScriptedReviewer(
      (i) => (i === 4 ? { kind: 'approve' } : i === 8 ? { kind: 'reject', reason: 'Name the on-call SRE as deploy-production owner' } : { kind: 'continue' }),
      () => ({ kind: 'retry' }),
    );
    await runSession(state, { planner: new RecordingPlanner(new Set([3, 10, 11])), target, memory, store, reviewer, emit, signal });
    const s = await learningSummary(memory.dir, await memory.records(), await memory.items(), 4);
    expect(s).toMatchObject({ sessions: 1, iterations: 12, failed: 3, errors: 0, humanApprovals: 1, rejections: 1, overrides: 0 });
    // Approved counts the iterations whose plan took a place (as the log records them); the other valid ones apart.
    const placed = (await memory.records()).filter((r) => r.type === 'iteration' && (r.outcome === 'improved' || r.outcome === 'alternative'));
    expect(s.approved).toBe(placed.length);
    expect(s.approved + s.worse + s.repeats + s.rejectedBefore).toBe(9);
    // Each decision names the plan it was about: the champion, as the iteration that proposed it.
    const records = await memory.records();
    const proposedAt = (planId: string | undefined) => records.find((r) => r.type === 'iteration' && r.planId === planId)?.iteration;
    for (const kind of ['human-approval', 'rejection']) {
      const decision = events.find((e) => e.type === 'decision' && e.decision === kind);
      const review = records.find((r) => r.type === 'review' && r.review === kind);
      expect(decision?.type === 'decision' && decision.plan).toEqual({ kind: 'champion', iteration: proposedAt(review?.planId) });
    }
    expect(s.successRate).toBeCloseTo(9 / 12);
    expect(s.windows.map((w) => [w.from, w.to, w.valid])).toEqual([
      [1, 4, 3],
      [5, 8, 4],
      [9, 12, 2],
    ]);
    expect(s.latestFeedback.map((f) => f.text)).toEqual(['Name the on-call SRE as deploy-production owner']);
    expect(s.latestLessons.length).toBeGreaterThan(0);
    // A person's approval marks what they reviewed (the plan: the exemplar), never the insights it happens to hold;
    // the champion they then rejected at 8 is no longer shown as the best plan (nothing valid beat it since).
    expect(s.topPatterns.filter((p) => p.human > 0).every((p) => p.text.startsWith('best plan so far'))).toBe(true);
    const rejected = (await memory.records()).find((r) => r.type === 'review' && r.review === 'rejection')!;
    const rejectedSteps = (await memory.planOf(rejected))!.steps.map((x) => x.action).join(' → ');
    expect(s.topPatterns.filter((p) => p.text.startsWith('best plan so far') && p.text.endsWith(rejectedSteps))).toEqual([]);
    // The insights name what the validator confirmed: the precondition that failed and the step that provides it.
    expect(s.topPatterns.some((p) => /needs `[a-z-]+`: put [a-z, -]+ before it|^tests-before[a-z-]*: put /.test(p.text))).toBe(true);
    expect(s.context).toHaveLength(12);
  });
});
