// The procedure model every plan is checked against (STRIPS-style actions plus rules).

import type { Objective, Severity } from '../core/plan.js';

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

interface RuleBase {
  id: string;
  severity: Severity;
  description?: string;
  source?: SourceRef;
  /** `human`: compiled from a person's feedback (kept in memory, not in the procedure files). */
  origin?: 'procedure' | 'human';
}
/** `before` must occur before any occurrence of `after` (when `after` occurs). */
export interface OrderingRule extends RuleBase {
  kind: 'ordering';
  before: string;
  after: string;
}
/** The plan must contain this action. */
export interface RequiredRule extends RuleBase {
  kind: 'required';
  action: string;
}
/** The plan must not contain this action. */
export interface ForbiddenRule extends RuleBase {
  kind: 'forbidden';
  action: string;
}
/** Steps of these two actions must have different owners. */
export interface SegregationRule extends RuleBase {
  kind: 'segregation';
  actions: [string, string];
}
/** The plan has at most `max` steps. */
export interface MaxStepsRule extends RuleBase {
  kind: 'max-steps';
  max: number;
}
/** Steps (of `actions`, or of every action when absent) must fill these fields. */
export interface RequiredFieldsRule extends RuleBase {
  kind: 'required-fields';
  fields: string[];
  actions?: string[];
}

/** A step of `action` must come right after a step of `after` (as the very next step). */
export interface ImmediatelyAfterRule extends RuleBase {
  kind: 'immediately-after';
  action: string;
  after: string;
}
/** Steps of `action` must be owned by `owner` (a role or a named person). */
export interface OwnerRule extends RuleBase {
  kind: 'owner';
  action: string;
  owner: string;
}

export type Rule = OrderingRule | RequiredRule | ForbiddenRule | SegregationRule | MaxStepsRule | RequiredFieldsRule | ImmediatelyAfterRule | OwnerRule;
export type RuleKind = Rule['kind'];
export const RULE_KINDS: readonly RuleKind[] = [
  'ordering',
  'required',
  'forbidden',
  'segregation',
  'max-steps',
  'required-fields',
  'immediately-after',
  'owner',
];

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
