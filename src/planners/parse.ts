// Reads a plan out of model output: finds the JSON, repairs common faults (jsonrepair), checks it against the plan schema.
import { jsonCandidates, repairJson } from '../core/json-text.js';
import { checkPlanShape } from '../core/plan-io.js';
import { PLAN_LIMITS, type Plan } from '../core/plan.js';

/**
 * A plan, with the model's optional state tracking (`reasoning`, not part of the plan) and its claim that the plan is
 * optimal (`optimal: true`, a claim the engine checks), or what was wrong.
 */
export type ParseResult = { plan: Plan; reasoning?: string; claimsOptimal?: true } | { error: string; kind: 'unparseable' | 'schema' };

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

/** The answer's fields beyond the plan: its reasoning (trimmed, capped) and an `optimal: true` claim (only a boolean true counts). */
function withExtras(plan: Plan, value: { reasoning?: unknown; optimal?: unknown }): ParseResult {
  const out: { plan: Plan; reasoning?: string; claimsOptimal?: true } = { plan };
  if (typeof value.reasoning === 'string' && value.reasoning.trim()) out.reasoning = value.reasoning.trim().slice(0, PLAN_LIMITS.reasoningChars);
  if (value.optimal === true) out.claimsOptimal = true;
  return out;
}

export function parsePlanOutput(text: string): ParseResult {
  if (text.length > PLAN_LIMITS.answerBytes)
    return { kind: 'schema', error: `the answer is longer than ${PLAN_LIMITS.answerBytes} characters: reply with one compact plan` };
  let firstSchemaError: string | undefined;
  let any = false;
  for (const json of jsonCandidates(text)) {
    any = true;
    // Repair only what JSON.parse refuses: most answers are JSON already.
    const parsed = tryParse(json) ?? tryParseRepaired(json);
    if (!parsed) continue;
    const checked = checkPlanShape(parsed.value, { answer: true });
    if (!('error' in checked)) return withExtras(checked.plan, parsed.value as { reasoning?: unknown; optimal?: unknown });
    firstSchemaError ??= checked.error;
  }
  if (!any) return { kind: 'unparseable', error: 'no JSON object found in the answer' };
  if (firstSchemaError !== undefined) return { kind: 'schema', error: firstSchemaError };
  return { kind: 'unparseable', error: 'the answer is not valid JSON, even after repair' };
}
