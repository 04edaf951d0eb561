// The plan model, defined once in zod (its TS type, the runtime check and the JSON schema sent to models), plus findings.
import { z } from 'zod';

/** What makes one valid plan better than another, compared in priority order. */
export type Objective = 'makespan' | 'cost' | 'risk' | 'steps';
export const OBJECTIVES = ['makespan', 'cost', 'risk', 'steps'] as const satisfies readonly Objective[];

/** How much a finding weighs: an error makes a plan invalid, a warning does not. */
export type Severity = 'error' | 'warning';

/**
 * Caps on a plan, so one runaway answer cannot fill the log, memory or a session file (a 5 MB summary once made a
 * session unresumable). Generous for any real plan.
 */
export const PLAN_LIMITS = {
  /** Most bytes of a model answer read from the stream; past this the answer is refused. */
  answerBytes: 256 * 1024,
  steps: 200,
  titleChars: 200,
  summaryChars: 4000,
  /** Any one step field (description, owner, evidence, or a field a procedure asks for). */
  fieldChars: 2000,
  reasoningChars: 16_000,
} as const;

/** A string capped at `max` characters when the plan comes from a model. */
const text = (max: number, capped: boolean) => (capped ? z.string().max(max) : z.string());

/**
 * One definition for every use: `action` is any id when checking plans (the validator names unknown actions, with a
 * fix), and an enum of the allowed ids in the JSON schema sent to a model, so guided decoding (vLLM) enforces it.
 */
function stepSchema<A extends z.ZodType<string>>(action: A, capped: boolean) {
  const field = text(PLAN_LIMITS.fieldChars, capped);
  return z
    .object({
      action: action.describe('Id of one of the listed actions (one action per step).'),
      description: field.optional().describe('What the step does, concretely.'),
      owner: field.optional().describe('Who does the step: a role, or a named person with their role, "Name (role)".'),
      evidence: field.optional().describe('What proves the step was done.'),
    })
    .catchall(z.unknown());
}

/**
 * `capped`: a model's answer, held to PLAN_LIMITS (one runaway answer must not fill memory). Plans jupiter wrote
 * itself or a person wrote (files, sessions, the built-in planner's, on large procedures) are not capped.
 */
function planSchema<A extends z.ZodType<string>>(action: A, opts: { minSteps: number; capped: boolean }) {
  const steps = z.array(stepSchema(action, opts.capped)).min(opts.minSteps);
  return z.object({
    title: text(PLAN_LIMITS.titleChars, opts.capped).min(1).describe('Short name of the plan.'),
    summary: text(PLAN_LIMITS.summaryChars, opts.capped).describe('Two or three sentences: what the plan does and why this order.'),
    /** Procedure set id and goal id the plan claims to address (optional hints). */
    procedure: text(PLAN_LIMITS.titleChars, opts.capped).optional(),
    goal: text(PLAN_LIMITS.titleChars, opts.capped).optional(),
    steps: (opts.capped ? steps.max(PLAN_LIMITS.steps) : steps).describe('The steps in execution order.'),
  });
}

/** A plan file or session may hold no steps (checkPlanShape refuses an empty answer from a model). */
export const PlanSchema = planSchema(z.string().min(1), { minSteps: 0, capped: false });
/** A model's answer: the same plan, within PLAN_LIMITS. */
export const AnswerPlanSchema = planSchema(z.string().min(1), { minSteps: 0, capped: true });
export type Plan = z.infer<typeof PlanSchema>;
export type PlanStep = Plan['steps'][number];

/**
 * The JSON schema of a model's answer (`response_format`): the plan, with `action` an enum of `actions` (forbidden
 * ones already left out by the caller) and an optional `reasoning` field first, where a model can track the state
 * step by step before it commits to steps (PDDL-INSTRUCT style), and an optional `optimal` claim last (checked, never taken on trust). The answer is checked with AnswerPlanSchema afterwards.
 */
export function planAnswerJsonSchema(actions: readonly string[]): Record<string, unknown> {
  const ids = [...new Set(actions)];
  const action = ids.length ? z.enum(ids as [string, ...string[]]) : z.string().min(1);
  const answer = z
    .object({
      reasoning: z
        .string()
        .max(PLAN_LIMITS.reasoningChars)
        .optional()
        .describe('Optional, before the plan: step by step, which facts hold before each step, which the step needs and what it adds or removes.'),
    })
    .extend(planSchema(action, { minSteps: 1, capped: true }).shape)
    .extend({
      optimal: z
        .boolean()
        .optional()
        .describe('Optional: true only when you are sure no valid plan beats this one under the objectives. jupiter checks the claim.'),
    });
  const { $schema: _drop, ...schema } = z.toJSONSchema(answer, { target: 'draft-7' }) as Record<string, unknown>;
  return schema;
}

export interface Finding {
  severity: Severity;
  /** Rule id, or a built-in check: `unknown-action`, `precondition`, `goal`, `missing-field`. */
  rule: string;
  /** 1-based step number, when the finding is about a step. */
  step?: number;
  message: string;
  /** What to change, e.g. "add run-tests before step 4". */
  fix?: string;
}

export interface ValidationResult {
  valid: boolean;
  procedure: string;
  goal: string;
  findings: Finding[];
  /** Facts holding after the last step was simulated (before `stoppedAt`, when execution failed). */
  finalFacts: string[];
  /**
   * 1-based step at which the plan failed to execute (unknown action or unmet precondition). As in VAL, neither
   * that step's effects nor any later step were applied, and the goal was not checked.
   */
  stoppedAt?: number;
}
