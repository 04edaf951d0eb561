// The session as it is saved: one zod schema that is the type, the runtime check of a session file and its
// defaults. Old files are brought up to this shape by `migrateSession` (state/migrate.ts) before they are checked.
import { z } from 'zod';
import { PlanSchema, type ValidationResult } from '../core/plan.js';
import type { Score } from '../procedures/quality.js';
import { SettingsSchema } from '../config/settings-schema.js';

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative().finite();
const isScore = (v: unknown): v is Score =>
  typeof v === 'object' && v !== null && ['makespan', 'cost', 'risk', 'steps'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number');
const ScoreSchema = z.custom<Score>(isScore, 'must be a score (makespan, cost, risk, steps)');

export const ProgressSchema = z.object({
  completed: count,
  /** Valid plans that became champion or alternative (improved + alternatives); worse plans and repeats are not. */
  approved: count,
  /** Strict improvements of the champion (the first valid plan is one). */
  improved: count,
  alternatives: count,
  /** Valid new plans no better than the champion, and valid plans already proposed in the session. */
  worse: count,
  repeats: count,
  /** Valid plans a person had rejected before (same plan, or the same steps with the same schedule): never approved. */
  rejectedBefore: count,
  /** Iterations whose first proposal was valid (no repair needed). */
  firstTryValid: count,
  /** Repair rounds used, and iterations a repair turned valid. */
  repairs: count,
  repaired: count,
  failed: count,
  rejected: count,
  overridden: count,
  errors: count,
  humanApprovals: count,
});

/** A valid plan the session holds (champion or alternative): its content address, identity, score and iteration. */
export const PlanRefSchema = z.object({
  planId: z.string(),
  /** Same steps, same schedule: the same plan (absent in sessions from before identities: the plan id). */
  key: z.string().optional(),
  score: ScoreSchema,
  iteration: count,
});

const ScoreChangeSchema = z.object({ iteration: count, before: ScoreSchema.nullable(), after: ScoreSchema });

const OUTCOMES = ['improved', 'alternative', 'worse', 'repeat', 'rejected-before', 'failed', 'error'] as const;

export const SessionSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  /** The person's goal, as typed. */
  goalText: z.string(),
  procedure: z.string(),
  goalId: z.string(),
  status: z.enum(['running', 'paused', 'interrupted', 'failed', 'stopped', 'completed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  settings: SettingsSchema,
  progress: ProgressSchema,
  currentPlan: PlanSchema.nullable(),
  currentValidation: z.custom<ValidationResult | null>((v) => v === null || (typeof v === 'object' && Array.isArray((v as { findings?: unknown }).findings))),
  /** Human feedback that could not be compiled into rules: shown to the planner as prose, never checked. */
  pendingFeedback: z.array(z.string()),
  /** `costUnknown`: some call used a model with no known price, so `costUsd` is a lower bound, not the total. */
  usage: z.object({ promptTokens: amount, completionTokens: amount, cachedTokens: amount, costUsd: amount, costUnknown: z.boolean().optional() }),
  /** Why the run last halted, when it did. */
  haltReason: z.string().optional(),
  /** Best valid plan that passes the current rules and no person rejected (its plan is in the plan store). */
  champion: PlanRefSchema.nullable(),
  /** Content addresses (and identities) of every plan proposed in this session. */
  seen: z.array(z.string()),
  /** Identities and plan ids of the plans a person rejected in this session: never champion or alternative again. */
  rejected: z.array(z.string()),
  /** Plans a person rejected in this session: the planner is asked for plans that differ from them in schedule. */
  rejectedPlans: z.array(PlanSchema).optional(),
  /** Iteration of the last improvement (0: none yet). */
  lastImprovement: count,
  /** Where the patience count starts: the last improvement, or the last time a person chose to go on. */
  idleSince: count,
  /** Every improvement of the champion in this session, oldest first. */
  improvements: z.array(ScoreChangeSchema),
  /** Best distinct valid plans that are not the champion, best first (a few). */
  alternatives: z.array(PlanRefSchema),
  /** Failed iterations in a row (reset by a valid one). */
  consecutiveFailures: count,
  /** Set when the planner proved the champion optimal: the run is over. */
  converged: z.object({ iteration: count, reason: z.string() }).optional(),
  /** A decision the run was waiting for when it stopped: resume asks it again. */
  pendingDecision: z.object({ kind: z.enum(['checkpoint', 'failure', 'patience']), iteration: z.number().int().min(1) }).optional(),
  /** What the last proposal came to, with its score and the champion's it was judged against (for the next prompt). */
  lastProposal: z
    .object({
      iteration: count,
      outcome: z.enum(OUTCOMES),
      score: ScoreSchema.optional(),
      championScore: ScoreSchema.optional(),
      planId: z.string().optional(),
      /** The model claimed that plan optimal: what checking the claim came to. */
      claim: z
        .object({ verdict: z.enum(['holds', 'refuted', 'unchecked']), by: z.enum(['bound', 'search', 'champion']).optional(), text: z.string() })
        .optional(),
    })
    .optional(),
  /** A fork (`resume --from N --fork`): the session it branched from, and the last of that session's iterations it took. */
  parent: z.string().optional(),
  forkPoint: count.optional(),
  /** The last time a person rejected the champion: why, and which plan (for the next prompt). */
  rejectedChampion: z.object({ iteration: count, reason: z.string(), planId: z.string(), score: ScoreSchema }).optional(),
});

export type SessionState = z.infer<typeof SessionSchema>;
export type SessionSettings = z.infer<typeof SettingsSchema>;
export type Progress = z.infer<typeof ProgressSchema>;
export type PlanRef = z.infer<typeof PlanRefSchema>;
export type ScoreChange = z.infer<typeof ScoreChangeSchema>;
export type SessionStatus = SessionState['status'];

export function emptyProgress(): Progress {
  return {
    completed: 0,
    approved: 0,
    improved: 0,
    alternatives: 0,
    worse: 0,
    repeats: 0,
    rejectedBefore: 0,
    firstTryValid: 0,
    repairs: 0,
    repaired: 0,
    failed: 0,
    rejected: 0,
    overridden: 0,
    errors: 0,
    humanApprovals: 0,
  };
}
