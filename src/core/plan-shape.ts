// A quick, zod-free look at a stored plan: true only for a value the plan schema certainly accepts, so a resume
// vouches for its session's plan without loading the schema library (~35 ms); anything else goes to the schema,
// which names the fault.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/** Step fields a plan file may give as text, a number or a flag (read as text), or leave out. */
const stepField = (v: unknown) => v === undefined || v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Whether `toPlan` (plan-io) accepts `value` as a plan from a file or session: a title, an optional summary,
 * procedure and goal as text, and steps that each name an action. `false` means "ask the schema", not "invalid".
 */
export function surelyPlan(value: unknown): boolean {
  if (!isObject(value) || !Array.isArray(value.steps)) return false;
  if (typeof value.title !== 'string' || value.title.trim() === '') return false;
  if (!optionalText(value.summary) || !optionalText(value.procedure) || !optionalText(value.goal)) return false;
  return value.steps.every(
    (s: unknown) =>
      isObject(s) && typeof s.action === 'string' && s.action.trim() !== '' && stepField(s.description) && stepField(s.owner) && stepField(s.evidence),
  );
}
