// Engine contracts: session state on disk, typed events out, reviewer decisions in.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Outcome } from '../memory/types.js';
import type { Champion } from '../planners/types.js';
import type { Score } from '../procedures/quality.js';
import type { FeedbackReading } from '../feedback/types.js';
import type { Objective } from '../procedures/types.js';
import type { Usage } from '../core/usage.js';

export type SessionStatus =
  | 'running' // a process is working on it (or crashed while doing so: resumable)
  | 'paused' // waiting for a person (unattended halt, exit 3): resumable
  | 'interrupted' // Ctrl-C: resumable
  | 'failed' // runtime failure: resumable
  | 'stopped' // a person chose stop: resumable
  | 'completed'; // all iterations done

export interface SessionSettings {
  iterations: number;
  checkpoint: number;
  unattended: boolean;
  provider: string;
  model?: string;
  baseUrl?: string;
  /** Every replica given (--base-url more than once); `baseUrl` is the first. */
  baseUrls?: string[];
  contextBudget: number;
  maxCost?: number;
  proceduresDir: string;
  /** Iterations without improvement before the run asks (or, unattended, ends); 0 = never. */
  patience: number;
  /** Repair rounds a model gets to fix its own invalid plan inside one iteration. */
  repairs: number;
  /** Consecutive failed iterations that end an unattended run (exit 3). */
  maxFailures: number;
  /** Proposals asked for concurrently per iteration; the best valid one is kept. */
  candidates: number;
  /** Objectives chosen for this session (default: the goal's). */
  objectives?: Objective[];
}

export interface Progress {
  completed: number;
  /** Valid iterations (improved + alternative + worse + repeat). */
  approved: number;
  improved: number;
  alternatives: number;
  repeats: number;
  /** Iterations whose first proposal was valid (no repair needed). */
  firstTryValid: number;
  /** Repair rounds used, and iterations a repair turned valid. */
  repairs: number;
  repaired: number;
  failed: number;
  rejected: number;
  overridden: number;
  errors: number;
  humanApprovals: number;
}

export interface SessionState {
  version: 1;
  id: string;
  /** The person's goal, as typed. */
  goalText: string;
  procedure: string;
  goalId: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  settings: SessionSettings;
  progress: Progress;
  currentPlan: Plan | null;
  currentValidation: ValidationResult | null;
  /** Human feedback that could not be compiled into rules: shown to the planner as prose, never checked. */
  pendingFeedback: string[];
  /** `costUnknown`: some call used a model with no known price, so `costUsd` is a lower bound, not the total. */
  usage: Usage & { costUsd: number; costUnknown?: boolean };
  /** Why the run last halted, when it did. */
  haltReason?: string;
  /** Best valid plan so far (survives kill and resume: rebuilt from the log when the file is behind). */
  champion: Champion | null;
  /** Content addresses of every plan proposed in this session. */
  seen: string[];
  /** Iteration of the last improvement (0: none yet). */
  lastImprovement: number;
  /** Where the patience count starts: the last improvement, or the last time a person chose to go on. */
  idleSince: number;
  /** Every improvement of the champion in this session, oldest first. */
  improvements: ScoreChange[];
  /** Best distinct valid plans that are not the champion, best first (a few). */
  alternatives: { planId: string; score: Score; iteration: number }[];
  /** Failed iterations in a row (reset by a valid one). */
  consecutiveFailures: number;
  /** Set when the planner proved the champion optimal: the run is over. */
  converged?: { iteration: number; reason: string };
  /** Plans a person rejected in this session: the planner is asked for plans that differ from them in schedule. */
  rejectedPlans?: Plan[];
  /** A decision the run was waiting for when it stopped: resume asks it again. */
  pendingDecision?: { kind: 'checkpoint' | 'failure' | 'patience'; iteration: number };
}

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
  /** Best distinct valid plans other than the champion, best first. */
  alternatives: { planId: string; score: Score; iteration: number }[];
}

/** A champion replaced by a better plan. */
export interface ScoreChange {
  iteration: number;
  before: Score | null;
  after: Score;
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
  /** No improvement in `idle` iterations: go on, change the objectives, or stop. */
  patience(ctx: PatienceContext): Promise<PatienceDecision>;
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
    }
  | { type: 'iteration-started'; iteration: number; total: number }
  | { type: 'recalled'; iteration: number; tokens: number; budget: number; items: number; total: number }
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
      latencyMs: number;
      error?: string;
    }
  | { type: 'feedback-read'; iteration: number; reading: FeedbackReading; confirmed: boolean; enforced: boolean }
  | { type: 'converged'; iteration: number; reason: string }
  | { type: 'patience'; iteration: number; idle: number }
  | { type: 'checkpoint'; iteration: number; progress: Progress; usage: Usage & { costUsd: number }; awaited: boolean }
  | { type: 'decision'; iteration: number; decision: string; reason?: string }
  | { type: 'warning'; message: string }
  | { type: 'finished'; session: string; status: SessionStatus; progress: Progress; usage: Usage & { costUsd: number } };

export type EmitFn = (event: EngineEvent) => void;
