// Steps that bring a log record of an older version up to today's keys, each for one change in the format, run before
// the schema (record-schema.ts) checks it: a migration never validates, the schema never migrates.
import { isObj } from '../core/value.js';

type Obj = Record<string, unknown>;

/** Records written before the goal id had its own name kept it under `goal`. */
function goalId(v: Obj): void {
  if (v.goalId === undefined && typeof v.goal === 'string') {
    v.goalId = v.goal;
    delete v.goal;
  }
}

/** Renames `from` keys of `o` to their full words (a key already in full words is left alone). */
function rename(o: unknown, words: Record<string, string>): void {
  if (!isObj(o)) return;
  for (const [from, to] of Object.entries(words)) {
    if (!(from in o)) continue;
    o[to] ??= o[from];
    delete o[from];
  }
}

const STEP = { a: 'action', o: 'owner' };
const FINDING = { r: 'rule', sev: 'severity', s: 'step', a: 'action' };

/** Records written before full words kept steps, findings, usage and context under one-letter keys. */
function fullWords(v: Obj): void {
  if (Array.isArray(v.steps)) for (const s of v.steps) rename(s, STEP);
  for (const list of [v.findings, v.repaired]) if (Array.isArray(list)) for (const f of list) rename(f, FINDING);
  rename(v.usage, { p: 'promptTokens', c: 'completionTokens', k: 'cachedTokens' });
  rename(v.ctx, { t: 'tokens', b: 'budget', i: 'items', n: 'total' });
  rename(v, { ctx: 'context', est: 'promptTokensEstimate' });
}

const STEPS = [goalId, fullWords];

/** The record value brought up to today's keys (in place); anything not a mapping is left for the schema to refuse. */
export function migrateRecord(value: unknown): unknown {
  if (isObj(value)) for (const step of STEPS) step(value);
  return value;
}
