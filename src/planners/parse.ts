// Reads a plan out of model output: finds the JSON, repairs common faults, checks the plan's shape.
import { checkPlanShape } from '../core/plan-io.js';
import type { Plan } from '../core/plan.js';

export type ParseResult = { plan: Plan } | { error: string; kind: 'unparseable' | 'schema' };

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

const OPEN_DOUBLE = new Set(['"', '\u201C', '\u201D', '\u201E']);
const OPEN_SINGLE = new Set(["'", '\u2018', '\u2019']);

type Frame = { type: '{' | '['; expect: 'key' | 'colon' | 'value' | 'comma' };

/**
 * Rewrite near-JSON into JSON: smart or single quotes, unquoted keys, trailing commas,
 * comments, raw newlines in strings, and closing brackets a truncated answer never sent.
 */
export function repairJson(src: string): string {
  let out = '';
  const stack: Frame[] = [];
  const top = () => stack[stack.length - 1];
  const valueDone = () => {
    const f = top();
    if (f) f.expect = f.type === '{' && f.expect === 'key' ? 'colon' : 'comma';
  };
  let i = 0;
  let inString = false;
  let closers: Set<string> = new Set();
  while (i < src.length) {
    const c = src[i]!;
    if (inString) {
      if (c === '\\' && i + 1 < src.length) {
        const n = src[i + 1]!;
        out += n === "'" ? "'" : c + n;
        i += 2;
        continue;
      }
      if (closers.has(c)) {
        out += '"';
        inString = false;
        valueDone();
      } else if (c === '"') out += '\\"';
      else if (c === '\n') out += '\\n';
      else if (c === '\r') out += '\\r';
      else if (c === '\t') out += '\\t';
      else out += c;
      i++;
      continue;
    }
    if (OPEN_DOUBLE.has(c) || OPEN_SINGLE.has(c)) {
      inString = true;
      closers = c === '"' ? new Set(['"']) : OPEN_DOUBLE.has(c) ? new Set(['"', '\u201C', '\u201D']) : c === "'" ? new Set(["'"]) : new Set(["'", '\u2018', '\u2019']);
      out += '"';
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (c === '{' || c === '[') {
      valueDone(); // the parent's value is this container
      stack.push({ type: c, expect: c === '{' ? 'key' : 'value' });
      out += c;
    } else if (c === '}' || c === ']') {
      out = out.replace(/,\s*$/, '');
      stack.pop();
      out += c;
    } else if (c === ',') {
      const f = top();
      if (f) f.expect = f.type === '{' ? 'key' : 'value';
      out += c;
    } else if (c === ':') {
      const f = top();
      if (f) f.expect = 'value';
      out += c;
    } else if (/[A-Za-z_$]/.test(c)) {
      const word = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i))![0];
      const f = top();
      if (f?.type === '{' && f.expect === 'key') out += JSON.stringify(word);
      else if (word === 'True' || word === 'False' || word === 'None') out += word === 'None' ? 'null' : word.toLowerCase();
      else out += word;
      valueDone();
      i += word.length;
      continue;
    } else if (/[-\d]/.test(c)) {
      const num = /^-?[\d.eE+-]+/.exec(src.slice(i))![0];
      out += num;
      valueDone();
      i += num.length;
      continue;
    } else out += c;
    i++;
  }
  if (inString) {
    out += '"';
    valueDone();
  }
  // Close what a truncated answer left open.
  out = out.replace(/[\s,]+$/, '');
  while (stack.length) {
    const f = stack.pop()!;
    if (f.type === '{' && f.expect === 'colon') out += ':null';
    else if (f.type === '{' && f.expect === 'value') out += 'null';
    out = out.replace(/,\s*$/, '');
    out += f.type === '{' ? '}' : ']';
  }
  return out;
}

function tryParse(text: string): { value: unknown } | null {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

export function parsePlanOutput(text: string): ParseResult {
  const candidates = jsonCandidates(text);
  if (candidates.length === 0) return { kind: 'unparseable', error: 'no JSON object found in the answer' };
  let firstSchemaError: string | undefined;
  for (const json of candidates) {
    const parsed = tryParse(json) ?? tryParse(repairJson(json));
    if (!parsed) continue;
    const checked = checkPlanShape(parsed.value);
    if (!('error' in checked)) return checked;
    firstSchemaError ??= checked.error;
  }
  if (firstSchemaError !== undefined) return { kind: 'schema', error: firstSchemaError };
  return { kind: 'unparseable', error: 'the answer is not valid JSON, even after repair' };
}
