// The plan validator: simulates a plan step by step (STRIPS semantics, as VAL does), then checks every rule.
import { editDistance } from '../core/text.js';
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { People } from './people.js';
import { bringIn, describeEdit, forbiddenIds, type PlanEdit, provide, replace, stepName } from './plan-edit.js';
import type { PlanTarget, ProcedureSet, Rule, SegregationRule } from './types.js';

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

const filled = (v: unknown) => v !== undefined && v !== null && String(v).trim() !== '';
const list = (facts: string[]) => facts.map((f) => `\`${f}\``).join(', ');

/** Steps (0-based) whose action is `id`. */
function stepsOf(plan: Plan, id: string): number[] {
  const out: number[] = [];
  plan.steps.forEach((s, i) => s.action === id && out.push(i));
  return out;
}

interface Simulation {
  state: Set<string>;
  /** Facts holding before each step the plan reached (and, when it ran to the end, after the last at index length). */
  states: Set<string>[];
  /** 1-based step at which the plan failed to execute (VAL stops there), when it did. */
  stoppedAt?: number;
}

/** What a fix edits, beside its text (what insights apply to check what they claim), and the fact it is about. */
export interface FixEdit {
  edit?: PlanEdit;
  fact?: string;
}
type Fixes = Map<Finding, FixEdit>;

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

/**
 * Applies steps in order, as VAL does: the first step that cannot run (unknown action or unmet precondition) ends
 * execution; its effects and every later step's are never applied, so no later precondition or the goal is judged
 * from a state the plan never reaches. Checks that need no state (action names, fields) still cover every step.
 */
function simulate(plan: Plan, target: PlanTarget, findings: Finding[], covered: Set<string>, fixes: Fixes): Simulation {
  const { set, goal } = target;
  const actions = new Map(set.actions.map((a) => [a.id, a]));
  const forbidden = forbiddenIds(set);
  const allowed = set.actions.map((a) => a.id).filter((id) => !forbidden.has(id));
  const state = new Set(goal.initial ?? set.initial);
  const states: Set<string>[] = [];
  let stoppedAt: number | undefined;
  plan.steps.forEach((step, i) => {
    const n = i + 1;
    const action = actions.get(step.action);
    if (!action) {
      const guess = closest(set, step.action);
      findings.push({
        severity: 'error',
        rule: 'unknown-action',
        step: n,
        message: `step ${n}: "${step.action}" is not an action of ${set.id}`,
        fix: guess ? `did you mean "${guess}"?` : `use one of: ${allowed.join(', ')}`,
      });
      stoppedAt ??= n;
      return;
    }
    for (const field of action.fields) {
      if (!filled(step[field]) && !covered.has(`${n}:${field}`))
        findings.push({
          severity: 'error',
          rule: 'missing-field',
          step: n,
          message: `step ${n}: ${action.id} must fill "${field}"`,
          fix: `set ${field} on step ${n}`,
        });
    }
    if (stoppedAt !== undefined) return;
    states.push(new Set(state));
    const missing = action.requires.filter((f) => !state.has(f));
    for (const fact of missing) {
      const { fix, edit } = preconditionFix(plan, set, state, i, fact);
      const finding: Finding = {
        severity: 'error',
        rule: 'precondition',
        step: n,
        message: `step ${n}: ${action.id} needs \`${fact}\`, which does not hold at that point`,
        fix,
      };
      findings.push(finding);
      fixes.set(finding, edit ? { edit, fact } : { fact });
    }
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
  const unmet = goal.facts.filter((f) => !state.has(f));
  if (unmet.length > 0) {
    const { fix, edit } = goalFix(plan, set, state, unmet);
    const finding: Finding = { severity: 'error', rule: 'goal', message: `the plan ends without reaching ${list(unmet)}`, fix };
    findings.push(finding);
    fixes.set(finding, edit ? { edit, fact: unmet.join(',') } : { fact: unmet.join(',') });
  }
  return { state, states };
}

interface RuleContext {
  set: ProcedureSet;
  people: People;
  states: Set<string>[];
  fixes: Fixes;
}

/** A finding whose fix is an edit (its text said from the edit), else the text given. */
function fixed(ctx: RuleContext, plan: Plan, finding: Finding, edit: PlanEdit | undefined, otherwise: string): Finding {
  finding.fix = edit ? describeEdit(plan, edit) : otherwise;
  if (edit) ctx.fixes.set(finding, { edit });
  return finding;
}

/** Step `i` runs before any `before` step: move the first one up (or bring it in), else move step `i` after it. */
function orderingEdit(plan: Plan, ctx: RuleContext, before: string, i: number): PlanEdit | undefined {
  const up = bringIn(plan, ctx.set, ctx.states[i], i, before);
  if (up) return up;
  const j = plan.steps.findIndex((s) => s.action === before);
  const action = ctx.set.actions.find((a) => a.id === plan.steps[i]!.action);
  const after = ctx.states[j + 1];
  return j > i && action && after && action.requires.every((f) => after.has(f)) ? { put: [i], at: j + 1 } : undefined;
}

/** Where a required step goes: the first point it can run, after every step an ordering rule puts before it. */
function requiredEdit(plan: Plan, ctx: RuleContext, id: string): PlanEdit | undefined {
  const action = ctx.set.actions.find((a) => a.id === id);
  if (!action) return undefined;
  let from = 0;
  for (const r of ctx.set.rules) if (r.kind === 'ordering' && r.after === id) from = Math.max(from, plan.steps.findIndex((s) => s.action === r.before) + 1);
  for (let k = from; k < ctx.states.length; k++) if (action.requires.every((f) => ctx.states[k]!.has(f))) return { put: [id], at: k };
  return undefined;
}

/**
 * Steps of the two actions done by one person: the same person however spelled, or one role nobody told apart (no
 * named people, no roster splitting it), which may well be one person.
 */
function segregation(rule: SegregationRule, plan: Plan, people: People, base: Pick<Finding, 'severity' | 'rule'>, why: string): Finding[] {
  const [a, b] = rule.actions;
  const out: Finding[] = [];
  for (const i of stepsOf(plan, a)) {
    for (const j of stepsOf(plan, b)) {
      const [x, y] = [people.identify(plan.steps[i]!.owner, a), people.identify(plan.steps[j]!.owner, b)];
      if (!people.mayBeSame(x, y)) continue;
      const later = Math.max(i, j);
      const pair = `steps ${i + 1} (${a}) and ${j + 1} (${b})`;
      const named = x.person && y.person;
      out.push({
        ...base,
        step: later + 1,
        message: named
          ? `${pair} are both done by ${ownerText(plan, i)}${ownerText(plan, i) === ownerText(plan, j) ? '' : ` and ${ownerText(plan, j)}, one person`}${why}`
          : `${pair} may be done by one person: ${x.person ? ownerText(plan, i) : `role ${x.role}`} and ${y.person ? ownerText(plan, j) : `role ${y.role}`} are not told apart${why}`,
        fix: named
          ? `assign step ${later + 1} to someone other than ${ownerText(plan, i).slice(1, -1)}`
          : `name two different people (owner: "Name (role)") or use different roles for steps ${i + 1} and ${j + 1}`,
      });
    }
  }
  return out;
}

const ownerText = (plan: Plan, i: number) => `"${String(plan.steps[i]!.owner ?? '').trim()}"`;

function checkRule(rule: Rule, plan: Plan, ctx: RuleContext): Finding[] {
  const base = { severity: rule.severity, rule: rule.id };
  const why = rule.description ? ` (${rule.description})` : '';
  switch (rule.kind) {
    case 'ordering': {
      const befores = stepsOf(plan, rule.before);
      const firstBefore = befores.length ? befores[0]! : Infinity;
      return stepsOf(plan, rule.after)
        .filter((i) => i < firstBefore)
        .map((i) =>
          fixed(
            ctx,
            plan,
            { ...base, step: i + 1, message: `step ${i + 1}: ${rule.after} comes before any ${rule.before}${why}` },
            orderingEdit(plan, ctx, rule.before, i),
            `add ${rule.before} before ${stepName(plan, i)}`,
          ),
        );
    }
    case 'required':
      return stepsOf(plan, rule.action).length
        ? []
        : [fixed(ctx, plan, { ...base, message: `the plan has no ${rule.action} step${why}` }, requiredEdit(plan, ctx, rule.action), `add ${rule.action}`)];
    case 'forbidden':
      return stepsOf(plan, rule.action).map((i) =>
        fixed(ctx, plan, { ...base, step: i + 1, message: `step ${i + 1}: ${rule.action} is forbidden${why}` }, replace(ctx.set, ctx.states[i], plan, i), ''),
      );
    case 'segregation':
      return segregation(rule, plan, ctx.people, base, why);
    case 'immediately-after':
      return stepsOf(plan, rule.action)
        .filter((i) => i === 0 || plan.steps[i - 1]!.action !== rule.after)
        .map((i) => ({
          ...base,
          step: i + 1,
          message: `step ${i + 1}: ${rule.action} does not come right after ${rule.after}${why}`,
          fix: `move ${rule.action} to directly after a ${rule.after} step`,
        }));
    case 'owner': {
      const wanted = ctx.people.identify(rule.owner, rule.action);
      return stepsOf(plan, rule.action)
        .filter((i) => !ctx.people.satisfies(ctx.people.identify(plan.steps[i]!.owner, rule.action), wanted))
        .map((i) => ({
          ...base,
          step: i + 1,
          message: `step ${i + 1}: ${rule.action} must be owned by ${rule.owner}${why}`,
          fix: `set owner of step ${i + 1} to ${rule.owner}`,
        }));
    }
    case 'max-steps':
      return plan.steps.length > rule.max
        ? [
            {
              ...base,
              message: `the plan has ${plan.steps.length} steps; at most ${rule.max} are allowed${why}`,
              fix: `remove ${plan.steps.length - rule.max} step(s)`,
            },
          ]
        : [];
    case 'required-fields': {
      const out: Finding[] = [];
      plan.steps.forEach((s, i) => {
        if (rule.actions && !rule.actions.includes(s.action)) return;
        for (const f of rule.fields)
          if (!filled(s[f])) out.push({ ...base, step: i + 1, message: `step ${i + 1}: ${s.action} has no ${f}${why}`, fix: `set ${f} on step ${i + 1}` });
      });
      return out;
    }
  }
}

/** Every finding, not just the first; `valid` when no finding is an error. */
export function validatePlan(plan: Plan, target: PlanTarget): ValidationResult {
  return validateWithFixes(plan, target).result;
}

/** validatePlan, and the edit behind each finding's fix where it has one (see plan-edit.ts). */
export function validateWithFixes(plan: Plan, target: PlanTarget): { result: ValidationResult; fixes: Map<Finding, FixEdit> } {
  const { set } = target;
  const findings: Finding[] = [];
  const fixes: Fixes = new Map();
  // No "empty plan" finding: as in STRIPS and VAL, no steps is valid exactly when the start already meets the goal.
  // A field both the action and a required-fields rule ask for is reported once, under the rule.
  const covered = new Set<string>();
  for (const rule of set.rules) {
    if (rule.kind !== 'required-fields') continue;
    plan.steps.forEach((s, i) => (!rule.actions || rule.actions.includes(s.action)) && rule.fields.forEach((f) => covered.add(`${i + 1}:${f}`)));
  }
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

const STEP_KINDS = new Set<Rule['kind']>(['ordering', 'required', 'forbidden', 'immediately-after', 'max-steps']);

/** Whether a plan's actions alone (owners and fields aside) fail under the target: a step that cannot run, or a rule on steps. */
export function actionsFail(actions: string[], target: PlanTarget): boolean {
  const kinds = new Map(target.set.rules.map((r) => [r.id, r.kind]));
  const { findings } = validatePlan({ title: '', summary: '', steps: actions.map((action) => ({ action })) }, target);
  return findings.some((f) => f.severity === 'error' && (['precondition', 'goal', 'unknown-action'].includes(f.rule) || STEP_KINDS.has(kinds.get(f.rule)!)));
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
