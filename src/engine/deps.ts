// What the engine is given to run a session: its collaborators, injected (no terminal, no globals).
import type { ForkBase } from '../state/lineage.js';
import type { FeedbackReader } from '../feedback/types.js';
import type { Memory } from '../memory/store.js';
import type { Planner } from '../planners/types.js';
import type { PlanTarget, Rule } from '../procedures/types.js';
import type { Checkpointer } from '../state/checkpointer.js';
import type { EmitFn, Reviewer } from './types.js';

export interface EngineDeps {
  planner: Planner;
  target: PlanTarget;
  memory: Memory;
  store: Checkpointer;
  reviewer: Reviewer;
  emit: EmitFn;
  signal: AbortSignal;
  now?: () => Date;
  /** Reads a rejection reason into rules; without one, every reason stays prose (unchecked). */
  feedbackReader?: FeedbackReader;
  /** The human rules (compiled feedback kept in memory) in scope for this session. */
  humanRules?: (scope: { procedure: string; goalId: string; session: string }) => Promise<Rule[]>;
  /** False when no person can confirm a reading (--json): readings are kept, marked unconfirmed. */
  confirmReadings?: boolean;
  /** A fork: what its line had done by its fork point (its --max-cost caps its own spend, not its parent's). */
  fork?: ForkBase | undefined;
}
