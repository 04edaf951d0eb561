// Shapes shared by the memory store, recall and the engine.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Insight } from '../procedures/insight.js';
import type { Objective, Rule } from '../procedures/types.js';
import type { Score } from '../procedures/quality.js';
import type { Usage } from '../core/usage.js';

export type MemoryKind = 'pattern' | 'lesson' | 'feedback';

/**
 * Structured meaning of a memory item, so planners can use it (not only read it). Insights learned by contrast
 * (a failed plan and the valid plan that fixed it) carry the rule they fixed: `fix` (adding `action` fixed `rule`),
 * `avoid` with a rule (removing `action` fixed it), `ordering` with a rule (moving `before` ahead of `after` fixed
 * it). `exemplar` is a goal's best valid plan so far. `include` and rule-less `ordering` are restatements of
 * plans that older versions learned; they are dropped when read.
 */
export type MemoryData =
  | { type: 'ordering'; before: string; after: string; rule?: string }
  | { type: 'include'; action: string }
  | { type: 'avoid'; action: string; rule?: string }
  | { type: 'fix'; rule: string; action: string; before?: string }
  | { type: 'exemplar'; steps: string[]; score?: Score; objectives?: Objective[]; planId?: string; session?: string; iteration?: number }
  | { type: 'note' };

export interface MemoryItem {
  /** Stable key: the same lesson learned twice has the same id. */
  id: string;
  kind: MemoryKind;
  /** One readable line, as it appears in the markdown. */
  text: string;
  data: MemoryData;
  /** Scope: procedure set and goal ids it was learned on (absent = general). */
  procedure?: string;
  goalId?: string;
  /** Support: how many times it was observed (merged duplicates add up). */
  count: number;
  /** Human-originated (feedback, rejection) or confirmed by a human approval. */
  human: number;
  /** Votes against: valid champions that contradicted this insight (absent = 0). Net support count + human − contra. */
  contra?: number;
  /** ISO time last observed. */
  lastSeen: string;
  /** Session that last contributed. */
  session?: string;
  /** Log entry that last contributed (for decay); absent for hand-written items. */
  seq?: number;
}

export interface RecallQuery {
  goalText: string;
  procedure: string;
  goalId: string;
  /** Findings of the current plan: recall favours lessons about them. */
  findings: Finding[];
  /** Current session: its human feedback is always kept. */
  session: string;
  budgetTokens: number;
  /** Action ids of the current procedure: another goal's items are recalled only when they name one of these. */
  actions?: string[];
}

export interface RecallResult {
  items: MemoryItem[];
  /** Tokens the recalled items take in the prompt (rendered form). */
  tokens: number;
  budget: number;
  /** Items available before selection. */
  total: number;
  /** Per kind, how many the prompt carries of those in scope: recall says when it leaves some out. */
  kinds?: RecallKindCount[];
}

export interface RecallKindCount {
  kind: MemoryKind;
  recalled: number;
  offered: number;
}

/**
 * What an iteration came to, judged against the session's champion (its best valid plan so far):
 * `improved` valid and strictly better (the new champion; the first valid plan is one too), `alternative` valid,
 * as good, and a plan not seen before, `worse` valid but worse, `repeat` a plan already seen in this session,
 * `rejected-before` valid, but a plan a person rejected on this goal, in any session (the same plan, or the same steps with the
 * same schedule): never approved, never champion, never learned from as a success,
 * `failed` invalid (after any repairs), `error` the planner produced no plan. A person's rejection or override
 * is a separate review record. Logs written before champions existed say `approved` for a valid plan.
 */
export type Outcome = 'improved' | 'alternative' | 'worse' | 'repeat' | 'rejected-before' | 'failed' | 'error';
export type LoggedOutcome = Outcome | 'approved';
const VALID: ReadonlySet<string> = new Set(['improved', 'alternative', 'worse', 'repeat', 'approved']);
/** Whether the iteration's plan passed validation. */
export const isValidOutcome = (o: LoggedOutcome | undefined): boolean => o !== undefined && VALID.has(o);

/** Everything one iteration produced; the engine hands it to memory to commit. */
export interface IterationRecord {
  session: string;
  iteration: number;
  startedAt: string;
  finishedAt: string;
  /** The person's goal, as typed. */
  goalText: string;
  procedure: string;
  goalId: string;
  /** e.g. `builtin` or `openai:gpt-4o-mini`. */
  planner: string;
  plan: Plan | null;
  validation: ValidationResult | null;
  outcome: Outcome;
  approvedBy: 'auto' | 'human' | null;
  /** Quality of a valid plan under `objectives` (lower is better in every field). */
  score?: Score;
  objectives?: Objective[];
  /** Content address of the plan (same plan, same id), for repeats and plan storage. */
  planId?: string;
  /** Identity of a valid plan: the same steps with the same schedule (state/identity.ts), for repeats and rejections. */
  planKey?: string;
  /** Repair rounds the planner was given after its plan failed validation (0: valid or never repaired). */
  repairs?: number;
  /** Ids of human rules (compiled feedback) the validator checked this plan against; all held when it is valid. */
  checkedRules?: string[];
  /** Feedback that could not be compiled into a rule: shown to the planner, never checked, never "addressed". */
  unchecked?: string[];
  /** Insights the validator confirmed on this iteration's failed attempts, and how many candidates it refuted. */
  insights?: Insight[];
  refuted?: number;
  /** The failed attempt a repair then fixed (lessons learn from it). */
  repaired?: { plan: Plan; findings: Finding[] };
  /** The run converged here: no better plan exists under the objectives and feedback (the planner proved it). */
  converged?: string;
  /** The model claimed its plan optimal: what checking the claim came to (planners/claim.ts). */
  claim?: OptimalClaim;
  error?: string;
  usage?: Usage;
  costUsd?: number;
  context?: { tokens: number; budget: number; items: number; total: number };
  /** jupiter's estimate of the prompt's tokens (compare with usage.promptTokens). */
  promptTokensEstimate?: number;
}

/** A model's claim that its plan is optimal, as checked: it holds (proved), is refuted (a better plan), or is unchecked. */
export interface OptimalClaim {
  verdict: 'holds' | 'refuted' | 'unchecked';
  by?: 'bound' | 'search' | 'champion';
  text: string;
}

/** A valid plan a session still holds after a rejection, re-checked against the rules in force and re-scored. */
export interface StandingPlan {
  planId: string;
  key?: string;
  score: Score;
  iteration: number;
  /** The plan's actions, on the first (the champion from here on): memory's best plan for the goal after the rejection. */
  steps?: string[];
}

/** A person's decision at a checkpoint or pause, committed to memory. */
export interface ReviewRecord {
  session: string;
  /** Iteration the decision was about. */
  iteration: number;
  time: string;
  /** The person's goal, as typed. */
  goalText: string;
  procedure: string;
  goalId: string;
  /** `checkpoint`: an unattended checkpoint, recorded rather than awaited (what the morning review starts from). */
  kind: 'human-approval' | 'rejection' | 'override' | 'checkpoint';
  reason?: string;
  /** A rejection's reason read into rules the validator checks (empty: kept as prose, unchecked). */
  constraints?: Rule[];
  /** Whether the person confirmed that reading (unattended and --json runs keep it unconfirmed). */
  confirmed?: boolean;
  /** Where the rules apply: this session only, or every session on this goal. */
  scope?: 'session' | 'goal';
  plan: Plan | null;
  /** The rejected plan's identity (same steps, same schedule). */
  planKey?: string;
  /** The objectives the standing plans were scored under. */
  objectives?: Objective[];
  /**
   * After a rejection of the champion or a new rule: the champion and alternatives that still pass the rules in force,
   * re-scored, best first (the first is the champion from here on). Absent: nothing was re-checked.
   */
  standing?: StandingPlan[];
}
