// JSON inside text a model wrote: the candidate objects (fenced or among prose), and near-JSON repaired into JSON.
import { jsonrepair } from 'jsonrepair';

/**
 * Candidate JSON texts, best first, each once: the inside of a ```json fence, then from each `{` on (prose around
 * the object dropped; without a closing `}` the object was cut short and is kept). Made as they are asked for: an
 * answer that is one JSON object is read from the first, without scanning for the others.
 */
export function* jsonCandidates(text: string): Generator<string> {
  const s = text.replace(/^\uFEFF/, '');
  const given = new Set<string>();
  function* from(t: string, at: number): Generator<string> {
    const whole = sliceObject(t, at);
    if (!given.has(whole)) yield whole;
    given.add(whole);
    // Fallback when quotes confused the balance scan (e.g. an apostrophe in smart-quoted text).
    const end = t.lastIndexOf('}');
    const wider = end > at ? t.slice(at, end + 1) : undefined;
    if (wider !== undefined && !given.has(wider)) yield wider;
    if (wider !== undefined) given.add(wider);
  }
  const fenced = /```[a-zA-Z]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(s);
  if (fenced && fenced[1]!.includes('{')) yield* from(fenced[1]!, fenced[1]!.indexOf('{'));
  for (let at = s.indexOf('{'), n = 0; at >= 0 && n < 5; at = s.indexOf('{', at + 1), n++) yield* from(s, at);
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
