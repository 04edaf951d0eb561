// The plan validator: simulates a plan step by step (STRIPS semantics, as VAL does), then checks every rule.
import { editDistance } from '../core/text.js';
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { People } from './people.js';
import { describeEdit, forbiddenIds, type PlanEdit, provide } from './plan-edit.js';
import { kindOf } from './rules/index.js';
import { filled, type FixEdit, type RuleContext } from './rules/kind.js';
import type { ActionDef, PlanTarget, ProcedureSet, Rule } from './types.js';

function closest(set: ProcedureSet, id: string): string | undefined {
  let best: { id: string; d: number } | undefined;
  const forbidden = forbiddenIds(set);
  for (const a of set.actions) {
    if (forbidden.has(a.id)) continue;
    const d = editDistance(a.id, id.toLowerCase());
    if (!best || d < best.d) best = { id: a.id, d };
  }
  return best && best.d <= Math.max(3, Math.floor(id.length / 3)) ? best.id : undefined;
}

const list = (facts: string[]) => facts.map((f) => `\`${f}\``).join(', ');

interface Simulation {
  state: Set<string>;
  /** Facts holding before each step the plan reached (and, when it ran to the end, after the last at index length). */
  states: Set<string>[];
  /** 1-based step at which the plan failed to execute (VAL stops there), when it did. */
  stoppedAt?: number;
}

/** A precondition's fix: bring in a provider that can run there (moved up when the plan has it later). */
function preconditionFix(plan: Plan, set: ProcedureSet, state: Set<string>, i: number, fact: string): { fix: string; edit?: PlanEdit } {
  const name = plan.steps[i]!.action;
  const edit = provide(plan, set, state, i, fact);
  if (edit) return { fix: `${name} needs \`${fact}\`: ${describeEdit(plan, edit)}`, edit };
  const forbidden = forbiddenIds(set);
  const providers = set.actions.filter((a) => a.provides.includes(fact) && !forbidden.has(a.id)).map((a) => a.id);
  return {
    fix: providers.length
      ? `${name} needs \`${fact}\`: ${providers.join(' or ')} provides it, but needs more first than one step can give`
      : `nothing provides \`${fact}\``,
  };
}

/** The goal's fix: bring in, at the end, a provider of each fact it lacks. */
function goalFix(plan: Plan, set: ProcedureSet, state: Set<string>, unmet: string[]): { fix: string; edit?: PlanEdit } {
  const put: (string | number)[] = [];
  for (const f of unmet) {
    const edit = provide(plan, set, state, plan.steps.length, f);
    if (!edit || 'remove' in edit) return { fix: `reach ${list(unmet)}: no step that can run at the end provides ${list([f])}` };
    for (const a of edit.put) if (!put.includes(a)) put.push(a);
  }
  const edit: PlanEdit = { put, at: plan.steps.length };
  return { fix: describeEdit(plan, edit), edit };
}

/** A step naming no action of the set: what it may have meant, else the allowed actions. */
function unknownAction(set: ProcedureSet, name: string, n: number): Finding {
  const guess = closest(set, name);
  const forbidden = forbiddenIds(set);
  const allowed = set.actions.map((a) => a.id).filter((id) => !forbidden.has(id));
  return {
    severity: 'error',
    rule: 'unknown-action',
    step: n,
    message: `step ${n}: "${name}" is not an action of ${set.id}`,
    fix: guess ? `did you mean "${guess}"?` : `use one of: ${allowed.join(', ')}`,
  };
}

/** Fields the step's action lists and the step leaves empty (those a rule reports itself are left to it). */
function missingFields(step: Plan['steps'][number], action: ActionDef, n: number, covered: Set<string>): Finding[] {
  return action.fields
    .filter((field) => !filled(step[field]) && !covered.has(`${n}:${field}`))
    .map((field) => ({
      severity: 'error',
      rule: 'missing-field',
      step: n,
      message: `step ${n}: ${action.id} must fill "${field}"`,
      fix: `set ${field} on step ${n}`,
    }));
}

/** Preconditions of step `i` (of `action`) that do not hold in `state`, each a finding with its fix. */
function unmetPreconditions(plan: Plan, set: ProcedureSet, action: ActionDef, state: Set<string>, i: number, fixes: Map<Finding, FixEdit>): Finding[] {
  return action.requires
    .filter((f) => !state.has(f))
    .map((fact) => {
      const { fix, edit } = preconditionFix(plan, set, state, i, fact);
      const finding: Finding = {
        severity: 'error',
        rule: 'precondition',
        step: i + 1,
        message: `step ${i + 1}: ${action.id} needs \`${fact}\`, which does not hold at that point`,
        fix,
      };
      fixes.set(finding, edit ? { edit, fact } : { fact });
      return finding;
    });
}

/** The goal facts the final state lacks, as one finding with its fix. */
function unmetGoal(plan: Plan, target: PlanTarget, state: Set<string>, fixes: Map<Finding, FixEdit>): Finding[] {
  const unmet = target.goal.facts.filter((f) => !state.has(f));
  if (unmet.length === 0) return [];
  const { fix, edit } = goalFix(plan, target.set, state, unmet);
  const finding: Finding = { severity: 'error', rule: 'goal', message: `the plan ends without reaching ${list(unmet)}`, fix };
  fixes.set(finding, edit ? { edit, fact: unmet.join(',') } : { fact: unmet.join(',') });
  return [finding];
}

/**
 * Applies steps in order, as VAL does: the first step that cannot run (unknown action or unmet precondition) ends
 * execution; its effects and every later step's are never applied, so no later precondition or the goal is judged
 * from a state the plan never reaches. Checks that need no state (action names, fields) still cover every step.
 */
function simulate(plan: Plan, target: PlanTarget, findings: Finding[], covered: Set<string>, fixes: Map<Finding, FixEdit>): Simulation {
  const { set, goal } = target;
  const actions = new Map(set.actions.map((a) => [a.id, a]));
  const state = new Set(goal.initial ?? set.initial);
  const states: Set<string>[] = [];
  let stoppedAt: number | undefined;
  plan.steps.forEach((step, i) => {
    const n = i + 1;
    const action = actions.get(step.action);
    if (!action) {
      findings.push(unknownAction(set, step.action, n));
      stoppedAt ??= n;
      return;
    }
    findings.push(...missingFields(step, action, n, covered));
    if (stoppedAt !== undefined) return;
    states.push(new Set(state));
    const missing = unmetPreconditions(plan, set, action, state, i, fixes);
    findings.push(...missing);
    if (missing.length > 0) {
      stoppedAt = n;
      return;
    }
    // STRIPS: delete effects first, then add effects (an action that removes and adds a fact keeps it).
    for (const f of action.removes) state.delete(f);
    for (const f of action.provides) state.add(f);
  });
  if (stoppedAt !== undefined) return { state, states, stoppedAt };
  states.push(new Set(state));
  findings.push(...unmetGoal(plan, target, state, fixes));
  return { state, states };
}

/** The findings of one rule on a plan, by its kind. */
const checkRule = (rule: Rule, plan: Plan, ctx: RuleContext): Finding[] => kindOf(rule).check(rule, plan, ctx);

/** Every finding, not just the first; `valid` when no finding is an error. */
export function validatePlan(plan: Plan, target: PlanTarget): ValidationResult {
  return validateWithFixes(plan, target).result;
}

/** validatePlan, and the edit behind each finding's fix where it has one (see plan-edit.ts). */
export function validateWithFixes(plan: Plan, target: PlanTarget): { result: ValidationResult; fixes: Map<Finding, FixEdit> } {
  const { set } = target;
  const findings: Finding[] = [];
  const fixes: Map<Finding, FixEdit> = new Map();
  // No "empty plan" finding: as in STRIPS and VAL, no steps is valid exactly when the start already meets the goal.
  // A field both the action and a required-fields rule ask for is reported once, under the rule.
  const covered = new Set(set.rules.flatMap((rule) => kindOf(rule).covers?.(rule, plan) ?? []));
  const { state, states, stoppedAt } = simulate(plan, target, findings, covered, fixes);
  const ctx: RuleContext = { set, people: new People(set), states, fixes };
  for (const rule of set.rules) findings.push(...checkRule(rule, plan, ctx));
  findings.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
  const result: ValidationResult = {
    valid: !findings.some((f) => f.severity === 'error'),
    procedure: set.id,
    goal: target.goal.id,
    findings,
    finalFacts: [...state].sort(),
  };
  if (stoppedAt !== undefined) result.stoppedAt = stoppedAt;
  return { result, fixes };
}

/** Whether a plan's actions alone (owners and fields aside) fail under the target: a step that cannot run, or a rule on steps. */
export function actionsFail(actions: string[], target: PlanTarget): boolean {
  const aboutSteps = new Set(target.set.rules.flatMap((r) => (kindOf(r).aboutSteps ? [r.id] : [])));
  const { findings } = validatePlan({ title: '', summary: '', steps: actions.map((action) => ({ action })) }, target);
  return findings.some((f) => f.severity === 'error' && (['precondition', 'goal', 'unknown-action'].includes(f.rule) || aboutSteps.has(f.rule)));
}

/** The errors `rules` alone find in a plan (no simulation): whether a plan breaks rules a person set since it was kept. */
export function ruleErrors(plan: Plan, rules: Rule[]): Finding[] {
  const set: ProcedureSet = { id: '', name: '', description: '', file: '', initial: [], actions: [], rules, goals: [] };
  const ctx: RuleContext = { set, people: new People(set), states: [], fixes: new Map() };
  return rules.flatMap((r) => checkRule(r, plan, ctx)).filter((f) => f.severity === 'error');
}

/**
 * Where a plan first breaks: the first step that is not an action or whose preconditions do not hold, the facts
 * that held just before it and those it lacked (what a repair request shows the model, PDDL-INSTRUCT style).
 */
export function failureState(plan: Plan, target: PlanTarget): { step: number; factsBefore: string[]; missing: string[] } | undefined {
  const { set, goal } = target;
  const actions = new Map(set.actions.map((a) => [a.id, a]));
  const state = new Set(goal.initial ?? set.initial);
  for (const [i, step] of plan.steps.entries()) {
    const action = actions.get(step.action);
    const missing = action ? action.requires.filter((f) => !state.has(f)) : [];
    if (!action || missing.length) return { step: i + 1, factsBefore: [...state].sort(), missing };
    for (const f of action.removes) state.delete(f);
    for (const f of action.provides) state.add(f);
  }
  return undefined;
}

export function countFindings(result: ValidationResult): { errors: number; warnings: number } {
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  return { errors, warnings: result.findings.length - errors };
}
