// The plan validator: simulates a plan step by step (STRIPS semantics, as VAL does), then checks every rule.
import { editDistance } from '../core/text.js';
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { People } from './people.js';
import type { ActionDef, PlanTarget, ProcedureSet, Rule, SegregationRule } from './types.js';

/** Actions that add `fact`, allowed ones first. */
function providersOf(set: ProcedureSet, fact: string): ActionDef[] {
  const forbidden = new Set(set.rules.filter((r) => r.kind === 'forbidden').map((r) => (r as { action: string }).action));
  return set.actions.filter((a) => a.provides.includes(fact)).sort((a, b) => Number(forbidden.has(a.id)) - Number(forbidden.has(b.id)));
}

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

/** A step as a fix hint names it: `step 3 (build-artifact)`. */
const stepName = (plan: Plan, i: number) => `step ${i + 1} (${plan.steps[i]?.action ?? '?'})`;

/** Actions a plan may use: forbidden ones are never suggested in a fix. */
function forbiddenIds(set: ProcedureSet): Set<string> {
  return new Set(set.rules.flatMap((r) => (r.kind === 'forbidden' && r.severity === 'error' ? [r.action] : [])));
}

/**
 * Where to add `provider` so step `at` (0-based) can run: after the last earlier step that provides something the
 * provider needs, before step `at`. E.g. "add security-scan after step 3 (build-artifact), before step 8 (approve-release)".
 */
function placeBefore(plan: Plan, set: ProcedureSet, provider: ActionDef, at: number): string {
  const actions = new Map(set.actions.map((a) => [a.id, a]));
  let after = -1;
  for (let j = at - 1; j >= 0 && after < 0; j--) if (actions.get(plan.steps[j]!.action)?.provides.some((f) => provider.requires.includes(f))) after = j;
  return `add ${provider.id}${after >= 0 ? ` after ${stepName(plan, after)},` : ''} before ${stepName(plan, at)}`;
}

/** Steps (0-based) whose action is `id`. */
function stepsOf(plan: Plan, id: string): number[] {
  const out: number[] = [];
  plan.steps.forEach((s, i) => s.action === id && out.push(i));
  return out;
}

interface Simulation {
  state: Set<string>;
  /** 1-based step at which the plan failed to execute (VAL stops there), when it did. */
  stoppedAt?: number;
}

/**
 * Applies steps in order, as VAL does: the first step that cannot run (unknown action or unmet precondition) ends
 * execution; its effects and every later step's are never applied, so no later precondition or the goal is judged
 * from a state the plan never reaches. Checks that need no state (action names, fields) still cover every step.
 */
function simulate(plan: Plan, set: ProcedureSet, initial: string[], goalFacts: string[], findings: Finding[], covered: Set<string>): Simulation {
  const actions = new Map(set.actions.map((a) => [a.id, a]));
  const forbidden = forbiddenIds(set);
  const allowed = set.actions.map((a) => a.id).filter((id) => !forbidden.has(id));
  const state = new Set(initial);
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
    const missing = action.requires.filter((f) => !state.has(f));
    for (const fact of missing) {
      const provider = providersOf(set, fact)[0];
      findings.push({
        severity: 'error',
        rule: 'precondition',
        step: n,
        message: `step ${n}: ${action.id} needs \`${fact}\`, which does not hold at that point`,
        fix: provider ? `${action.id} needs \`${fact}\`: ${placeBefore(plan, set, provider, i)}` : `nothing provides \`${fact}\``,
      });
    }
    if (missing.length > 0) {
      stoppedAt = n;
      return;
    }
    // STRIPS: delete effects first, then add effects (an action that removes and adds a fact keeps it).
    for (const f of action.removes) state.delete(f);
    for (const f of action.provides) state.add(f);
  });
  if (stoppedAt !== undefined) return { state, stoppedAt };
  const unmet = goalFacts.filter((f) => !state.has(f));
  if (unmet.length > 0) {
    const adds = [...new Set(unmet.map((f) => providersOf(set, f)[0]?.id).filter((x): x is string => !!x))];
    findings.push({
      severity: 'error',
      rule: 'goal',
      message: `the plan ends without reaching ${list(unmet)}`,
      fix: adds.length
        ? `add ${adds.join(', ')} (and what they need) at the end${plan.steps.length ? `, after ${stepName(plan, plan.steps.length - 1)}` : ''}`
        : `no action provides ${list(unmet)}`,
    });
  }
  return { state };
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

function checkRule(rule: Rule, plan: Plan, people: People): Finding[] {
  const base = { severity: rule.severity, rule: rule.id };
  const why = rule.description ? ` (${rule.description})` : '';
  switch (rule.kind) {
    case 'ordering': {
      const befores = stepsOf(plan, rule.before);
      const firstBefore = befores.length ? befores[0]! : Infinity;
      return stepsOf(plan, rule.after)
        .filter((i) => i < firstBefore)
        .map((i) => ({
          ...base,
          step: i + 1,
          message: `step ${i + 1}: ${rule.after} comes before any ${rule.before}${why}`,
          fix: `add ${rule.before} before ${stepName(plan, i)}`,
        }));
    }
    case 'required':
      return stepsOf(plan, rule.action).length ? [] : [{ ...base, message: `the plan has no ${rule.action} step${why}`, fix: `add ${rule.action}` }];
    case 'forbidden':
      return stepsOf(plan, rule.action).map((i) => ({
        ...base,
        step: i + 1,
        message: `step ${i + 1}: ${rule.action} is forbidden${why}`,
        fix: `remove step ${i + 1}`,
      }));
    case 'segregation':
      return segregation(rule, plan, people, base, why);
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
      const wanted = people.identify(rule.owner, rule.action);
      return stepsOf(plan, rule.action)
        .filter((i) => !people.satisfies(people.identify(plan.steps[i]!.owner, rule.action), wanted))
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
  const { set, goal } = target;
  const findings: Finding[] = [];
  // No "empty plan" finding: as in STRIPS and VAL, no steps is valid exactly when the start already meets the goal.
  // A field both the action and a required-fields rule ask for is reported once, under the rule.
  const people = new People(set);
  const ruleFindings = set.rules.flatMap((rule) => checkRule(rule, plan, people));
  const covered = new Set<string>();
  for (const rule of set.rules) {
    if (rule.kind !== 'required-fields') continue;
    plan.steps.forEach((s, i) => (!rule.actions || rule.actions.includes(s.action)) && rule.fields.forEach((f) => covered.add(`${i + 1}:${f}`)));
  }
  const { state, stoppedAt } = simulate(plan, set, goal.initial ?? set.initial, goal.facts, findings, covered);
  findings.push(...ruleFindings);
  findings.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
  const result: ValidationResult = {
    valid: !findings.some((f) => f.severity === 'error'),
    procedure: set.id,
    goal: goal.id,
    findings,
    finalFacts: [...state].sort(),
  };
  if (stoppedAt !== undefined) result.stoppedAt = stoppedAt;
  return result;
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
