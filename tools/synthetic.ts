// Builds a synthetic memory folder of N iterations in jupiter's own formats (several goals, failures, feedback),
// for the benchmark: the same renderers and learning code as real runs, without waiting for N real commits.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { newSession } from '../src/engine/session.js';
import { reconcile } from '../src/engine/reconcile.js';
import { indexLine } from '../src/memory/index-file.js';
import { renderItemsFile } from '../src/memory/items-file.js';
import { learn } from '../src/memory/learn.js';
import { LOG_HEADER, renderLogSection } from '../src/memory/log-file.js';
import { iterationToRecord, reviewToRecord, type LogRecord } from '../src/memory/record.js';
import { FILES } from '../src/memory/store.js';
import type { MemoryItem } from '../src/memory/types.js';
import type { Plan } from '../src/core/plan.js';
import { planFromActions, searchPlan } from '../src/planners/search.js';
import type { PlanTarget, ProcedureLibrary } from '../src/procedures/types.js';
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
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function mutate(plan: Plan, r: () => number): Plan {
  const steps = plan.steps.map((s) => ({ ...s }));
  const roll = r();
  if (roll < 0.15) steps.splice(Math.floor(r() * steps.length), 1); // a missing step: precondition or rule failures
  else if (roll < 0.22) steps[steps.length - 1]!.owner = steps[0]!.owner; // a segregation or field problem
  else if (roll < 0.5) {
    const i = 1 + Math.floor(r() * (steps.length - 2));
    [steps[i], steps[i + 1]] = [steps[i + 1]!, steps[i]!]; // a different ordering (often still valid)
  }
  return { ...plan, steps };
}

export async function synthesize(dir: string, library: ProcedureLibrary, iterations: number, seed = 7): Promise<{ records: LogRecord[]; lastSession: string }> {
  const r = rng(seed);
  await mkdir(path.join(dir, FILES.internal), { recursive: true });
  await mkdir(path.join(dir, FILES.sessions), { recursive: true });
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
  const patterns = new Map<string, MemoryItem>();
  const lessons = new Map<string, MemoryItem>();
  const log: string[] = [LOG_HEADER];
  const index: string[] = [];
  const records: LogRecord[] = [];
  let seq = 0;
  let session = '';
  let spec = GOALS[0]!;
  let previous: { plan: Plan | null; findings: ReturnType<typeof validatePlan>['findings'] } | undefined;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const flushSession = async (id: string, g: [string, string]) => {
    const target = targets.get(g[0])!;
    const state = newSession(id, g[1], target, { iterations: 50, checkpoint: 10, unattended: true, provider: 'builtin', contextBudget: 4000, proceduresDir: library.dir, patience: 0, repairs: 0, maxFailures: 5, candidates: 1 }, new Date(t0));
    const rec = reconcile(records, id);
    Object.assign(state, { progress: rec.progress, status: 'completed', usage: rec.usage });
    await writeFile(path.join(dir, FILES.sessions, `${id}.yaml`), stringify(state));
  };
  const commit = (rec: LogRecord) => {
    records.push(rec);
    log.push(renderLogSection(rec));
    index.push(indexLine(rec));
    for (const [map, kind] of [[patterns, 'pattern'], [lessons, 'lesson']] as const) {
      learn(map, rec, kind);
    }
  };
  for (let i = 0; i < iterations; i++) {
    const n = (i % 50) + 1;
    if (n === 1) {
      if (session) await flushSession(session, spec);
      spec = GOALS[Math.floor(r() * GOALS.length)]!;
      session = `synthetic-${String(i / 50).padStart(4, '0')}`;
      previous = undefined;
      await mkdir(path.join(dir, FILES.plans, session), { recursive: true });
    }
    const target = targets.get(spec[0])!;
    const plan = mutate(base.get(spec[0])!, r);
    const validation = validatePlan(plan, target);
    const time = new Date(t0 + i * 60_000).toISOString();
    const usage = { promptTokens: 1800 + Math.floor(r() * 400), completionTokens: 350 + Math.floor(r() * 100), cachedTokens: 1500 };
    const rec = iterationToRecord(
      { session, iteration: n, startedAt: time, finishedAt: time, goalText: spec[1], procedure: target.set.id, goalId: target.goal.id, planner: 'synthetic', plan, validation, outcome: validation.valid ? 'improved' : 'failed', approvedBy: validation.valid ? 'auto' : null, usage, costUsd: 0.0004, context: { tokens: 3000, budget: 4000, items: 40, total: patterns.size + lessons.size } },
      ++seq,
      9000,
      previous,
    );
    commit(rec);
    await writeFile(path.join(dir, FILES.plans, session, `${n}.yaml`), stringify(plan));
    previous = { plan, findings: validation.findings };
    if (n % 10 === 0 && r() < 0.6) {
      const action = plan.steps[Math.floor(r() * plan.steps.length)]!.action;
      const reason = REASONS[Math.floor(r() * REASONS.length)]!.replace('{a}', action);
      commit(reviewToRecord({ session, iteration: n, time, goalText: spec[1], procedure: target.set.id, goalId: target.goal.id, kind: r() < 0.3 ? 'human-approval' : 'rejection', reason, plan }, ++seq));
    }
  }
  await flushSession(session, spec);
  await writeFile(path.join(dir, FILES.log), log.join(''));
  await writeFile(path.join(dir, FILES.internal, 'index.jsonl'), index.join(''));
  const intro = 'Synthetic memory for the benchmark.';
  await writeFile(path.join(dir, FILES.patterns), renderItemsFile('Successful patterns', intro, [...patterns.values()], seq));
  await writeFile(path.join(dir, FILES.lessons), renderItemsFile('Lessons', intro, [...lessons.values()], seq));
  return { records, lastSession: session };
}
