// The compact, replayable record of one log entry: the execution log's commit marker, and its brief form for readers.
import type { Finding, Plan } from '../core/plan.js';
import type { z } from 'zod';
import type { IterationRecord, ReviewRecord } from './types.js';
import { type IterationEntry, type LogFinding, type LogRecord, LogRecordSchema, type LogStep, type ReviewEntry } from './record-schema.js';
import { migrateRecord } from './record-migrate.js';
import { valueAt } from '../core/value.js';

export type { LogRecord } from './record-schema.js';

function compactFindings(plan: Plan | null, findings: Finding[]): LogFinding[] {
  return findings.map((f) => {
    const out: LogFinding = { rule: f.rule, severity: f.severity };
    if (f.step !== undefined) {
      out.step = f.step;
      const action = plan?.steps[f.step - 1]?.action;
      if (action) out.action = action;
    }
    if (f.fix) out.fix = f.fix;
    return out;
  });
}

/** A plan's steps as the log keeps them. */
const logSteps = (plan: Plan): LogStep[] => plan.steps.map((s) => (s.owner ? { action: s.action, owner: String(s.owner) } : { action: s.action }));

export function iterationToRecord(rec: IterationRecord, seq: number, promptChars?: number): LogRecord {
  const out: IterationEntry = {
    seq,
    type: 'iteration',
    session: rec.session,
    iteration: rec.iteration,
    time: rec.finishedAt,
    procedure: rec.procedure,
    goalId: rec.goalId,
    goalText: rec.goalText,
    outcome: rec.outcome,
    approvedBy: rec.approvedBy,
    planner: rec.planner,
  };
  if (rec.plan) {
    out.title = rec.plan.title;
    out.steps = logSteps(rec.plan);
  }
  if (rec.validation) out.findings = compactFindings(rec.plan, rec.validation.findings);
  if (rec.score) out.score = rec.score;
  if (rec.objectives) out.objectives = rec.objectives;
  if (rec.planId) out.planId = rec.planId;
  if (rec.planKey) out.planKey = rec.planKey;
  if (rec.repairs) out.repairs = rec.repairs;
  if (rec.checkedRules?.length) out.checkedRules = rec.checkedRules;
  if (rec.unchecked?.length) out.unchecked = rec.unchecked;
  if (rec.converged) out.converged = rec.converged;
  if (rec.claim) out.claim = rec.claim;
  if (rec.error) out.error = rec.error;
  if (rec.usage) out.usage = { promptTokens: rec.usage.promptTokens, completionTokens: rec.usage.completionTokens, cachedTokens: rec.usage.cachedTokens };
  if (rec.costUsd !== undefined) out.cost = rec.costUsd;
  if (rec.context) out.context = { tokens: rec.context.tokens, budget: rec.context.budget, items: rec.context.items, total: rec.context.total };
  if (promptChars !== undefined) out.promptChars = promptChars;
  if (rec.promptTokensEstimate !== undefined) out.promptTokensEstimate = rec.promptTokensEstimate;
  if (rec.insights?.length) out.insights = rec.insights;
  if (rec.refuted) out.refuted = rec.refuted;
  if (rec.repaired) out.repaired = compactFindings(rec.repaired.plan, rec.repaired.findings);
  return out;
}

export function reviewToRecord(rev: ReviewRecord, seq: number): LogRecord {
  const out: ReviewEntry = {
    seq,
    type: 'review',
    session: rev.session,
    iteration: rev.iteration,
    time: rev.time,
    procedure: rev.procedure,
    goalId: rev.goalId,
    goalText: rev.goalText,
    review: rev.kind,
  };
  if (rev.reason) out.reason = rev.reason;
  if (rev.constraints?.length) out.constraints = rev.constraints;
  if (rev.confirmed !== undefined) out.confirmed = rev.confirmed;
  if (rev.scope) out.scope = rev.scope;
  if (rev.planKey) out.planKey = rev.planKey;
  if (rev.standing) out.standing = rev.standing;
  if (rev.objectives) out.objectives = rev.objectives;
  if (rev.plan) {
    out.title = rev.plan.title;
    out.steps = logSteps(rev.plan);
  }
  return out;
}

/** The first fault of a record as a person reads it: `"usage.promptTokens" expected number, received string`. */
function describe(issue: z.core.$ZodIssue, value: unknown): string {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol').join('.');
  const field = path ? `"${path}" ` : '';
  return valueAt(value, issue.path) === undefined && path ? `${field}is missing` : `${field}${issue.message}`;
}

/** One log record line's JSON, brought up to today's keys and checked: the record, or why it is not one. */
export function parseRecord(text: string): { record: LogRecord } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const migrated = migrateRecord(value);
  const r = LogRecordSchema.safeParse(migrated);
  return r.success ? { record: r.data } : { problem: describe(r.error.issues[0]!, migrated) };
}

/** Fields summary and resume need; plans, findings and titles stay in the log (a record read for them is kept small). */
const BRIEF_FIELDS = [
  'seq',
  'type',
  'session',
  'iteration',
  'time',
  'procedure',
  'goalId',
  'goalText',
  'objectives',
  'outcome',
  'approvedBy',
  'review',
  'reason',
  'error',
  'usage',
  'cost',
  'context',
  'promptChars',
  'promptTokensEstimate',
  'score',
  'planId',
  'planKey',
  'standing',
  'repairs',
  'refuted',
  'converged',
  'claim',
  'constraints',
  'confirmed',
  'scope',
] as const;

/** The brief form of a record that summary and resume read: its failing rules instead of its findings, no steps. */
export function briefRecord(rec: LogRecord): LogRecord {
  const out: Record<string, unknown> = {};
  for (const k of BRIEF_FIELDS) if (rec[k] !== undefined) out[k] = rec[k];
  // The summary counts failures by rule: the rule ids of a failed plan's errors, each once, not the findings.
  const failing =
    rec.failing ??
    (rec.outcome === 'failed' ? [...new Set((rec.findings ?? []).filter((f) => f.severity === 'error').map((f) => f.rule))].slice(0, 20) : undefined);
  if (failing?.length) out.failing = failing;
  return out as unknown as LogRecord;
}
