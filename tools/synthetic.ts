// Builds a synthetic memory folder of N iterations (several goals, failures, feedback) for the benchmark, through
// jupiter's real commit path (Memory.commitIteration / commitReview, SessionStore.save): the files are exactly what
// real runs write. Only the log's fsync is skipped (durable: false), so 100,000 commits take a minute, not an hour.
import path from 'node:path';
import { newSession } from '../src/engine/session.js';
import { defaultSessionSettings } from '../src/config/settings-schema.js';
import { foldRecords } from '../src/state/reducer.js';
import { SessionStore } from '../src/engine/sessions.js';
import type { LogRecord } from '../src/memory/record.js';
import { FILES, Memory } from '../src/memory/store.js';
import type { IterationRecord } from '../src/memory/types.js';
import type { Plan } from '../src/core/plan.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';
import type { PlanTarget, ProcedureLibrary } from '../src/procedures/types.js';
import { planId } from '../src/procedures/quality.js';
import { validatePlan } from '../src/procedures/validate.js';

const GOALS: [string, string][] = [
  ['production-deployment/deploy-service', 'Deploy the orchestrator'],
  ['production-deployment/deploy-service', 'Release the billing API v3'],
  ['change-management/standard-change', 'Patch the database servers'],
  ['change-management/standard-change', 'Rotate the TLS certificates'],
  ['access-review/quarterly-access-review', 'Quarterly access review of the HR system'],
];
const REASONS = [
  'Name the on-call SRE as owner of {a}',
  'Link the evidence for {a} to the ticket',
  'Do not schedule {a} on a Friday',
  'Add a rollback rehearsal before {a}',
  '{a} must be done by someone from the platform team',
  'Avoid {a} during the quarter-end freeze',
  'Mention the customer impact in {a}',
];

/** A small deterministic PRNG so every bench run builds the same memory. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function mutate(plan: Plan, r: () => number): Plan {
  const steps = plan.steps.map((s) => ({ ...s }));
  const roll = r();
  if (roll < 0.15)
    steps.splice(Math.floor(r() * steps.length), 1); // a missing step: precondition or rule failures
  else if (roll < 0.22)
    steps[steps.length - 1]!.owner = steps[0]!.owner; // a segregation or field problem
  else if (roll < 0.5) {
    const i = 1 + Math.floor(r() * (steps.length - 2));
    [steps[i], steps[i + 1]] = [steps[i + 1]!, steps[i]!]; // a different ordering (often still valid)
  }
  return { ...plan, steps };
}

export async function synthesize(dir: string, library: ProcedureLibrary, iterations: number, seed = 7): Promise<{ lastSession: string }> {
  const r = rng(seed);
  const targets = new Map<string, PlanTarget>();
  const base = new Map<string, Plan>();
  for (const [spec] of GOALS) {
    const [setId, goalId] = spec.split('/');
    const set = library.sets.find((s) => s.id === setId)!;
    const goal = set.goals.find((g) => g.id === goalId)!;
    const t = { set, goal };
    targets.set(spec, t);
    const found = searchPlan(t);
    if (found.found) base.set(spec, planFromActions(t, found.actions, 'synthetic'));
  }
  const memory = await Memory.open(dir, { durable: false, flushEvery: 5000 });
  const store = new SessionStore(path.join(dir, FILES.sessions));
  const records: LogRecord[] = [];
  let session = '';
  let spec = GOALS[0]!;
  let previous: { plan: Plan | null; findings: ReturnType<typeof validatePlan>['findings'] } | undefined;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const flushSession = async (id: string, g: [string, string]) => {
    const target = targets.get(g[0])!;
    const state = newSession(
      id,
      g[1],
      target,
      defaultSessionSettings(library.dir, { iterations: 50, unattended: true, patience: 0, repairs: 0 }),
      new Date(t0),
    );
    const rec = foldRecords(records, id);
    Object.assign(state, { progress: rec.progress, status: 'completed', usage: rec.usage });
    await store.save(state, { durable: false });
    // Only this session's records are needed for its counts.
    records.length = 0;
  };
  for (let i = 0; i < iterations; i++) {
    const n = (i % 50) + 1;
    if (n === 1) {
      if (session) await flushSession(session, spec);
      spec = GOALS[Math.floor(r() * GOALS.length)]!;
      session = `synthetic-${String(i / 50).padStart(4, '0')}`;
      previous = undefined;
    }
    const target = targets.get(spec[0])!;
    const plan = mutate(base.get(spec[0])!, r);
    const validation = validatePlan(plan, target);
    const time = new Date(t0 + i * 60_000).toISOString();
    const usage = { promptTokens: 1800 + Math.floor(r() * 400), completionTokens: 350 + Math.floor(r() * 100), cachedTokens: 1500 };
    const it: IterationRecord = {
      session,
      iteration: n,
      startedAt: time,
      finishedAt: time,
      goalText: spec[1],
      procedure: target.set.id,
      goalId: target.goal.id,
      planner: 'synthetic',
      plan,
      planId: planId(plan),
      validation,
      outcome: validation.valid ? 'improved' : 'failed',
      approvedBy: validation.valid ? 'auto' : null,
      usage,
      costUsd: 0.0004,
      promptTokensEstimate: 1700,
      context: { tokens: 3000, budget: 4000, items: 40, total: 80 },
    };
    records.push(await memory.commitIteration(it, { promptChars: 9000, ...(previous ? { previous } : {}) }));
    previous = { plan, findings: validation.findings };
    if (n % 10 === 0 && r() < 0.6) {
      const action = plan.steps[Math.floor(r() * plan.steps.length)]!.action;
      const reason = REASONS[Math.floor(r() * REASONS.length)]!.replace('{a}', action);
      records.push(
        await memory.commitReview({
          session,
          iteration: n,
          time,
          goalText: spec[1],
          procedure: target.set.id,
          goalId: target.goal.id,
          kind: r() < 0.3 ? 'human-approval' : 'rejection',
          reason,
          plan,
        }),
      );
    }
  }
  await flushSession(session, spec);
  await memory.close();
  return { lastSession: session };
}
