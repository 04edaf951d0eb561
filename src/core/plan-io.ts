// Reads plans from YAML or JSON files and checks their shape, naming the file, line and field at fault.
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from './errors.js';
import type { Plan, PlanStep } from './plan.js';
import { decodeUtf8, yamlErrorText } from './text.js';

const MAX_PLAN_BYTES = 1024 * 1024;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a parsed value (a plan file, or a model's JSON answer) is a plan. Every problem is named by its path,
 * e.g. `steps[2].action is missing`. Files written by people may leave out the summary; model answers may not.
 * A file may hold no steps (in STRIPS/VAL the empty plan is valid when the start meets the goal); a model answer may not.
 */
export function checkPlanShape(value: unknown, opts: { summaryOptional?: boolean; emptyAllowed?: boolean } = {}): { plan: Plan } | { error: string } {
  if (!isObject(value)) return { error: `expected a plan: an object with title, summary and steps, got ${Array.isArray(value) ? 'a list' : typeof value}` };
  const v = !('steps' in value) && isObject(value.plan) ? value.plan : value;
  const problems: string[] = [];
  if (v.title === undefined || v.title === null || v.title === '') problems.push('title is missing');
  else if (typeof v.title !== 'string') problems.push('title must be a string');
  if (v.summary === undefined || v.summary === null) {
    if (!opts.summaryOptional) problems.push('summary is missing');
  } else if (typeof v.summary !== 'string') problems.push('summary must be a string');
  const steps: PlanStep[] = [];
  if (v.steps === undefined || v.steps === null) problems.push('steps is missing');
  else if (!Array.isArray(v.steps)) problems.push('steps must be a list of steps');
  else if (v.steps.length === 0 && !opts.emptyAllowed) problems.push('steps is empty: a plan needs at least one step');
  else {
    v.steps.forEach((s: unknown, i: number) => {
      if (!isObject(s)) return void problems.push(`steps[${i}] must be an object with an action`);
      if (s.action === undefined || s.action === null || s.action === '') problems.push(`steps[${i}].action is missing`);
      else if (typeof s.action !== 'string') problems.push(`steps[${i}].action must be a string`);
      const step: PlanStep = { ...s, action: String(s.action ?? '').trim() };
      for (const k of ['description', 'owner', 'evidence']) {
        if (step[k] === null) delete step[k];
        else if (typeof step[k] === 'number' || typeof step[k] === 'boolean') step[k] = String(step[k]);
      }
      steps.push(step);
    });
  }
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    return { error: problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown };
  }
  const plan: Plan = { title: (v.title as string).trim(), summary: typeof v.summary === 'string' ? v.summary : '', steps };
  if (typeof v.procedure === 'string') plan.procedure = v.procedure;
  if (typeof v.goal === 'string') plan.goal = v.goal;
  return { plan };
}

/** A plan from a file or session (summary optional), or the message naming what is wrong. */
export function toPlan(value: unknown): Plan | string {
  const checked = checkPlanShape(value, { summaryOptional: true, emptyAllowed: true });
  return 'error' in checked ? checked.error : checked.plan;
}

/** Parses plan text (JSON is YAML) and throws InputError with file:line on any fault. */
export function parsePlanText(text: string, file: string): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = yamlErrorText(doc.errors[0]!);
    throw new InputError(`not valid YAML or JSON: ${e.message}`, { file, line: e.line });
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // e.g. an alias bomb ("Excessive alias count") or an unresolved alias: a bad file, not a crash.
    throw new InputError(`not a usable plan: ${(err as Error).message}`, { file, line: 1 });
  }
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

export function readPlanFile(file: string): Plan {
  let buf: Buffer;
  try {
    if (statSync(file).size > MAX_PLAN_BYTES) throw new InputError(`plan file is larger than ${MAX_PLAN_BYTES} bytes`, { file });
    buf = readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read plan: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
  const { text, badLine } = decodeUtf8(buf);
  if (badLine !== null) throw new InputError('plan file is not valid UTF-8 text', { file, line: badLine });
  return parsePlanText(text, file);
}
