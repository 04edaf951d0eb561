// Reads plans from YAML or JSON files and checks their shape, naming the file, line and field at fault.
import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { InputError } from './errors.js';
import type { Plan, PlanStep } from './plan.js';

const MAX_PLAN_BYTES = 1024 * 1024;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a parsed value is a plan; returns a message naming the first field at fault, or the plan. */
export function toPlan(value: unknown): Plan | string {
  const v = isObject(value) && isObject(value.plan) ? value.plan : value;
  if (!isObject(v)) return 'expected a plan: a mapping with title, summary and steps';
  if (typeof v.title !== 'string' || v.title.trim() === '') return '"title" is missing or not text';
  if (v.summary !== undefined && typeof v.summary !== 'string') return '"summary" must be text';
  if (!Array.isArray(v.steps)) return '"steps" is missing or not a list';
  if (v.steps.length === 0) return '"steps" is empty';
  const steps: PlanStep[] = [];
  for (const [i, s] of v.steps.entries()) {
    if (!isObject(s)) return `steps[${i}] must be a mapping with an action`;
    if (typeof s.action !== 'string' || s.action.trim() === '') return `steps[${i}].action is missing or not text`;
    const step: PlanStep = { ...s, action: s.action.trim() };
    for (const k of ['description', 'owner', 'evidence'] as const) {
      if (step[k] !== undefined && step[k] !== null && typeof step[k] !== 'string') step[k] = String(step[k] as string | number);
    }
    steps.push(step);
  }
  const plan: Plan = { title: v.title.trim(), summary: typeof v.summary === 'string' ? v.summary : '', steps };
  if (typeof v.procedure === 'string') plan.procedure = v.procedure;
  if (typeof v.goal === 'string') plan.goal = v.goal;
  return plan;
}

/** Parses plan text (JSON is YAML) and throws InputError with file:line on any fault. */
export function parsePlanText(text: string, file: string): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new InputError(`not valid YAML or JSON: ${e.message.split(' at line')[0]!.split('\n')[0]}`, { file, line: e.linePos?.[0]?.line ?? 1 });
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
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD')) throw new InputError('plan file is not valid UTF-8 text', { file, line: text.slice(0, text.indexOf('\uFFFD')).split('\n').length });
  return parsePlanText(text, file);
}
