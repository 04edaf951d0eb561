// The plan model: a title, a summary and ordered steps; plus validation findings.
import type { Severity } from '../procedures/types.js';

export interface PlanStep {
  /** Id of a procedure action. */
  action: string;
  description?: string;
  owner?: string;
  evidence?: string;
  /** Any further fields a procedure may require. */
  [field: string]: unknown;
}

export interface Plan {
  title: string;
  summary: string;
  /** Procedure set id and goal id the plan claims to address (optional hints). */
  procedure?: string;
  goal?: string;
  steps: PlanStep[];
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
