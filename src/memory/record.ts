// The compact, replayable record of one log entry: the execution log's commit marker and the index line.
import type { Finding, Plan } from '../core/plan.js';
import type { Score } from '../procedures/quality.js';
import type { Objective, Rule } from '../procedures/types.js';
import { isValidOutcome, type IterationRecord, type LoggedOutcome, type ReviewRecord } from './types.js';

export interface LogRecord {
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
  /** Feedback this iteration addressed (logs before human rules existed; never written now). */
  addressed?: string[];
  /** Score of a valid plan, its objectives, and the plan's content address. */
  score?: Score;
  objectives?: Objective[];
  planId?: string;
  /** Repair rounds used after the plan first failed validation. */
  repairs?: number;
  /** Human rules this plan was checked against; feedback that stayed prose (unchecked). */
  checkedRules?: string[];
  unchecked?: string[];
  /** Why the run converged at this iteration. */
  converged?: string;
  /** A rejection read into rules, whether a person confirmed the reading, and where the rules apply. */
  constraints?: Rule[];
  confirmed?: boolean;
  scope?: 'session' | 'goal';
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
  /** This approved plan followed a failing one in the same session: what it added to pass. */
  fixed?: { rules: string[]; added: string[] };
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

export function iterationToRecord(rec: IterationRecord, seq: number, promptChars?: number, previous?: { plan: Plan | null; findings: Finding[] }): LogRecord {
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
  if (rec.repairs) out.repairs = rec.repairs;
  if (rec.checkedRules?.length) out.checkedRules = rec.checkedRules;
  if (rec.unchecked?.length) out.unchecked = rec.unchecked;
  if (rec.converged) out.converged = rec.converged;
  if (rec.error) out.error = rec.error;
  if (rec.usage) out.usage = { p: rec.usage.promptTokens, c: rec.usage.completionTokens, k: rec.usage.cachedTokens };
  if (rec.costUsd !== undefined) out.cost = rec.costUsd;
  if (rec.context) out.ctx = { t: rec.context.tokens, b: rec.context.budget, i: rec.context.items, n: rec.context.total };
  if (promptChars !== undefined) out.promptChars = promptChars;
  if (rec.promptTokensEstimate !== undefined) out.est = rec.promptTokensEstimate;
  const failedBefore = previous && previous.findings.some((f) => f.severity === 'error');
  if (isValidOutcome(rec.outcome) && failedBefore && previous.plan && rec.plan) {
    const had = new Set(previous.plan.steps.map((s) => s.action));
    const added = [...new Set(rec.plan.steps.map((s) => s.action).filter((a) => !had.has(a)))];
    const rules = [...new Set(previous.findings.filter((f) => f.severity === 'error').map((f) => f.rule))];
    if (added.length) out.fixed = { rules, added };
  }
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
  if (rev.plan) {
    out.title = rev.plan.title;
    out.steps = rev.plan.steps.map((s) => (s.owner ? { a: s.action, o: String(s.owner) } : { a: s.action }));
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one index/log record defensively; undefined when it is not a record. */
export function parseRecord(text: string): LogRecord | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (!isObj(v) || typeof v.seq !== 'number' || (v.type !== 'iteration' && v.type !== 'review') || typeof v.session !== 'string' || typeof v.iteration !== 'number') return undefined;
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
