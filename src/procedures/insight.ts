// Insights: claims about the procedures read straight from a failed plan's findings (the precondition that failed,
// the rule that fired, and the fix the validator offers), each kept only after the validator confirms it on that
// plan: with the fix applied, the finding is gone and no new error appears.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { applyEdit, forbiddenIds, type PlanEdit } from './plan-edit.js';
import { kindOf } from './rules/index.js';
import type { PlanTarget, Rule } from './types.js';
import type { FixEdit } from './rules/kind.js';
import { validateWithFixes } from './validate.js';

/**
 * `add` the steps `actions` (in order) before `before` (absent: anywhere they can run, or at the end for the goal),
 * `move` the step `actions[0]` ahead of `before`, or `remove` the step `actions[0]`. `fact` is what a precondition
 * or the goal lacked.
 */
export interface Insight {
  rule: string;
  change: 'add' | 'move' | 'remove';
  actions: string[];
  before?: string;
  fact?: string;
  /** What a removed step's place takes instead (allowed steps giving what it gave). */
  instead?: string[];
}

/** A finding's identity across an edit: its rule, the step it is about (by its index before the edit), and the fact. */
const keyOf = (f: Finding, origin: number[], fact: string | undefined) => `${f.rule}|${f.step === undefined ? '' : origin[f.step - 1]}|${fact ?? ''}`;

function claim(plan: Plan, f: Finding, edit: PlanEdit, fact: string | undefined): Insight {
  const name = (x: string | number) => (typeof x === 'number' ? plan.steps[x]!.action : x);
  if ('remove' in edit) return { rule: f.rule, change: 'remove', actions: [name(edit.remove)], ...(edit.put.length ? { instead: edit.put } : {}) };
  const stepIndex = f.rule === 'goal' || f.step === undefined ? undefined : f.step - 1;
  const before = stepIndex === undefined ? {} : { before: name(stepIndex) };
  const withFact = fact !== undefined ? { fact } : {};
  // Moving the failing step after another says the same as moving that other step ahead of it.
  if (edit.put.length === 1 && edit.put[0] === stepIndex) return { rule: f.rule, change: 'move', actions: [name(edit.at - 1)], ...before, ...withFact };
  const change = edit.put.some((x) => typeof x === 'string') ? 'add' : 'move';
  return { rule: f.rule, change, actions: edit.put.map(name), ...before, ...withFact };
}

/**
 * Errors the plan was judged on: every rule's, and preconditions only up to the step where it stopped (then the goal).
 * An insight is a claim on which steps a plan has and in what order: rules about owners or fields teach none.
 */
function judged(result: ValidationResult, fixes: Map<Finding, FixEdit>, origin: number[], rules: Map<string, Rule>): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of result.findings) {
    if (f.severity !== 'error') continue;
    const rule = rules.get(f.rule);
    if (f.rule !== 'precondition' && f.rule !== 'goal' && !(rule && kindOf(rule).aboutSteps)) continue;
    out.set(keyOf(f, origin, fixes.get(f)?.fact), f);
  }
  return out;
}

/** Whether an error after the edit is new: not there before, and about something the earlier run did check. */
function isNew(key: string, f: Finding, before: Map<string, Finding>, origin: number[], stoppedAt: number | undefined): boolean {
  if (before.has(key)) return false;
  if (stoppedAt === undefined || f.step === undefined) return f.rule !== 'goal' || stoppedAt === undefined;
  const was = origin[f.step - 1]!;
  // A precondition of a step the plan never reached before was never checked: finding it now is not new (an
  // inserted step, origin -1, and every step up to where the plan stopped were).
  return f.rule !== 'precondition' || was < stoppedAt;
}

/** Checks one finding's fix as a claim: applied to the plan, the finding disappears and no new error appears. */
function confirms(
  plan: Plan,
  target: PlanTarget,
  f: Finding,
  fix: FixEdit,
  before: Map<string, Finding>,
  stoppedAt: number | undefined,
  rules: Map<string, Rule>,
): boolean {
  const edited = applyEdit(plan, fix.edit!);
  const { result, fixes } = validateWithFixes(edited.plan, target);
  const after = judged(result, fixes, edited.origin, rules);
  const identity = plan.steps.map((_, i) => i);
  if (after.has(keyOf(f, identity, fix.fact))) return false;
  for (const [key, g] of after) if (isNew(key, g, before, edited.origin, stoppedAt)) return false;
  return true;
}

/**
 * The insights a failed plan teaches, each confirmed by the validator, and how many candidates it refuted. Findings
 * of rules in `skip` (a person's rules: human_rules.md already holds them) and of owners and fields teach none.
 */
export function checkInsights(plan: Plan, target: PlanTarget, skip: ReadonlySet<string> = new Set()): { insights: Insight[]; refuted: number } {
  const { result, fixes } = validateWithFixes(plan, target);
  const rules = new Map(target.set.rules.map((r) => [r.id, r]));
  const identity = plan.steps.map((_, i) => i);
  const before = judged(result, fixes, identity, rules);
  const forbidden = forbiddenIds(target.set);
  const insights: Insight[] = [];
  const seen = new Set<string>();
  let refuted = 0;
  for (const f of before.values()) {
    const fix = fixes.get(f);
    // How to make a forbidden step runnable is no knowledge: its one insight is to leave it out.
    const about = f.step === undefined ? undefined : plan.steps[f.step - 1]?.action;
    const aboutForbidden = about !== undefined && forbidden.has(about) && rules.get(f.rule)?.kind !== 'forbidden';
    if (!fix?.edit || skip.has(f.rule) || aboutForbidden) continue;
    const insight = claim(plan, f, fix.edit, fix.fact);
    const id = JSON.stringify(insight);
    if (seen.has(id)) continue;
    seen.add(id);
    if (confirms(plan, target, f, fix, before, result.stoppedAt, rules)) insights.push(insight);
    else refuted++;
  }
  return { insights, refuted };
}
