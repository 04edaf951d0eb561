// The Planner interface: the engine asks any planner (built-in or a model) for an improved plan.
import type { Finding, Plan } from '../core/plan.js';
import type { PlanTarget } from '../procedures/types.js';
import type { RecallResult } from '../memory/types.js';
import type { Usage } from '../core/usage.js';


export interface PlanRequest {
  /** The person's goal, as typed. */
  goal: string;
  target: PlanTarget;
  iteration: number;
  currentPlan: Plan | null;
  currentFindings: Finding[];
  recall: RecallResult;
  /** Human feedback the next plan must address (rejection reasons not yet addressed). */
  feedback: string[];
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
