// Engine contracts: session state on disk, typed events out, reviewer decisions in.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { OptimalClaim, Outcome, RecallKindCount } from '../memory/types.js';
import type { RuleConflict } from '../memory/human-rules.js';
import type { Champion } from '../planners/types.js';
import type { Score } from '../procedures/quality.js';
import type { FeedbackReading } from '../feedback/types.js';
import type { Objective } from '../procedures/types.js';
import type { Usage } from '../core/usage.js';
import type { PlanRef, Progress, ScoreChange, SessionState, SessionStatus } from '../state/session.js';

export type { Progress, SessionSettings, SessionState, SessionStatus, ScoreChange } from '../state/session.js';

export type ReadingDecision =
  | { kind: 'accept'; scope: 'session' | 'goal'; reading?: FeedbackReading } // enforce it (or the rule the person built instead)
  | { kind: 'edit'; text: string } // read this text instead
  | { kind: 'note' }; // keep it as prose (unchecked)

export type CheckpointDecision = { kind: 'continue' } | { kind: 'approve' } | { kind: 'reject'; reason: string } | { kind: 'stop' };

export type FailureDecision =
  | { kind: 'reject'; reason: string }
  | { kind: 'retry' }
  | { kind: 'override'; reason: string } // a person accepts an invalid plan: logged, never learned from
  | { kind: 'stop' };

export type PatienceDecision = { kind: 'continue' } | { kind: 'objectives'; objectives: Objective[] } | { kind: 'stop' };

export interface CheckpointContext {
  session: SessionState;
  iteration: number;
  plan: Plan | null;
  validation: ValidationResult | null;
  final: boolean;
  champion: Champion | null;
  objectives: Objective[];
  /** Improvements since the previous checkpoint, oldest first. */
  improvements: ScoreChange[];
  /** The iteration they are counted after: the previous checkpoint's, or (at a fork's first) its fork point. */
  since: number;
  /** Best distinct valid plans other than the champion, best first. */
  alternatives: PlanRef[];
}

export interface FailureContext {
  session: SessionState;
  iteration: number;
  plan: Plan | null;
  validation: ValidationResult | null;
  /** Set when the planner itself failed (unparseable output, network...). */
  error?: string;
}

export interface PatienceContext {
  session: SessionState;
  iteration: number;
  /** Iterations since the last improvement. */
  idle: number;
  champion: Champion | null;
  objectives: Objective[];
}

/** Asked by the engine at checkpoints and failures. The CLI prompts; tests script it. */
export interface Reviewer {
  checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision>;
  failure(ctx: FailureContext): Promise<FailureDecision>;
  /** How a rejection was read: enforce it, reword it, or keep it as a note. */
  confirmReading(reading: FeedbackReading): Promise<ReadingDecision>;
  /**
   * A confirmed reading contradicts rules a person kept: shown them (their words, file:line), true to replace them,
   * false to keep them (the new words stay a note). A reviewer without it keeps the person's latest word.
   */
  replaceRules?(conflicts: RuleConflict[], reading: FeedbackReading): Promise<boolean>;
  /** No improvement in `idle` iterations: go on, change the objectives, or stop. */
  patience(ctx: PatienceContext): Promise<PatienceDecision>;
}

/** The plan a person's decision was about: the champion (proposed at `iteration`), or the proposal of `iteration`. */
export interface ReviewedPlan {
  kind: 'champion' | 'proposal';
  iteration: number;
}

export type EngineEvent =
  | {
      type: 'session-started';
      session: string;
      goalText: string;
      procedure: string;
      goalId: string;
      planner: string;
      iterations: number;
      checkpoint: number;
      resumedFrom: number | null;
      /** The human rules in force for this run (human_rules.md lines), as they stood at its start. */
      humanRules: string[];
    }
  | { type: 'iteration-started'; iteration: number; total: number }
  | { type: 'recalled'; iteration: number; tokens: number; budget: number; items: number; total: number; leftOut: RecallKindCount[] }
  | { type: 'planner-progress'; iteration: number; tokens: number }
  | { type: 'retry'; iteration: number; attempt: number; reason: string; delayMs: number }
  | { type: 'plan-proposed'; iteration: number; plan: Plan; mode: string; usage?: Usage; costUsd?: number }
  | { type: 'validated'; iteration: number; valid: boolean; errors: number; warnings: number; findings: Finding[] }
  | { type: 'approved'; iteration: number; by: 'auto' | 'human' }
  | { type: 'paused'; iteration: number; reason: 'validation' | 'planner-error'; message: string }
  | { type: 'repair'; iteration: number; attempt: number; errors: number }
  | {
      type: 'iteration-finished';
      iteration: number;
      outcome: Outcome;
      errors: number;
      usage?: Usage;
      costUsd?: number;
      score?: Score;
      change?: ScoreChange;
      objectives: Objective[];
      repairs: number;
      candidates: number;
      /** Of the candidates, how many gave a plan (valid or not): the ones the iteration chose among. */
      proposals?: number;
      latencyMs: number;
      error?: string;
      /** The model claimed its plan optimal: what checking the claim came to. */
      claim?: OptimalClaim;
    }
  | { type: 'feedback-read'; iteration: number; reading: FeedbackReading; confirmed: boolean; enforced: boolean }
  | { type: 'converged'; iteration: number; reason: string }
  | { type: 'patience'; iteration: number; idle: number }
  /** `final`: the last checkpoint of the run (nothing runs after it). */
  | { type: 'checkpoint'; iteration: number; progress: Progress; usage: Usage & { costUsd: number }; awaited: boolean; final: boolean }
  | { type: 'decision'; iteration: number; decision: string; reason?: string; plan?: ReviewedPlan }
  | { type: 'warning'; message: string }
  | { type: 'finished'; session: string; status: SessionStatus; progress: Progress; usage: Usage & { costUsd: number } };

export type EmitFn = (event: EngineEvent) => void;
