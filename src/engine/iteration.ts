// One iteration: recall, ask for K challengers (each repaired up to `repairs` times when invalid), validate them
// against the procedures and the human rules, keep the best, judge it (the reducer's judge), commit the record and
// fold it into the session with the same reducer resume and summary use.
import type { Plan } from '../core/plan.js';
import type { Usage } from '../core/usage.js';
import type { LogRecord } from '../memory/record.js';
import type { IterationRecord, OptimalClaim, Outcome, RecallResult } from '../memory/types.js';
import type { PlannerError, PlanRequest } from '../planners/types.js';
import { compareScores } from '../procedures/quality.js';
import type { Objective, PlanTarget, Rule } from '../procedures/types.js';
import { unusableReason } from '../feedback/target.js';
import { checkInsights } from '../procedures/insight.js';
import { countFindings } from '../procedures/validate.js';
import type { ScoreChange } from '../state/session.js';
import { pickBest } from './champion.js';
import type { EngineDeps } from './deps.js';
import { addNumber, addUsage, type Candidate, propose } from './propose.js';
import type { RunState } from './run-state.js';

export type IterationResult =
  | { kind: 'valid'; outcome: Outcome; optimal?: string; change?: ScoreChange }
  | { kind: 'invalid'; errors: number }
  | { kind: 'planner-error'; error: PlannerError }
  | { kind: 'aborted' };

/** What the K candidates of one iteration came to together: the one recorded, and the cost of them all. */
interface Outcomes {
  chosen: Candidate;
  others: Candidate[];
  outcome: Outcome;
  usage: Usage | undefined;
  costUsd: number | undefined;
  estimate: number | undefined;
  repairs: number;
}

export async function runIteration(run: RunState, deps: EngineDeps, iteration: number, objectives: Objective[]): Promise<IterationResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const { request, rules, checked } = await requestFor(run, deps, iteration, objectives);
  const k = Math.max(1, run.state.settings.candidates);
  const deps1 = { planner: deps.planner, emit: deps.emit, signal: deps.signal };
  const candidates = await Promise.all(
    Array.from({ length: k }, (_, i) => propose(k > 1 ? { ...request, candidate: i } : request, run.state.settings.repairs, deps1)),
  );
  if (deps.signal.aborted || candidates.some((c) => c.error?.kind === 'aborted')) return { kind: 'aborted' };
  const o = judgeAll(run, candidates, objectives);
  const { chosen } = o;
  const record = recordOf(
    run,
    deps,
    { iteration, startedAt: startedAt.toISOString(), finishedAt: now().toISOString(), objectives, checkedRules: checked, recall: request.recall },
    o,
  );
  const claim = claimOf(run, o, request.target, objectives);
  if (claim) record.claim = claim;
  const converged = convergence(run, o, iteration, objectives, claim);
  if (converged) record.converged = converged;
  learnable(record, chosen, request.target, rules);
  const logged = await deps.memory.commitIteration(record, chosen.response?.promptChars !== undefined ? { promptChars: chosen.response.promptChars } : {});
  const change = fold(run, o, logged);
  await deps.store.save(run.state, { durable: false });
  const errors = chosen.validation ? countFindings(chosen.validation).errors : 0;
  emitFinished(deps, { iteration, objectives, o, k, change, errors, latencyMs: now().getTime() - startedAt.getTime(), claim });
  if (chosen.error && !chosen.plan) return { kind: 'planner-error', error: chosen.error };
  if (!chosen.valid) return { kind: 'invalid', errors };
  return { kind: 'valid', outcome: o.outcome, ...(converged ? { optimal: converged } : {}), ...(change ? { change } : {}) };
}

/** The request every candidate starts from: recalled memory, the human rules joined to the procedure's, the loop's signals. */
async function requestFor(
  run: RunState,
  deps: EngineDeps,
  iteration: number,
  objectives: Objective[],
): Promise<{ request: PlanRequest; rules: Rule[]; checked: Rule[] }> {
  const { state } = run;
  const findings = state.currentValidation?.findings ?? [];
  const recalled = await deps.memory.recall({
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    findings,
    session: state.id,
    budgetTokens: state.settings.contextBudget,
    actions: deps.target.set.actions.map((a) => a.id),
  });
  // Recall says what it leaves out: memory keeps every line a person wrote, a prompt carries a capped share.
  const leftOut = (recalled.kinds ?? []).filter((k) => k.recalled < k.offered);
  deps.emit({ type: 'recalled', iteration, tokens: recalled.tokens, budget: recalled.budget, items: recalled.items.length, total: recalled.total, leftOut });
  const rules = (await deps.humanRules?.({ procedure: state.procedure, goalId: state.goalId, session: state.id })) ?? [];
  // The human rules join the procedure's rules: the validator and the planners see one rule list.
  const target: PlanTarget = run.targetWith(deps.target, rules);
  // Only rules the validator can check are recorded as checked: one naming an action the set lacks is never enforced.
  const checked = rules.filter((r) => !unusableReason(deps.target, r));
  const champion = await run.champion();
  const request: PlanRequest = {
    goalText: state.goalText,
    target,
    iteration,
    // The plan to beat: the champion's once there is one (a failure does not replace it).
    currentPlan: champion?.plan ?? state.currentPlan,
    currentFindings: champion ? [] : findings,
    champion,
    objectives,
    seen: run.reducer.seenIds,
    recall: recalled,
    rejected: [...(state.rejectedPlans ?? []), ...(await run.rejectedElsewhere())],
    feedback: [...state.pendingFeedback],
    ...(state.lastProposal ? { lastOutcome: { ...state.lastProposal } } : {}),
    ...(state.rejectedChampion ? { championRejected: { ...state.rejectedChampion } } : {}),
    signal: deps.signal,
    onProgress: (p) => deps.emit({ type: 'planner-progress', iteration, tokens: p.tokens }),
    onRetry: (p) => deps.emit({ type: 'retry', iteration, ...p }),
  };
  return { request, rules, checked };
}

function judgeAll(run: RunState, candidates: Candidate[], objectives: Objective[]): Outcomes {
  const proposals = candidates.filter((c): c is Candidate & { plan: Plan } => c.plan !== null);
  const chosen: Candidate = pickBest(proposals, run.reducer, objectives) ?? candidates[0]!;
  return {
    chosen,
    others: proposals.filter((c) => c !== chosen),
    outcome: chosen.plan ? run.reducer.judge(chosen, objectives) : 'error',
    usage: candidates.reduce<Usage | undefined>((u, c) => addUsage(u, c.usage), undefined),
    costUsd: candidates.reduce<number | undefined>((u, c) => addNumber(u, c.costUsd), undefined),
    estimate: candidates.reduce<number | undefined>((u, c) => addNumber(u, c.estimate), undefined),
    repairs: candidates.reduce((n, c) => n + c.repairs, 0),
  };
}

interface RecordContext {
  iteration: number;
  startedAt: string;
  finishedAt: string;
  objectives: Objective[];
  /** The human rules the validator enforced on this iteration's plans. */
  checkedRules: Rule[];
  recall: RecallResult;
}

function recordOf(run: RunState, deps: EngineDeps, x: RecordContext, o: Outcomes): IterationRecord {
  const { state } = run;
  const { chosen } = o;
  const record: IterationRecord = {
    session: state.id,
    iteration: x.iteration,
    startedAt: x.startedAt,
    finishedAt: x.finishedAt,
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    planner: deps.planner.name,
    plan: chosen.plan,
    validation: chosen.validation,
    outcome: o.outcome,
    // A plan a person rejected before is valid, but nothing approves it.
    approvedBy: chosen.valid && o.outcome !== 'rejected-before' ? 'auto' : null,
    objectives: x.objectives,
    context: { tokens: x.recall.tokens, budget: x.recall.budget, items: x.recall.items.length, total: x.recall.total },
  };
  if (chosen.score) record.score = chosen.score;
  if (chosen.plan) record.planId = chosen.planId;
  if (chosen.key) record.planKey = chosen.key;
  if (o.repairs) record.repairs = o.repairs;
  if (x.checkedRules.length) record.checkedRules = x.checkedRules.map((r) => r.id);
  if (state.pendingFeedback.length) record.unchecked = [...state.pendingFeedback];
  if (chosen.error) record.error = `${chosen.error.kind}: ${chosen.error.message}`;
  if (o.usage) record.usage = o.usage;
  if (o.costUsd !== undefined) record.costUsd = o.costUsd;
  if (o.estimate !== undefined) record.promptTokensEstimate = o.estimate;
  return record;
}

/**
 * What memory may learn from a failure (the final plan, or the attempt a repair fixed): the insights the validator
 * confirms on it (a person's rules are left to human_rules.md), the count it refuted, and its findings as lessons.
 */
function learnable(record: IterationRecord, chosen: Candidate, target: PlanTarget, rules: Rule[]): void {
  const failed = chosen.valid ? chosen.failedAttempt?.plan : (chosen.plan ?? undefined);
  if (failed) Object.assign(record, checkInsights(failed, target, new Set(rules.map((r) => r.id))));
  if (chosen.valid && chosen.failedAttempt) record.repaired = chosen.failedAttempt;
}

/**
 * The planner says nothing beats this plan: then the champion, as good as it, is optimal too. A claim for a plan the
 * champion beats is disproved by the champion itself, and ignored.
 */
function convergence(run: RunState, o: Outcomes, iteration: number, objectives: Objective[], claim?: OptimalClaim): string | undefined {
  const proved = claim?.verdict === 'holds' ? `optimal for ${objectives.join(', ')} (the model's claim, ${claim.text})` : undefined;
  const optimal = o.chosen.valid ? (o.chosen.response?.optimal ?? proved) : undefined;
  const score = o.chosen.score;
  const champion = o.outcome === 'improved' ? score : run.state.champion?.score;
  if (!optimal || !score || !champion || compareScores(champion, score, objectives) !== 0) return undefined;
  return `${optimal} — proved at iteration ${iteration}`;
}

/** A model's claim that its valid plan is optimal, checked against the champion it met, the lower bound and the search. */
function claimOf(run: RunState, o: Outcomes, target: PlanTarget, objectives: Objective[]): OptimalClaim | undefined {
  const { chosen } = o;
  if (!chosen.valid || !chosen.score || !chosen.response?.claimsOptimal) return undefined;
  const champion = run.state.champion;
  return run.claims.check(chosen.score, target, objectives, champion && { score: champion.score, iteration: champion.iteration });
}

/** Folds the committed record into the session (the reducer), then notes the other candidates as seen. */
function fold(run: RunState, o: Outcomes, logged: LogRecord): ScoreChange | undefined {
  const { chosen } = o;
  if (chosen.valid && chosen.plan) run.hold(chosen.planId, chosen.plan);
  run.reducer.apply(logged);
  // Every proposal joins the seen list, so no later iteration offers it again as new.
  for (const c of o.others) {
    run.reducer.see(c.planId);
    run.reducer.see(c.key);
  }
  run.prune();
  if (chosen.plan) {
    run.state.currentPlan = chosen.plan;
    run.state.currentValidation = chosen.validation;
  }
  return o.outcome === 'improved' ? run.state.improvements.at(-1) : undefined;
}

function emitFinished(
  deps: EngineDeps,
  x: {
    iteration: number;
    objectives: Objective[];
    o: Outcomes;
    k: number;
    change: ScoreChange | undefined;
    errors: number;
    latencyMs: number;
    claim: OptimalClaim | undefined;
  },
): void {
  const { chosen, outcome, usage, costUsd, repairs } = x.o;
  // Why a failed iteration failed, in one line: the planner's fault, or the first error the validator found.
  const why =
    chosen.error && !chosen.plan
      ? `${chosen.error.kind}: ${chosen.error.message}`
      : !chosen.valid
        ? chosen.validation?.findings.find((f) => f.severity === 'error')?.message
        : undefined;
  deps.emit({
    type: 'iteration-finished',
    iteration: x.iteration,
    outcome,
    errors: x.errors,
    objectives: x.objectives,
    repairs,
    candidates: x.k,
    proposals: x.o.others.length + (chosen.plan ? 1 : 0),
    latencyMs: x.latencyMs,
    ...(chosen.score ? { score: chosen.score } : {}),
    ...(x.change ? { change: x.change } : {}),
    ...(why ? { error: why } : {}),
    ...(x.claim ? { claim: x.claim } : {}),
    ...(usage ? { usage } : {}),
    ...(costUsd !== undefined ? { costUsd } : {}),
  });
}
