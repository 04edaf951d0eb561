// Engine contracts: session state on disk, typed events out, reviewer decisions in.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Outcome } from '../memory/types.js';
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
  contextBudget: number;
  maxCost?: number;
  proceduresDir: string;
}

export interface Progress {
  completed: number;
  approved: number;
  failed: number;
  rejected: number;
  overridden: number;
  errors: number;
  humanApprovals: number;
}

export interface SessionState {
  version: 1;
  id: string;
  goal: string;
  procedure: string;
  goalId: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  settings: SessionSettings;
  progress: Progress;
  currentPlan: Plan | null;
  currentValidation: ValidationResult | null;
  /** Human feedback not yet addressed by a valid plan. */
  pendingFeedback: string[];
  usage: Usage & { costUsd: number };
  /** Why the run last halted, when it did. */
  haltReason?: string;
}

export type CheckpointDecision =
  | { kind: 'continue' }
  | { kind: 'approve' }
  | { kind: 'reject'; reason: string }
  | { kind: 'stop' };

export type FailureDecision =
  | { kind: 'reject'; reason: string }
  | { kind: 'retry' }
  | { kind: 'approve' } // human override
  | { kind: 'stop' };

export interface CheckpointContext {
  session: SessionState;
  iteration: number;
  plan: Plan | null;
  validation: ValidationResult | null;
  final: boolean;
}

export interface FailureContext {
  session: SessionState;
  iteration: number;
  plan: Plan | null;
  validation: ValidationResult | null;
  /** Set when the planner itself failed (unparseable output, network...). */
  error?: string;
}

/** Asked by the engine at checkpoints and failures. The CLI prompts; tests script it. */
export interface Reviewer {
  checkpoint(ctx: CheckpointContext): Promise<CheckpointDecision>;
  failure(ctx: FailureContext): Promise<FailureDecision>;
}

export type EngineEvent =
  | { type: 'session-started'; session: string; goal: string; procedure: string; goalId: string; planner: string; iterations: number; checkpoint: number; resumedFrom: number | null }
  | { type: 'iteration-started'; iteration: number; total: number }
  | { type: 'recalled'; iteration: number; tokens: number; budget: number; items: number; total: number }
  | { type: 'planner-progress'; iteration: number; tokens: number }
  | { type: 'retry'; iteration: number; attempt: number; reason: string; delayMs: number }
  | { type: 'plan-proposed'; iteration: number; plan: Plan; mode: string; usage?: Usage; costUsd?: number }
  | { type: 'validated'; iteration: number; valid: boolean; errors: number; warnings: number; findings: Finding[] }
  | { type: 'approved'; iteration: number; by: 'auto' | 'human' }
  | { type: 'paused'; iteration: number; reason: 'validation' | 'planner-error'; message: string }
  | { type: 'iteration-finished'; iteration: number; outcome: Outcome; errors: number; usage?: Usage; costUsd?: number }
  | { type: 'checkpoint'; iteration: number; progress: Progress; usage: Usage & { costUsd: number }; awaited: boolean }
  | { type: 'decision'; iteration: number; decision: string; reason?: string }
  | { type: 'warning'; message: string }
  | { type: 'finished'; session: string; status: SessionStatus; progress: Progress; usage: Usage & { costUsd: number } };

export type EmitFn = (event: EngineEvent) => void;
