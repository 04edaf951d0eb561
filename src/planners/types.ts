// The Planner interface: the engine asks any planner (built-in or a model) for an improved plan.
import type { Finding, Plan } from '../core/plan.js';
import type { Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import type { PlanTarget } from '../procedures/types.js';
import type { OptimalClaim, RecallResult } from '../memory/types.js';
import type { Usage } from '../core/usage.js';

/** The session's best valid plan so far: the plan a challenger must beat. */
export interface Champion {
  plan: Plan;
  score: Score;
  planId: string;
  /** Iteration that proposed it. */
  iteration: number;
}

/** The previous iteration's outcome (improved, alternative, worse, repeat, rejected-before, failed, error) and scores. */
export interface LastOutcome {
  iteration: number;
  outcome: string;
  score?: Score;
  /** The champion's score the proposal was judged against. */
  championScore?: Score;
  planId?: string;
  /** The model claimed that plan optimal: what checking the claim came to. */
  claim?: OptimalClaim;
}

/** A plan that failed validation, sent back to the planner to fix within the same iteration. */
export interface RepairRequest {
  plan: Plan;
  findings: Finding[];
  /** 1-based repair round. */
  attempt: number;
  /** Step (1-based) of the first failing step, the facts that held just before it and those it lacked. */
  failingStep?: number;
  factsBefore?: string[];
  missing?: string[];
}

export interface PlanRequest {
  /** The person's goal, as typed. */
  goalText: string;
  /** The procedure set and goal, with the human rules (compiled feedback) already added to `set.rules`. */
  target: PlanTarget;
  iteration: number;
  /** The plan to improve on: the champion's when there is one, else the last proposal. */
  currentPlan: Plan | null;
  currentFindings: Finding[];
  /** Best valid plan so far (null until one is found). */
  champion: Champion | null;
  /** What "better" means, most important first. */
  objectives: Objective[];
  /**
   * Content addresses of the plans already proposed in this session: a challenger should be none of them. The
   * engine's own set, unchanged while the request is answered (it grows after the iteration): copy it to keep it.
   */
  seen: ReadonlySet<string>;
  recall: RecallResult;
  /** Plans a person rejected on this goal (this session or an earlier one): a challenger must differ from each in schedule. */
  rejected?: readonly Plan[];
  /** Human feedback that could not be compiled into rules (prose: the planner should follow it; nothing checks it). */
  feedback: string[];
  /** What the previous proposal came to, judged against the champion it met (absent before the first). */
  lastOutcome?: LastOutcome;
  /** A person rejected the champion (the last time): why, and the rejected plan's score. */
  championRejected?: { iteration: number; reason: string; planId: string; score: Score };
  /** Set when this call is a repair of a plan that just failed validation. */
  repair?: RepairRequest;
  /** Which of K concurrent candidates this call is (0-based; absent when K = 1). */
  candidate?: number;
  signal: AbortSignal;
  /** Streaming progress, e.g. tokens received so far. */
  onProgress?: (p: { tokens: number }) => void;
  /** A transient fault is being retried after `delayMs`. */
  onRetry?: (p: { attempt: number; reason: string; delayMs: number }) => void;
}

export interface PlanResponse {
  plan: Plan;
  usage?: Usage;
  costUsd?: number;
  /** How the plan was obtained: `builtin`, `json_schema`, `json_object`, `text`. */
  mode: string;
  /** The prompt's size, for the context-size chart. */
  promptChars?: number;
  /** jupiter's own token estimate of the prompt, checked against the server's count. */
  promptTokensEstimate?: number;
  /** The prompt's tokens by the model's own tokenizer when jupiter has it (`exact`), else by the estimate. */
  promptTokens?: { count: number; tokenizer: string; exact: boolean };
  /** Which endpoint (replica) answered, when a model did. */
  endpoint?: string;
  /** The model's optional step-by-step state tracking, when it wrote one (not part of the plan). */
  reasoning?: string;
  /**
   * The planner proved that no valid plan beats this one under the objectives and rules (e.g. an exhaustive
   * search): the reason, e.g. "optimal for makespan, cost". Only a planner that checked it may say so.
   */
  optimal?: string;
  /** The model says no valid plan beats this one: a claim, never taken on trust (the engine checks it, planners/claim.ts). */
  claimsOptimal?: boolean;
}

export type PlannerErrorKind =
  | 'no-plan' // the built-in planner proved no plan exists
  | 'unparseable' // model output is not JSON even after repair
  | 'schema' // JSON that does not fit the plan schema
  | 'auth'
  | 'config'
  | 'network'
  | 'rate-limit'
  | 'server'
  | 'timeout'
  | 'aborted'
  | 'budget';

/** Planner failures are data: the engine turns them into a failed iteration or a pause. */
export class PlannerError extends Error {
  readonly kind: PlannerErrorKind;
  constructor(kind: PlannerErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlannerError';
    this.kind = kind;
  }
}

export interface Planner {
  /** e.g. `builtin` or `fireworks:accounts/fireworks/models/llama-v3p1-70b-instruct`. */
  readonly name: string;
  propose(req: PlanRequest): Promise<PlanResponse>;
}
