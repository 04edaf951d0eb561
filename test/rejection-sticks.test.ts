import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { catchUp } from '../src/engine/catch-up.js';
import type { EngineEvent, Reviewer, SessionState } from '../src/engine/types.js';
import { DEFAULT_PRICES } from '../src/config/prices.js';
import type { Plan } from '../src/core/plan.js';
import type { LogRecord } from '../src/memory/record.js';
import { rejectionsFold } from '../src/memory/rejections.js';
import { Memory } from '../src/memory/store.js';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import { OpenAIPlanner } from '../src/planners/openai/planner.js';
import type { Planner } from '../src/planners/types.js';
import { scheduleKey } from '../src/procedures/schedule.js';
import { tempDir } from './support/cli.js';
import { deploy, runDeploySession, ScriptedReviewer } from './support/deploy-session.js';
import { fakeServers } from './support/fake-openai.js';

const GOAL = { procedure: 'production-deployment', goalId: 'deploy-service' };
const { serve } = fakeServers();

/** Rejects the champion at the checkpoint of `at` (the reason kept as a note); stops at any other checkpoint. */
class Person extends ScriptedReviewer {
  constructor(at: number) {
    super((ctx) => (ctx.iteration === at ? { kind: 'reject', reason: 'I do not want this plan' } : { kind: 'stop' }));
  }
}

async function run(dir: string, id: string, planner: Planner, opts: { iterations: number; checkpoint: number; reviewer: Reviewer; state?: SessionState }) {
  const outcomes: string[] = [];
  const emit = (e: EngineEvent) => void (e.type === 'iteration-finished' && outcomes.push(e.outcome));
  const { state, memory } = await runDeploySession(dir, id, { ...opts, planner, maxFailures: 5, emit });
  return { state, outcomes, memory };
}

async function rejectFirstPlan(dir: string): Promise<Plan> {
  const s1 = await run(dir, 's1', new BuiltinPlanner(), { iterations: 1, checkpoint: 1, reviewer: new Person(1) });
  expect(s1.state.progress.rejected).toBe(1);
  expect(s1.state.champion).toBeNull();
  const plan = await s1.memory.planOf({ planId: s1.state.rejected[0]!, session: 's1', iteration: 1 });
  await s1.memory.close();
  return plan!;
}

describe('a rejection sticks across sessions of the goal', () => {
  it('a model proposing the rejected plan in a later session gets rejected-before, never champion; the prompt says so', async () => {
    const dir = tempDir('jupiter-sticks-');
    const rejected = await rejectFirstPlan(dir);
    const server = await serve(() => ({ content: JSON.stringify(rejected) }));
    const model = new OpenAIPlanner({
      endpoints: [{ baseUrl: server.url, client: new OpenAI({ apiKey: 'sk-test-sticks-0000000', baseURL: server.url }) }],
      model: 'test-model',
      prices: DEFAULT_PRICES,
      maxRetries: 0,
      timeoutMs: 5_000,
      backoffBaseMs: 10,
    });
    const s2 = await run(dir, 's2', model, { iterations: 2, checkpoint: 0, reviewer: new Person(0) });
    expect(s2.outcomes).toEqual(['rejected-before', 'rejected-before']);
    expect(s2.state.champion).toBeNull();
    expect(s2.state.progress).toMatchObject({ rejectedBefore: 2, improved: 0, approved: 0 });
    expect(JSON.stringify(server.chatRequests()[1]!.body.messages)).toContain('is a plan a person REJECTED on this goal');
    // Recall never offers it as the goal's best plan.
    const recall = await s2.memory.recall({ goalText: 'Deploy the orchestrator', ...GOAL, findings: [], session: 's3', budgetTokens: 4000, actions: [] });
    expect(recall.items.filter((i) => i.data.type === 'exemplar' && i.data.steps.join() === rejected.steps.map((s) => s.action).join())).toEqual([]);
    await s2.memory.close();
  });

  it('the built-in planner in a later session plans a different schedule', async () => {
    const dir = tempDir('jupiter-sticks-');
    const rejected = await rejectFirstPlan(dir);
    const s2 = await run(dir, 's2', new BuiltinPlanner(), { iterations: 3, checkpoint: 0, reviewer: new Person(0) });
    expect(s2.outcomes).not.toContain('rejected-before');
    const champion = await s2.memory.planOf({ planId: s2.state.champion!.planId, session: 's2', iteration: s2.state.champion!.iteration });
    expect(scheduleKey(champion!, deploy)).not.toBe(scheduleKey(rejected, deploy));
    await s2.memory.close();
  });

  it('a resumed session whose champion a person rejected in another session since lets it go', async () => {
    const dir = tempDir('jupiter-sticks-');
    // s0 finds the same first plan and stops before anyone reviews it; then s1 rejects that plan.
    const s0 = await run(dir, 's0', new BuiltinPlanner(), { iterations: 3, checkpoint: 1, reviewer: new Person(0) });
    await s0.memory.close();
    const rejected = await rejectFirstPlan(dir);
    expect(s0.state.champion?.planId).toBe(s0.state.seen[0]);
    expect(rejected.steps.length).toBeGreaterThan(0);
    const memory = await Memory.open(dir);
    const notes = await catchUp(s0.state, memory, deploy);
    await memory.close();
    expect(notes).toEqual([expect.stringMatching(/^the champion of iteration 1 is a plan a person rejected in session s1: it stands no more$/)]);
    expect(s0.state.champion).toBeNull();
  });
});

describe('the goal rejections fold', () => {
  const rec = (seq: number, review: 'rejection' | 'human-approval', planId: string, planKey?: string): LogRecord => ({
    seq,
    type: 'review',
    session: `s${seq}`,
    iteration: 1,
    time: '2026-11-25T10:00:00Z',
    ...GOAL,
    goalText: 'Deploy',
    review,
    planId,
    ...(planKey ? { planKey } : {}),
  });

  it('keeps what a person rejected per goal until they approve that plan explicitly', () => {
    const state = rejectionsFold.init();
    rejectionsFold.apply(state, rec(1, 'rejection', 'p1', 'k1'));
    rejectionsFold.apply(state, rec(2, 'rejection', 'p2'));
    rejectionsFold.apply(state, rec(3, 'rejection', 'p1', 'k1'));
    expect(state['production-deployment/deploy-service']!.map((p) => p.planId)).toEqual(['p1', 'p2']);
    // Approving the same plan (by its identity, another content address) lifts its rejection only.
    rejectionsFold.apply(state, rec(4, 'human-approval', 'p9', 'k1'));
    expect(state['production-deployment/deploy-service']!.map((p) => p.planId)).toEqual(['p2']);
  });
});
