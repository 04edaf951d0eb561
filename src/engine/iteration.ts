// One iteration: recall, ask for K challengers (each repaired up to `repairs` times when invalid), validate them
// against the procedures and the human rules, keep the best, judge it against the champion, commit, update state.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import type { Usage } from '../core/usage.js';
import type { IterationRecord, Outcome } from '../memory/types.js';
import { PlannerError, type PlanRequest, type PlanResponse } from '../planners/types.js';
import { compareScores, planId as planIdOf, scorePlan, type Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { withHumanRules } from '../feedback/target.js';
import { countFindings, failureState, validatePlan } from '../procedures/validate.js';
import { applyJudgement, judge, pickBest, type SeenPlans } from './champion.js';
import type { EngineDeps } from './loop.js';
import type { ScoreChange, SessionState } from './types.js';

/** Planner faults a later iteration may not hit (network, server); the others need a person or a fix. */
const TRANSIENT = new Set(['network', 'rate-limit', 'server', 'timeout', 'unparseable', 'schema', 'no-plan']);

export type IterationResult =
  | { kind: 'valid'; outcome: Outcome; optimal?: string; change?: ScoreChange }
  | { kind: 'invalid'; errors: number }
  | { kind: 'planner-error'; message: string; transient: boolean }
  | { kind: 'aborted' };

interface Candidate {
  response?: PlanResponse;
  error?: PlannerError;
  plan: Plan | null;
  validation: ValidationResult | null;
  planId: string;
  valid: boolean;
  errors: number;
  score?: Score;
  repairs: number;
  /** The last failing attempt before a repair made the plan valid: what memory learns the fix from. */
  failedAttempt?: { plan: Plan; findings: Finding[] };
  usage: Usage | undefined;
  costUsd: number | undefined;
}

const addUsage = (a: Usage | undefined, b: Usage | undefined): Usage | undefined =>
  !a
    ? b
    : !b
      ? a
      : {
          promptTokens: a.promptTokens + b.promptTokens,
          completionTokens: a.completionTokens + b.completionTokens,
          cachedTokens: a.cachedTokens + b.cachedTokens,
        };
const addCost = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : a + b);

/** `seen`: the session's seen plans (state.seen and its set), kept by the loop for the whole run. */
export async function runIteration(
  state: SessionState,
  deps: EngineDeps,
  iteration: number,
  objectives: Objective[],
  seen: SeenPlans,
): Promise<IterationResult> {
  const { planner, memory, emit, signal } = deps;
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const findings = state.currentValidation?.findings ?? [];
  const recalled = await memory.recall({
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    findings,
    session: state.id,
    budgetTokens: state.settings.contextBudget,
    actions: deps.target.set.actions.map((a) => a.id),
  });
  emit({ type: 'recalled', iteration, tokens: recalled.tokens, budget: recalled.budget, items: recalled.items.length, total: recalled.total });
  const rules = (await deps.humanRules?.({ procedure: state.procedure, goalId: state.goalId, session: state.id })) ?? [];
  // The human rules join the procedure's rules: the validator and the planners see one rule list.
  const target = withHumanRules(deps.target, rules);

  const base: PlanRequest = {
    goalText: state.goalText,
    target,
    iteration,
    // The plan to beat: the champion's once there is one (a failure does not replace it).
    currentPlan: state.champion?.plan ?? state.currentPlan,
    currentFindings: state.champion ? [] : findings,
    champion: state.champion,
    objectives,
    seen: seen.ids,
    recall: recalled,
    rejected: state.rejectedPlans ?? [],
    feedback: [...state.pendingFeedback],
    signal,
    onProgress: (p) => emit({ type: 'planner-progress', iteration, tokens: p.tokens }),
    onRetry: (p) => emit({ type: 'retry', iteration, ...p }),
  };
  const k = Math.max(1, state.settings.candidates);
  const candidates = await Promise.all(
    Array.from({ length: k }, (_, i) => propose(k > 1 ? { ...base, candidate: i } : base, state.settings.repairs, deps, iteration)),
  );
  if (signal.aborted || candidates.some((c) => c.error?.kind === 'aborted')) return { kind: 'aborted' };

  const proposals = candidates.filter((c): c is Candidate & { plan: Plan } => c.plan !== null);
  const best = pickBest(proposals, seen, objectives);
  const chosen: Candidate = best ?? candidates[0]!;
  const usage = candidates.reduce<Usage | undefined>((u, c) => addUsage(u, c.usage), undefined);
  const costUsd = candidates.reduce<number | undefined>((u, c) => addCost(u, c.costUsd), undefined);
  const repairs = candidates.reduce((n, c) => n + c.repairs, 0);
  const outcome: Outcome = chosen.plan ? judge(chosen as Candidate & { plan: Plan }, state.champion, seen, objectives) : 'error';
  // Every proposal joins the seen list, so no later iteration offers it again as new.
  for (const c of proposals) if (c !== chosen) seen.add(c.planId);
  const optimal = chosen.valid ? chosen.response?.optimal : undefined;

  const record: IterationRecord = {
    session: state.id,
    iteration,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    planner: planner.name,
    plan: chosen.plan,
    validation: chosen.validation,
    outcome,
    approvedBy: chosen.valid ? 'auto' : null,
    objectives,
    context: { tokens: recalled.tokens, budget: recalled.budget, items: recalled.items.length, total: recalled.total },
  };
  if (chosen.score) record.score = chosen.score;
  if (chosen.plan) record.planId = chosen.planId;
  if (repairs) record.repairs = repairs;
  if (rules.length) record.checkedRules = rules.map((r) => r.id);
  if (state.pendingFeedback.length) record.unchecked = [...state.pendingFeedback];
  if (chosen.error) record.error = `${chosen.error.kind}: ${chosen.error.message}`;
  if (usage) record.usage = usage;
  if (costUsd !== undefined) record.costUsd = costUsd;
  if (chosen.response?.promptTokensEstimate !== undefined) record.promptTokensEstimate = chosen.response.promptTokensEstimate;

  // Judge before committing: the record says whether this plan is the new champion and whether the run converged.
  // What memory contrasts a valid plan with: the attempt a repair fixed in this iteration, else the last iteration's plan.
  const previous = chosen.valid && chosen.failedAttempt ? chosen.failedAttempt : { plan: state.currentPlan, findings };
  const change = chosen.plan ? applyJudgement(state, seen, iteration, chosen as Candidate & { plan: Plan }, outcome, objectives) : undefined;
  // The planner says nothing beats this plan: then the champion, as good as it, is optimal too. A claim for a plan
  // the champion beats is disproved by the champion itself, and ignored.
  const converged =
    optimal && state.champion && chosen.score && compareScores(state.champion.score, chosen.score, objectives) === 0
      ? `${optimal} — proved at iteration ${iteration}`
      : undefined;
  if (converged) record.converged = converged;
  await memory.commitIteration(record, { ...(chosen.response?.promptChars !== undefined ? { promptChars: chosen.response.promptChars } : {}), previous });

  // The session file follows the log (a crash between the two is reconciled from the log on resume).
  const p = state.progress;
  p.completed = iteration;
  p.repairs += repairs;
  if (chosen.valid) {
    p.approved++;
    if (chosen.repairs) p.repaired++;
    else p.firstTryValid++;
    if (outcome === 'improved') p.improved++;
    else if (outcome === 'alternative') p.alternatives++;
    else if (outcome === 'repeat') p.repeats++;
    state.consecutiveFailures = 0;
  } else {
    if (outcome === 'error') p.errors++;
    else p.failed++;
    state.consecutiveFailures++;
  }
  if (chosen.plan) {
    state.currentPlan = chosen.plan;
    state.currentValidation = chosen.validation;
  }
  if (converged) state.converged = { iteration, reason: converged };
  if (usage) {
    state.usage.promptTokens += usage.promptTokens;
    state.usage.completionTokens += usage.completionTokens;
    state.usage.cachedTokens += usage.cachedTokens;
  }
  state.usage.costUsd += costUsd ?? 0;
  // Tokens spent with no price to put on them: the total cost is unknown from here on, and says so.
  if (usage && costUsd === undefined) state.usage.costUnknown = true;
  await deps.store.save(state, { durable: false });

  const errors = chosen.validation ? countFindings(chosen.validation).errors : 0;
  // Why a failed iteration failed, in one line: the planner's fault, or the first error the validator found.
  const why =
    chosen.error && !chosen.plan
      ? `${chosen.error.kind}: ${chosen.error.message}`
      : !chosen.valid
        ? chosen.validation?.findings.find((f) => f.severity === 'error')?.message
        : undefined;
  emit({
    type: 'iteration-finished',
    iteration,
    outcome,
    errors,
    objectives,
    repairs,
    candidates: k,
    latencyMs: now().getTime() - startedAt.getTime(),
    ...(chosen.score ? { score: chosen.score } : {}),
    ...(change ? { change } : {}),
    ...(why ? { error: why } : {}),
    ...(usage ? { usage } : {}),
    ...(costUsd !== undefined ? { costUsd } : {}),
  });
  if (chosen.error && !chosen.plan)
    return { kind: 'planner-error', message: `${chosen.error.kind}: ${chosen.error.message}`, transient: TRANSIENT.has(chosen.error.kind) };
  if (!chosen.valid) return { kind: 'invalid', errors };
  return { kind: 'valid', outcome, ...(converged ? { optimal: converged } : {}), ...(change ? { change } : {}) };
}

/** One candidate: a proposal, then up to `repairs` rounds of "here is what failed, fix it". */
async function propose(req: PlanRequest, maxRepairs: number, deps: EngineDeps, iteration: number): Promise<Candidate> {
  const { planner, emit, signal } = deps;
  const out: Candidate = { plan: null, validation: null, planId: '', valid: false, errors: 0, repairs: 0, usage: undefined, costUsd: undefined };
  let request = req;
  for (let round = 0; ; round++) {
    let response: PlanResponse;
    try {
      response = await planner.propose(request);
    } catch (err) {
      const error =
        err instanceof PlannerError ? err : new PlannerError(signal.aborted ? 'aborted' : 'server', err instanceof Error ? err.message : String(err));
      // A failed repair keeps the last plan it was repairing (still invalid); a failed first call has none.
      if (!out.plan || error.kind === 'aborted') out.error = error;
      return out;
    }
    out.response = response;
    out.usage = addUsage(out.usage, response.usage);
    out.costUsd = addCost(out.costUsd, response.costUsd);
    const plan = response.plan;
    emit({
      type: 'plan-proposed',
      iteration,
      plan,
      mode: response.mode,
      ...(response.usage ? { usage: response.usage } : {}),
      ...(response.costUsd !== undefined ? { costUsd: response.costUsd } : {}),
    });
    const validation = validatePlan(plan, req.target);
    const { errors, warnings } = countFindings(validation);
    emit({ type: 'validated', iteration, valid: validation.valid, errors, warnings, findings: validation.findings });
    Object.assign(out, { plan, validation, planId: planIdOf(plan), valid: validation.valid, errors });
    if (validation.valid) {
      out.score = scorePlan(plan, req.target);
      return out;
    }
    if (round >= maxRepairs || signal.aborted) return out;
    out.failedAttempt = { plan, findings: validation.findings };
    out.repairs++;
    emit({ type: 'repair', iteration, attempt: out.repairs, errors });
    const state = failureState(plan, req.target);
    request = {
      ...req,
      repair: {
        plan,
        findings: validation.findings,
        attempt: out.repairs,
        ...(state ? { failingStep: state.step, factsBefore: state.factsBefore, missing: state.missing } : {}),
      },
    };
  }
}
