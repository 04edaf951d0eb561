// The compact, replayable record of one log entry: the execution log's commit marker, and its brief form for readers.
import type { Finding, Plan } from '../core/plan.js';
import type { Insight } from '../procedures/insight.js';
import type { IterationRecord, LoggedOutcome, ReviewRecord } from './types.js';
import { isObj } from '../core/value.js';

/** An iteration's quality, repairs, rules and convergence, and a rejection's rules, as the engine committed them. */
type Judged = Pick<IterationRecord, 'score' | 'objectives' | 'planId' | 'planKey' | 'repairs' | 'checkedRules' | 'unchecked' | 'converged' | 'claim'>;
type Read = Pick<ReviewRecord, 'constraints' | 'confirmed' | 'scope' | 'standing'>;

export interface LogRecord extends Judged, Read {
  /** Position in the memory folder's log (1, 2, ...): the watermark every derived file refers to. */
  seq: number;
  type: 'iteration' | 'review';
  session: string;
  iteration: number;
  time: string;
  procedure: string;
  goalId: string;
  goalText: string;
  title?: string;
  /** Plan steps as action and owner. */
  steps?: { a: string; o?: string }[];
  outcome?: LoggedOutcome;
  approvedBy?: 'auto' | 'human' | null;
  findings?: { r: string; sev: 'error' | 'warning'; s?: number; a?: string; fix?: string }[];
  /** In the brief form only: the rule ids a failed plan's errors were about (each once), instead of its findings. */
  failing?: string[];
  /** Feedback this iteration addressed (logs before human rules existed; never written now). */
  addressed?: string[];
  /** Review kind and reason. */
  review?: ReviewRecord['kind'];
  reason?: string;
  planner?: string;
  error?: string;
  usage?: { p: number; c: number; k: number };
  cost?: number;
  ctx?: { t: number; b: number; i: number; n: number };
  /** Characters of the prompt sent, for the context-size chart. */
  promptChars?: number;
  /** jupiter's token estimate of that prompt, to check against `usage.p`. */
  est?: number;
  /**
   * Insights the validator confirmed on this iteration's failed attempts (logs of older versions carried `contrast`,
   * diffs between a failed plan and the next valid one, unchecked: never learned from now).
   */
  insights?: Insight[];
  /** Candidate insights the validator refuted on them: discarded, counted. */
  refuted?: number;
  /** Findings of the failed attempt a repair then fixed: lessons learn from repaired failures too. */
  repaired?: LogRecord['findings'];
}

function compactFindings(plan: Plan | null, findings: Finding[]): LogRecord['findings'] {
  return findings.map((f) => {
    const out: NonNullable<LogRecord['findings']>[number] = { r: f.rule, sev: f.severity };
    if (f.step !== undefined) {
      out.s = f.step;
      const action = plan?.steps[f.step - 1]?.action;
      if (action) out.a = action;
    }
    if (f.fix) out.fix = f.fix;
    return out;
  });
}

export function iterationToRecord(rec: IterationRecord, seq: number, promptChars?: number): LogRecord {
  const out: LogRecord = {
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
    out.steps = rec.plan.steps.map((s) => (s.owner ? { a: s.action, o: String(s.owner) } : { a: s.action }));
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
  if (rec.usage) out.usage = { p: rec.usage.promptTokens, c: rec.usage.completionTokens, k: rec.usage.cachedTokens };
  if (rec.costUsd !== undefined) out.cost = rec.costUsd;
  if (rec.context) out.ctx = { t: rec.context.tokens, b: rec.context.budget, i: rec.context.items, n: rec.context.total };
  if (promptChars !== undefined) out.promptChars = promptChars;
  if (rec.promptTokensEstimate !== undefined) out.est = rec.promptTokensEstimate;
  if (rec.insights?.length) out.insights = rec.insights;
  if (rec.refuted) out.refuted = rec.refuted;
  if (rec.repaired) out.repaired = compactFindings(rec.repaired.plan, rec.repaired.findings);
  return out;
}

export function reviewToRecord(rev: ReviewRecord, seq: number): LogRecord {
  const out: LogRecord = {
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
    out.steps = rev.plan.steps.map((s) => (s.owner ? { a: s.action, o: String(s.owner) } : { a: s.action }));
  }
  return out;
}

/** Parses one log record defensively; undefined when it is not a record. */
export function parseRecord(text: string): LogRecord | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (
      !isObj(v) ||
      typeof v.seq !== 'number' ||
      (v.type !== 'iteration' && v.type !== 'review') ||
      typeof v.session !== 'string' ||
      typeof v.iteration !== 'number'
    )
      return undefined;
    // Records written before the goal id had its own name kept it under `goal`.
    if (v.goalId === undefined && typeof v.goal === 'string') {
      v.goalId = v.goal;
      delete v.goal;
    }
    return v as unknown as LogRecord;
  } catch {
    return undefined;
  }
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
  'ctx',
  'promptChars',
  'est',
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
    rec.failing ?? (rec.outcome === 'failed' ? [...new Set((rec.findings ?? []).filter((f) => f.sev === 'error').map((f) => f.r))].slice(0, 20) : undefined);
  if (failing?.length) out.failing = failing;
  return out as unknown as LogRecord;
}
