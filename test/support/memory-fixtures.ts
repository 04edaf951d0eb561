// Builders and invariant checks for the memory tests: hand-built records, temp folders, replay from the log.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding, Plan } from '../../src/core/plan.js';
import { parseItemsFile } from '../../src/memory/items-file.js';
import { learn } from '../../src/memory/learn.js';
import { recordsIn } from '../../src/memory/log-file.js';
import type { IterationRecord, MemoryItem, ReviewRecord } from '../../src/memory/types.js';

export function memDir(prefix = 'jupiter-mem-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Scope {
  procedure: string;
  goalId: string;
  goalText: string;
}

export const DEPLOY: Scope = { procedure: 'production-deployment', goalId: 'deploy-service', goalText: 'Deploy the payments service to production' };
export const CHANGE: Scope = { procedure: 'change-management', goalId: 'standard-change', goalText: 'Apply a standard change to the firewall rules' };
export const ACCESS: Scope = { procedure: 'access-review', goalId: 'quarterly-review', goalText: 'Run the quarterly access review for finance systems' };

export function plan(actions: string[], title = 'A plan'): Plan {
  return { title, summary: `${title} summary`, steps: actions.map((action, i) => ({ action, owner: i % 2 ? 'sre' : 'dev' })) };
}

const T0 = Date.parse('2025-01-01T00:00:00Z');
export const at = (n: number) => new Date(T0 + n * 60_000).toISOString();

function iteration(session: string, n: number, actions: string[], scope: Scope, findings: Finding[], approvedBy: 'auto' | 'human' | null): IterationRecord {
  const valid = approvedBy !== null;
  return {
    session,
    iteration: n,
    startedAt: at(n),
    finishedAt: at(n),
    goalText: scope.goalText,
    procedure: scope.procedure,
    goalId: scope.goalId,
    planner: 'builtin',
    plan: plan(actions, `Plan ${n}`),
    validation: { valid, procedure: scope.procedure, goal: scope.goalId, findings, finalFacts: [] },
    outcome: valid ? 'improved' : 'failed',
    approvedBy,
  };
}

export function approved(session: string, n: number, actions: string[], scope: Scope = DEPLOY, approvedBy: 'auto' | 'human' = 'auto'): IterationRecord {
  return iteration(session, n, actions, scope, [], approvedBy);
}

export function failed(session: string, n: number, actions: string[], findings: Finding[], scope: Scope = DEPLOY): IterationRecord {
  return iteration(session, n, actions, scope, findings, null);
}

export function finding(rule: string, step: number | undefined, fix?: string): Finding {
  const f: Finding = { severity: 'error', rule, message: `rule ${rule} violated` };
  if (step !== undefined) f.step = step;
  if (fix) f.fix = fix;
  return f;
}

export function review(
  session: string,
  iteration: number,
  kind: ReviewRecord['kind'],
  reason: string | undefined,
  actions: string[] | null,
  scope: Scope = DEPLOY,
): ReviewRecord {
  const r: ReviewRecord = {
    session,
    iteration,
    time: at(iteration),
    goalText: scope.goalText,
    procedure: scope.procedure,
    goalId: scope.goalId,
    kind,
    plan: actions ? plan(actions, `Plan ${iteration}`) : null,
  };
  if (reason) r.reason = reason;
  return r;
}

/** Replays every record of the log from scratch, as a fresh memory would, one commit at a time. */
export function replay(logText: string): { patterns: Map<string, MemoryItem>; lessons: Map<string, MemoryItem>; seqs: number[] } {
  const patterns = new Map<string, MemoryItem>();
  const lessons = new Map<string, MemoryItem>();
  const { records } = recordsIn(logText);
  for (const rec of records) {
    // Every commit compacts what it writes: faded items are gone before the next record is applied.
    learn(patterns, rec, 'pattern');
    learn(lessons, rec, 'lesson');
  }
  return { patterns, lessons, seqs: records.map((r) => r.seq) };
}

/** id → count from a replay of the log. */
export function replayCounts(logText: string): { patterns: Record<string, number>; lessons: Record<string, number> } {
  const r = replay(logText);
  const counts = (m: Map<string, MemoryItem>) => Object.fromEntries([...m.values()].map((i) => [i.id, i.count]));
  return { patterns: counts(r.patterns), lessons: counts(r.lessons) };
}

/** id → count as the markdown file on disk says. */
export function fileCounts(file: string, kind: 'pattern' | 'lesson'): Record<string, number> {
  const parsed = parseItemsFile(readFileSync(file, 'utf8'), kind);
  return Object.fromEntries(parsed.items.map((i) => [i.id, i.count]));
}

export function read(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), 'utf8');
}

export const sectionCount = (log: string) => log.split('\n').filter((l) => /^## (Iteration|Review of iteration) /.test(l)).length;
export const recordLineCount = (log: string) => log.split('\n').filter((l) => /^<!-- jupiter:entry \{.*\} -->$/.test(l)).length;

/** What a from-scratch replay of the log says, beside what the markdown files on disk say. */
export function consistency(dir: string): { want: ReturnType<typeof replayCounts>; got: ReturnType<typeof replayCounts> } {
  const want = replayCounts(read(dir, 'execution_log.md'));
  const got = { patterns: fileCounts(path.join(dir, 'successful_patterns.md'), 'pattern'), lessons: fileCounts(path.join(dir, 'lessons.md'), 'lesson') };
  return { want, got };
}
