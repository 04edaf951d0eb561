// The log record as the log stores it: one zod schema per record type (an iteration, a person's review), the types
// inferred from them. Records are checked when read, never when written: the writer builds them with typed functions
// (record.ts), and an old record is brought up to today's keys first (record-migrate.ts).
import { z } from 'zod';
import { OBJECTIVES } from '../core/plan.js';
import { isObj } from '../core/value.js';
import type { Insight } from '../procedures/insight.js';
import type { Rule } from '../procedures/types.js';

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();

/** A plan step as the log keeps it: its action and, when it names one, its owner. */
const StepSchema = z.object({ action: z.string(), owner: z.string().optional() });

/** A validator finding as the log keeps it: the rule, how bad, and the step (number and action) it is about. */
const FindingSchema = z.object({
  rule: z.string(),
  severity: z.enum(['error', 'warning']),
  step: z.number().int().optional(),
  action: z.string().optional(),
  fix: z.string().optional(),
});

const ScoreSchema = z.object({ makespan: z.number(), cost: z.number(), risk: z.number(), steps: z.number() });

const CommonFields = {
  /** Position in the memory folder's log (1, 2, ...): the watermark every derived file refers to. */
  seq: z.number().int().positive(),
  session: z.string(),
  iteration: count,
  time: z.string(),
  procedure: z.string(),
  goalId: z.string(),
  goalText: z.string(),
  title: z.string().optional(),
  /** Absent when an earlier record carried the plan (named by `planId`); the reader puts them back. */
  steps: z.array(StepSchema).optional(),
  planId: z.string().optional(),
  /** The plan's identity: the same steps with the same schedule. */
  planKey: z.string().optional(),
  /** What "better" meant: an iteration's score, or a review's standing plans, were scored under these. */
  objectives: z.array(z.enum(OBJECTIVES)).optional(),
};

export const IterationEntrySchema = z.object({
  ...CommonFields,
  type: z.literal('iteration'),
  outcome: z.enum(['improved', 'alternative', 'worse', 'repeat', 'rejected-before', 'failed', 'error', 'approved']).optional(),
  /** Absent: a valid plan approved automatically. */
  approvedBy: z.enum(['auto', 'human']).nullable().optional(),
  findings: z.array(FindingSchema).optional(),
  /** In the brief form only: the rule ids a failed plan's errors were about (each once), instead of its findings. */
  failing: z.array(z.string()).optional(),
  /** Feedback this iteration addressed (logs before human rules existed; never written now). */
  addressed: z.array(z.string()).optional(),
  planner: z.string().optional(),
  error: z.string().optional(),
  usage: z.object({ promptTokens: amount, completionTokens: amount, cachedTokens: amount }).optional(),
  cost: amount.optional(),
  /** Memory put into the prompt: tokens of a budget, items of those in scope. */
  context: z.object({ tokens: amount, budget: amount, items: count, total: count }).optional(),
  /** Characters of the prompt sent, for the context-size chart. */
  promptChars: count.optional(),
  /** jupiter's token estimate of that prompt, to check against `usage.promptTokens`. */
  promptTokensEstimate: amount.optional(),
  score: ScoreSchema.optional(),
  repairs: count.optional(),
  checkedRules: z.array(z.string()).optional(),
  unchecked: z.array(z.string()).optional(),
  converged: z.string().optional(),
  claim: z.object({ verdict: z.enum(['holds', 'refuted', 'unchecked']), by: z.enum(['bound', 'search', 'champion']).optional(), text: z.string() }).optional(),
  /** Insights the validator confirmed on this iteration's failed attempts. */
  insights: z.array(z.custom<Insight>((v) => isObj(v) && typeof v.rule === 'string' && Array.isArray(v.actions))).optional(),
  /** Candidate insights the validator refuted on them: discarded, counted. */
  refuted: count.optional(),
  /** Findings of the failed attempt a repair then fixed: lessons learn from repaired failures too. */
  repaired: z.array(FindingSchema).optional(),
});

const StandingSchema = z.object({
  planId: z.string(),
  key: z.string().optional(),
  score: ScoreSchema,
  iteration: count,
  /** The plan's actions, on the first (the champion from here on). */
  steps: z.array(z.string()).optional(),
});

export const ReviewEntrySchema = z.object({
  ...CommonFields,
  type: z.literal('review'),
  review: z.enum(['human-approval', 'rejection', 'override', 'checkpoint']),
  reason: z.string().optional(),
  /** A rejection's reason read into rules the validator checks. */
  constraints: z.array(z.custom<Rule>((v) => isObj(v) && typeof v.kind === 'string')).optional(),
  confirmed: z.boolean().optional(),
  scope: z.enum(['session', 'goal']).optional(),
  /** The champion and alternatives still standing after a rejection, re-checked and re-scored, best first. */
  standing: z.array(StandingSchema).optional(),
});

export const LogRecordSchema = z.discriminatedUnion('type', [IterationEntrySchema, ReviewEntrySchema]);

export type IterationEntry = z.infer<typeof IterationEntrySchema>;
export type ReviewEntry = z.infer<typeof ReviewEntrySchema>;
export type LogStep = z.infer<typeof StepSchema>;
export type LogFinding = z.infer<typeof FindingSchema>;

/** Either record, with the other type's fields readable as absent (so a fold reads `r.outcome` without narrowing). */
export type LogRecord =
  | (IterationEntry & { [K in Exclude<keyof ReviewEntry, keyof IterationEntry>]?: undefined })
  | (ReviewEntry & { [K in Exclude<keyof IterationEntry, keyof ReviewEntry>]?: undefined });
