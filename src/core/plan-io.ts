// Reads plans from YAML or JSON text and checks their shape, naming the file, line and field at fault.
import { InputError } from './errors.js';
import type { z } from 'zod';
import { AnswerPlanSchema, PlanSchema, type Plan } from './plan.js';
import { parseYamlDoc } from './yaml-doc.js';
import { isObj, valueAt } from './value.js';

/** Plans files are read whole: 1 MiB of text is thousands of steps. */
const MAX_PLAN_CHARS = 1024 * 1024;

/** Leniency people and models need before the strict schema: a `{plan: …}` wrapper, nulls, numbers as text, stray blanks. */
function normalise(value: Record<string, unknown>, summaryOptional: boolean): Record<string, unknown> {
  const v = !('steps' in value) && isObj(value.plan) ? value.plan : value;
  const out: Record<string, unknown> = {};
  for (const k of ['title', 'summary', 'procedure', 'goal', 'steps']) if (v[k] !== undefined && v[k] !== null) out[k] = v[k];
  if (typeof out.title === 'string') out.title = out.title.trim();
  if (out.title === '') delete out.title;
  if (summaryOptional && out.summary === undefined) out.summary = '';
  if (Array.isArray(out.steps)) {
    out.steps = out.steps.map((s: unknown) => {
      if (!isObj(s)) return s;
      const step: Record<string, unknown> = { ...s };
      if (typeof step.action === 'string') step.action = step.action.trim();
      if (step.action === '' || step.action === null) delete step.action;
      for (const k of ['description', 'owner', 'evidence']) {
        if (step[k] === null) delete step[k];
        else if (typeof step[k] === 'number' || typeof step[k] === 'boolean') step[k] = String(step[k]);
      }
      return step;
    });
  }
  return out;
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** One zod issue as the short sentence a person (or the model, in its corrective turn) can act on. */
function problem(issue: z.core.$ZodIssue, input: unknown): string {
  const at = pathText(issue.path);
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (got === undefined) return `${at} is missing`;
      if (at === 'steps') return 'steps must be a list of steps';
      if (/^steps\[\d+\]$/.test(at)) return `${at} must be an object with an action`;
      return `${at} must be ${issue.expected === 'string' ? 'a string' : issue.expected}`;
    case 'too_small':
      return `${at} is missing`;
    case 'too_big':
      return at === 'steps' ? `steps has more than ${String(issue.maximum)} steps` : `${at} is longer than ${String(issue.maximum)} characters`;
    case 'invalid_value':
      return `${at} must be one of the listed action ids`;
    default:
      return `${at || 'the plan'}: ${issue.message}`;
  }
}

/**
 * Checks a parsed value (a plan file, a session's plan, or a model's JSON answer) against PlanSchema. Every problem
 * is named by its path, e.g. `steps[2].action is missing`. Files written by people may leave out the summary;
 * model answers may not. A file may hold no steps (the empty plan is valid when the start meets the goal); an answer
 * may not. Fields beyond the plan's (e.g. a model's `reasoning`) are dropped.
 */
export function checkPlanShape(
  value: unknown,
  opts: { summaryOptional?: boolean; emptyAllowed?: boolean; answer?: boolean } = {},
): { plan: Plan } | { error: string } {
  if (!isObj(value)) return { error: `expected a plan: an object with title, summary and steps, got ${Array.isArray(value) ? 'a list' : typeof value}` };
  const input = normalise(value, opts.summaryOptional ?? false);
  // A model's answer is held to PLAN_LIMITS; plans from files and sessions are not.
  const parsed = (opts.answer ? AnswerPlanSchema : PlanSchema).safeParse(input);
  const empty = Array.isArray(input.steps) && input.steps.length === 0 && !opts.emptyAllowed;
  if (parsed.success && !empty) return { plan: parsed.data };
  const problems = [...new Set((parsed.error?.issues ?? []).map((i) => problem(i, input)))];
  // The empty plan is valid in STRIPS/VAL when the start meets the goal, so a file may hold no steps; an answer may not.
  if (empty) problems.push('steps is empty: a plan needs at least one step');
  const shown = problems.slice(0, 5).join('; ');
  return { error: problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown };
}

/** A plan from a file or session (summary optional), or the message naming what is wrong. */
export function toPlan(value: unknown): Plan | string {
  const checked = checkPlanShape(value, { summaryOptional: true, emptyAllowed: true });
  return 'error' in checked ? checked.error : checked.plan;
}

/** Parses plan text (JSON is YAML) and throws InputError with file:line on any fault. */
export function parsePlanText(text: string, file: string): Plan {
  // A plan a person can read is far smaller; a bigger file is a mistake (or an attack), refused before parsing.
  if (text.length > MAX_PLAN_CHARS) throw new InputError(`a plan file is at most ${MAX_PLAN_CHARS} characters; this one has ${text.length}`, { file });
  const { value, doc, lines } = parseYamlDoc(text, file, { invalid: (m) => `not valid YAML or JSON: ${m}`, unusable: (m) => `not a usable plan: ${m}` });
  if (value === null || value === undefined) throw new InputError('holds no plan (only blank lines or comments): expected title, summary and steps', { file });
  const plan = toPlan(value);
  if (typeof plan === 'string') {
    const field = /steps\[(\d+)\]/.exec(plan);
    let line = 1;
    const steps = doc.getIn(['steps'], true) as { items?: { range?: [number, number, number] }[] } | undefined;
    const item = field && steps?.items?.[Number(field[1])];
    if (item?.range) line = lines.linePos(item.range[0]).line;
    throw new InputError(`not a plan: ${plan}`, { file, line });
  }
  return plan;
}
