// The public `--json` event stream: one zod schema per event type (the types inferred from them), versioned by `v` on
// every line, and the mapping from the engine's internal events. Scripts read this, never EngineEvent: an engine
// change reaches the stream only through `toJsonEvent`, and a change here is a new `v` (README: "The --json events").
import { z } from 'zod';
import { OBJECTIVES, PlanSchema } from '../core/plan.js';
import type { EngineEvent } from '../engine/types.js';
import { type ForkBase, ownCounts } from '../state/lineage.js';
import { ProgressSchema } from '../state/session.js';

/** The stream's version: raised when a field is removed or changes meaning (new fields and events keep it). */
export const JSON_EVENTS_VERSION = 1;

const count = z.number().int().nonnegative();
const iteration = z.number().int().positive();
const Score = z.object({ makespan: z.number(), cost: z.number(), risk: z.number(), steps: z.number() });
const Usage = z.object({ promptTokens: count, completionTokens: count, cachedTokens: count });
const Totals = Usage.extend({ costUsd: z.number().nonnegative() });
/** A fork's own counts (its line's less the line's at its fork point), beside the line's `progress` and `usage`. */
const Own = z.object({ progress: ProgressSchema, usage: Totals });
const Finding = z.object({
  rule: z.string(),
  severity: z.enum(['error', 'warning']),
  step: count.optional(),
  message: z.string(),
  fix: z.string().optional(),
});

/** An event's own fields: `v`, `type` and `time` come first on every line. */
const event = <T extends string, S extends z.ZodRawShape>(type: T, fields: S) =>
  z.object({ v: z.literal(JSON_EVENTS_VERSION), type: z.literal(type), time: z.iso.datetime(), ...fields });

export const JsonEventSchema = z.discriminatedUnion('type', [
  event('session-started', {
    session: z.string(),
    goalText: z.string(),
    procedure: z.string(),
    goalId: z.string(),
    planner: z.string(),
    iterations: iteration,
    checkpoint: count,
    resumedFrom: count.nullable(),
    /** The human rules in force for this run (human_rules.md lines), as they stood at its start. */
    humanRules: z.array(z.string()),
    /** A fork: the session it branched from and the iteration after which it did. */
    fork: z.object({ parent: z.string(), at: count }).optional(),
  }),
  event('iteration-started', { iteration, total: iteration }),
  event('recalled', {
    iteration,
    tokens: count,
    budget: count,
    items: count,
    total: count,
    /** Kinds of memory of which the budget left some out: how many the prompt carries of those in scope. */
    leftOut: z.array(z.object({ kind: z.enum(['pattern', 'lesson', 'feedback']), recalled: count, offered: count })),
  }),
  event('planner-progress', { iteration, tokens: count }),
  event('retry', { iteration, attempt: count, reason: z.string(), delayMs: count }),
  event('plan-proposed', { iteration, plan: PlanSchema, mode: z.string(), usage: Usage.optional(), costUsd: z.number().optional() }),
  event('validated', { iteration, valid: z.boolean(), errors: count, warnings: count, findings: z.array(Finding) }),
  event('approved', { iteration, by: z.enum(['auto', 'human']) }),
  event('paused', { iteration, reason: z.enum(['validation', 'planner-error']), message: z.string() }),
  event('repair', { iteration, attempt: count, errors: count }),
  event('iteration-finished', {
    iteration,
    outcome: z.enum(['improved', 'alternative', 'worse', 'repeat', 'rejected-before', 'failed', 'error']),
    errors: count,
    usage: Usage.optional(),
    costUsd: z.number().optional(),
    score: Score.optional(),
    change: z.object({ iteration: count, before: Score.nullable(), after: Score }).optional(),
    objectives: z.array(z.enum(OBJECTIVES)),
    repairs: count,
    candidates: count,
    latencyMs: z.number().nonnegative(),
    error: z.string().optional(),
  }),
  event('feedback-read', {
    iteration,
    text: z.string(),
    rules: z.array(z.string()),
    by: z.enum(['rules', 'model', 'person']),
    confirmed: z.boolean(),
    enforced: z.boolean(),
  }),
  event('converged', { iteration, reason: z.string() }),
  event('patience', { iteration, idle: count }),
  event('checkpoint', { iteration, progress: ProgressSchema, usage: Totals, own: Own.optional(), awaited: z.boolean() }),
  event('decision', { iteration, decision: z.string(), reason: z.string().optional() }),
  event('warning', { message: z.string() }),
  event('finished', {
    session: z.string(),
    status: z.enum(['running', 'paused', 'interrupted', 'failed', 'stopped', 'completed']),
    progress: ProgressSchema,
    usage: Totals,
    own: Own.optional(),
  }),
]);

export type JsonEvent = z.infer<typeof JsonEventSchema>;
type Fields<T extends JsonEvent['type']> = Omit<Extract<JsonEvent, { type: T }>, 'v' | 'type' | 'time'>;

const usageOf = (u: { promptTokens: number; completionTokens: number; cachedTokens: number }) => ({
  promptTokens: u.promptTokens,
  completionTokens: u.completionTokens,
  cachedTokens: u.cachedTokens,
});
const totalsOf = (u: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number }) => ({ ...usageOf(u), costUsd: u.costUsd });
/** Only the fields that are set: an absent optional field is left out, never written as null. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** A fork's own counts of a line's `progress` and `usage`; nothing for a session that is not a fork. */
const ownOf = (e: { progress: z.infer<typeof ProgressSchema>; usage: z.infer<typeof Totals> }, fork: ForkBase | undefined) => {
  if (!fork) return undefined;
  const own = ownCounts(e, fork);
  return { progress: own.progress, usage: totalsOf(own.usage) };
};

/** Each engine event's public fields, named one by one: a field the engine adds is not published until it is listed here. */
const FIELDS: { [T in EngineEvent['type']]: (e: Extract<EngineEvent, { type: T }>, fork: ForkBase | undefined) => Fields<T> } = {
  'session-started': (e, fork) =>
    defined({
      session: e.session,
      goalText: e.goalText,
      procedure: e.procedure,
      goalId: e.goalId,
      planner: e.planner,
      iterations: e.iterations,
      checkpoint: e.checkpoint,
      resumedFrom: e.resumedFrom,
      humanRules: e.humanRules,
      fork: fork && { parent: fork.parent, at: fork.forkPoint },
    }),
  'iteration-started': (e) => ({ iteration: e.iteration, total: e.total }),
  recalled: (e) => ({
    iteration: e.iteration,
    tokens: e.tokens,
    budget: e.budget,
    items: e.items,
    total: e.total,
    leftOut: e.leftOut.map((l) => ({ kind: l.kind, recalled: l.recalled, offered: l.offered })),
  }),
  'planner-progress': (e) => ({ iteration: e.iteration, tokens: e.tokens }),
  retry: (e) => ({ iteration: e.iteration, attempt: e.attempt, reason: e.reason, delayMs: e.delayMs }),
  'plan-proposed': (e) => defined({ iteration: e.iteration, plan: e.plan, mode: e.mode, usage: e.usage && usageOf(e.usage), costUsd: e.costUsd }),
  validated: (e) => ({
    iteration: e.iteration,
    valid: e.valid,
    errors: e.errors,
    warnings: e.warnings,
    findings: e.findings.map((f) => defined({ rule: f.rule, severity: f.severity, step: f.step, message: f.message, fix: f.fix })),
  }),
  approved: (e) => ({ iteration: e.iteration, by: e.by }),
  paused: (e) => ({ iteration: e.iteration, reason: e.reason, message: e.message }),
  repair: (e) => ({ iteration: e.iteration, attempt: e.attempt, errors: e.errors }),
  'iteration-finished': (e) =>
    defined({
      iteration: e.iteration,
      outcome: e.outcome,
      errors: e.errors,
      usage: e.usage && usageOf(e.usage),
      costUsd: e.costUsd,
      score: e.score,
      change: e.change,
      objectives: e.objectives,
      repairs: e.repairs,
      candidates: e.candidates,
      latencyMs: e.latencyMs,
      error: e.error,
    }),
  'feedback-read': (e) => ({
    iteration: e.iteration,
    text: e.reading.text,
    rules: e.reading.lines,
    by: e.reading.by,
    confirmed: e.confirmed,
    enforced: e.enforced,
  }),
  converged: (e) => ({ iteration: e.iteration, reason: e.reason }),
  patience: (e) => ({ iteration: e.iteration, idle: e.idle }),
  checkpoint: (e, fork) =>
    defined({
      iteration: e.iteration,
      progress: e.progress,
      usage: totalsOf(e.usage),
      own: ownOf({ progress: e.progress, usage: e.usage }, fork),
      awaited: e.awaited,
    }),
  decision: (e) => defined({ iteration: e.iteration, decision: e.decision, reason: e.reason }),
  warning: (e) => ({ message: e.message }),
  finished: (e, fork) =>
    defined({
      session: e.session,
      status: e.status,
      progress: e.progress,
      usage: totalsOf(e.usage),
      own: ownOf({ progress: e.progress, usage: e.usage }, fork),
    }),
};

/** The public event for an engine event, stamped with the stream's version and `time`; `fork`: where a fork's own counts start. */
export function toJsonEvent(e: EngineEvent, time: string, fork?: ForkBase): JsonEvent {
  const fields = (FIELDS[e.type] as (e: EngineEvent, fork: ForkBase | undefined) => object)(e, fork);
  return { v: JSON_EVENTS_VERSION, type: e.type, time, ...fields } as JsonEvent;
}
