// The procedure model every plan is checked against (STRIPS-style actions plus rules).

import type { Objective, Severity } from '../core/plan.js';
import type { Rule } from './rules/index.js';

export type { Severity };
export { OBJECTIVES, type Objective } from '../core/plan.js';

/** Where a thing was declared, for file:line messages. */
export interface SourceRef {
  file: string;
  line: number;
}

export interface ActionDef {
  id: string;
  description: string;
  /** Preconditions: facts that must hold in the state before the step. */
  requires: string[];
  /** Add effects. */
  provides: string[];
  /** Delete effects (applied before add effects). */
  removes: string[];
  /** Step fields a step using this action must fill (e.g. owner, evidence). */
  fields: string[];
  /** Suggested owner role, used by the built-in planner to fill `owner`. */
  role?: string;
  /** How long the step takes, in minutes (declared as `30m`, `4h`, `2d`). */
  duration?: number;
  /** What the step costs (any currency unit, the same across a set). */
  cost?: number;
  /** Chance the step goes wrong, 0..1 (declared as low, medium, high or a number). */
  risk?: number;
  source?: SourceRef;
}

export type { Rule, RuleBody, RuleKind } from './rules/index.js';

/** A named goal that free-text goals are matched to. */
export interface GoalDef {
  id: string;
  description: string;
  /** Words and phrases that match a free-text goal to this one. */
  keywords: string[];
  /** Facts the final state must contain. */
  facts: string[];
  /** Starting facts, when they differ from the set's `initial`. */
  initial?: string[];
  /** Plan quality, most important first (default: makespan, cost, steps where durations exist, else steps). */
  objectives?: Objective[];
  source?: SourceRef;
}

/** One person on a procedure set's roster and the roles they hold. */
export interface RosterEntry {
  person: string;
  roles: string[];
  source?: SourceRef;
}

export interface ProcedureSet {
  id: string;
  name: string;
  description: string;
  file: string;
  initial: string[];
  goals: GoalDef[];
  actions: ActionDef[];
  rules: Rule[];
  /** Who holds which roles; without one, two steps of one role may be one person. */
  roster?: RosterEntry[];
}

export interface ProcedureLibrary {
  dir: string;
  sets: ProcedureSet[];
}

/** The procedure set and goal a plan is validated against. */
export interface PlanTarget {
  set: ProcedureSet;
  goal: GoalDef;
}

export interface LintIssue {
  severity: Severity;
  file: string;
  line: number;
  message: string;
}
