// Shapes shared by the memory store, recall and the engine.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Usage } from '../core/usage.js';

export type MemoryKind = 'pattern' | 'lesson' | 'feedback';

/**
 * Structured meaning of a memory item, so planners can use it (not only read it):
 * an ordering that worked, a step choice, an action to avoid, a fix that turned a failure into a pass.
 */
export type MemoryData =
  | { type: 'ordering'; before: string; after: string }
  | { type: 'include'; action: string }
  | { type: 'avoid'; action: string }
  | { type: 'fix'; rule: string; action: string }
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
  goal?: string;
  /** Support: how many times it was observed (merged duplicates add up). */
  count: number;
  /** Human-originated (feedback, rejection) or confirmed by a human approval. */
  human: number;
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
  goal: string;
  /** Findings of the current plan: recall favours lessons about them. */
  findings: Finding[];
  /** Current session: its human feedback is always kept. */
  session: string;
  budgetTokens: number;
}

export interface RecallResult {
  items: MemoryItem[];
  /** Tokens the recalled items take in the prompt (rendered form). */
  tokens: number;
  budget: number;
  /** Items available before selection. */
  total: number;
}

/** What an iteration came to; a person's rejection or override is a separate review record. */
export type Outcome = 'approved' | 'failed' | 'error';

/** Everything one iteration produced; the engine hands it to memory to commit. */
export interface IterationRecord {
  session: string;
  iteration: number;
  startedAt: string;
  finishedAt: string;
  goal: string;
  procedure: string;
  goalId: string;
  /** e.g. `builtin` or `openai:gpt-4o-mini`. */
  planner: string;
  plan: Plan | null;
  validation: ValidationResult | null;
  outcome: Outcome;
  approvedBy: 'auto' | 'human' | null;
  /** Human feedback this iteration was asked to address. */
  addressed?: string[];
  error?: string;
  usage?: Usage;
  costUsd?: number;
  context?: { tokens: number; budget: number; items: number; total: number };
  /** jupiter's estimate of the prompt's tokens (compare with usage.promptTokens). */
  promptTokensEstimate?: number;
}

/** A person's decision at a checkpoint or pause, committed to memory. */
export interface ReviewRecord {
  session: string;
  /** Iteration the decision was about. */
  iteration: number;
  time: string;
  goal: string;
  procedure: string;
  goalId: string;
  kind: 'human-approval' | 'rejection' | 'override';
  reason?: string;
  plan: Plan | null;
}
