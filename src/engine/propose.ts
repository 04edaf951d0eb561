// One candidate: a proposal, then up to `repairs` rounds of "here is what failed, fix it"; every round's usage,
// cost and prompt estimate add up (an iteration's cost is all its calls, not the last).
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Usage } from '../core/usage.js';
import { PlannerError, type PlanRequest, type PlanResponse } from '../planners/types.js';
import { planId as planIdOf, scorePlan, withWarnings, type Score } from '../procedures/quality.js';
import { countFindings, failureState, validatePlan } from '../procedures/validate.js';
import { planKey } from '../state/identity.js';
import type { EmitFn } from './types.js';

export interface Candidate {
  response?: PlanResponse;
  error?: PlannerError;
  plan: Plan | null;
  validation: ValidationResult | null;
  planId: string;
  /** Identity of a valid plan (same steps, same schedule). */
  key?: string;
  valid: boolean;
  errors: number;
  score?: Score;
  repairs: number;
  /** The last failing attempt before a repair made the plan valid: what memory learns the fix from. */
  failedAttempt?: { plan: Plan; findings: Finding[] };
  usage: Usage | undefined;
  costUsd: number | undefined;
  /** jupiter's token estimate of every prompt sent, summed like `usage`. */
  estimate: number | undefined;
}

export const addUsage = (a: Usage | undefined, b: Usage | undefined): Usage | undefined =>
  !a
    ? b
    : !b
      ? a
      : {
          promptTokens: a.promptTokens + b.promptTokens,
          completionTokens: a.completionTokens + b.completionTokens,
          cachedTokens: a.cachedTokens + b.cachedTokens,
        };
export const addNumber = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : a + b);

interface ProposeDeps {
  planner: { propose(req: PlanRequest): Promise<PlanResponse> };
  emit: EmitFn;
  signal: AbortSignal;
}

export async function propose(req: PlanRequest, maxRepairs: number, deps: ProposeDeps): Promise<Candidate> {
  const out: Candidate = {
    plan: null,
    validation: null,
    planId: '',
    valid: false,
    errors: 0,
    repairs: 0,
    usage: undefined,
    costUsd: undefined,
    estimate: undefined,
  };
  let request = req;
  for (;;) {
    let response: PlanResponse;
    try {
      response = await deps.planner.propose(request);
    } catch (err) {
      const error =
        err instanceof PlannerError ? err : new PlannerError(deps.signal.aborted ? 'aborted' : 'server', err instanceof Error ? err.message : String(err));
      // A failed repair keeps the last plan it was repairing (still invalid); a failed first call has none.
      if (!out.plan || error.kind === 'aborted') out.error = error;
      return out;
    }
    const validation = check(out, response, req, deps);
    if (validation.valid || out.repairs >= maxRepairs || deps.signal.aborted) return out;
    request = repairRequest(out, response.plan, validation, req, deps);
  }
}

/** Records one answer in the candidate and validates it (scored and identified when valid). */
function check(out: Candidate, response: PlanResponse, req: PlanRequest, deps: ProposeDeps): ValidationResult {
  const { iteration } = req;
  out.response = response;
  out.usage = addUsage(out.usage, response.usage);
  out.costUsd = addNumber(out.costUsd, response.costUsd);
  out.estimate = addNumber(out.estimate, response.promptTokensEstimate);
  const plan = response.plan;
  deps.emit({
    type: 'plan-proposed',
    iteration,
    plan,
    mode: response.mode,
    ...(response.usage ? { usage: response.usage } : {}),
    ...(response.costUsd !== undefined ? { costUsd: response.costUsd } : {}),
  });
  const validation = validatePlan(plan, req.target);
  const { errors, warnings } = countFindings(validation);
  deps.emit({ type: 'validated', iteration, valid: validation.valid, errors, warnings, findings: validation.findings });
  Object.assign(out, { plan, validation, planId: planIdOf(plan), valid: validation.valid, errors });
  if (validation.valid) {
    out.score = withWarnings(scorePlan(plan, req.target), validation);
    out.key = planKey(plan, req.target);
  }
  return validation;
}

function repairRequest(out: Candidate, plan: Plan, validation: ValidationResult, req: PlanRequest, deps: ProposeDeps): PlanRequest {
  out.failedAttempt = { plan, findings: validation.findings };
  out.repairs++;
  deps.emit({ type: 'repair', iteration: req.iteration, attempt: out.repairs, errors: out.errors });
  const state = failureState(plan, req.target);
  return {
    ...req,
    repair: {
      plan,
      findings: validation.findings,
      attempt: out.repairs,
      ...(state ? { failingStep: state.step, factsBefore: state.factsBefore, missing: state.missing } : {}),
    },
  };
}
