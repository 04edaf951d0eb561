// Reads a plan out of model output: finds the JSON, repairs common faults (jsonrepair), checks it against the plan schema.
import { jsonrepair } from 'jsonrepair';
import { checkPlanShape } from '../core/plan-io.js';
import { PLAN_LIMITS, type Plan } from '../core/plan.js';

/** A plan, with the model's optional state tracking (`reasoning`, not part of the plan), or what was wrong. */
export type ParseResult = { plan: Plan; reasoning?: string } | { error: string; kind: 'unparseable' | 'schema' };

/**
 * Candidate JSON texts, best first: the inside of a ```json fence, then from each `{` on
 * (prose around the object dropped; without a closing `}` the object was cut short and is kept).
 */
export function jsonCandidates(text: string): string[] {
  const s = text.replace(/^\uFEFF/, '');
  const out: string[] = [];
  const fenced = /```[a-zA-Z]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(s);
  const add = (t: string, at: number) => {
    out.push(sliceObject(t, at));
    // Fallback when quotes confused the balance scan (e.g. an apostrophe in smart-quoted text).
    const end = t.lastIndexOf('}');
    if (end > at) out.push(t.slice(at, end + 1));
  };
  if (fenced && fenced[1]!.includes('{')) add(fenced[1]!, fenced[1]!.indexOf('{'));
  for (let at = s.indexOf('{'), n = 0; at >= 0 && n < 5; at = s.indexOf('{', at + 1), n++) add(s, at);
  return [...new Set(out)];
}

/** From `start` to the `}` that balances it (string-aware), or to the end when the answer was cut short. */
function sliceObject(s: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return s.slice(start, i + 1);
  }
  return s.slice(start);
}

/**
 * Rewrite near-JSON into JSON (jsonrepair): a missing comma between steps, smart or single quotes, unquoted keys,
 * trailing commas, comments, Python constants, and the brackets a truncated answer never closed. Null when hopeless.
 */
export function repairJson(src: string): string | null {
  try {
    return jsonrepair(src);
  } catch {
    return null;
  }
}

function tryParse(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

function tryParseRepaired(json: string): { value: unknown } | null {
  const repaired = repairJson(json);
  return repaired === null ? null : tryParse(repaired);
}

export function parsePlanOutput(text: string): ParseResult {
  if (text.length > PLAN_LIMITS.answerBytes)
    return { kind: 'schema', error: `the answer is longer than ${PLAN_LIMITS.answerBytes} characters: reply with one compact plan` };
  const candidates = jsonCandidates(text);
  if (candidates.length === 0) return { kind: 'unparseable', error: 'no JSON object found in the answer' };
  let firstSchemaError: string | undefined;
  for (const json of candidates) {
    // Repair only what JSON.parse refuses: most answers are JSON already.
    const parsed = tryParse(json) ?? tryParseRepaired(json);
    if (!parsed) continue;
    const checked = checkPlanShape(parsed.value, { answer: true });
    if (!('error' in checked)) {
      const reasoning = (parsed.value as { reasoning?: unknown }).reasoning;
      return typeof reasoning === 'string' && reasoning.trim()
        ? { plan: checked.plan, reasoning: reasoning.trim().slice(0, PLAN_LIMITS.reasoningChars) }
        : checked;
    }
    firstSchemaError ??= checked.error;
  }
  if (firstSchemaError !== undefined) return { kind: 'schema', error: firstSchemaError };
  return { kind: 'unparseable', error: 'the answer is not valid JSON, even after repair' };
}
