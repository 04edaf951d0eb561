// The iteration loop: recall, propose, validate, approve, learn, persist; halts for a person at checkpoints
// and on failures. Plain async code: it emits events and asks an injected Reviewer, never the terminal.
import type { Finding, Plan, ValidationResult } from '../core/plan.js';
import { countFindings, validatePlan } from '../procedures/validate.js';
import type { PlanTarget } from '../procedures/types.js';
import type { Memory } from '../memory/store.js';
import type { SessionStore } from './sessions.js';
import type { IterationRecord, Outcome } from '../memory/types.js';
import { PlannerError, type Planner, type PlanResponse } from '../planners/types.js';
import type { EmitFn, Reviewer, SessionState } from './types.js';
import { calibrate } from '../memory/tokens.js';

export interface EngineDeps {
  planner: Planner;
  target: PlanTarget;
  memory: Memory;
  store: SessionStore;
  reviewer: Reviewer;
  emit: EmitFn;
  signal: AbortSignal;
  now?: () => Date;
}

export type RunExit = 'completed' | 'stopped' | 'halted' | 'interrupted' | 'failed';

export interface RunResult {
  state: SessionState;
  exit: RunExit;
  message?: string;
}

/** Planner faults that a retry later may fix (network, server) versus output a person must look at. */
const TRANSIENT = new Set(['network', 'rate-limit', 'server', 'timeout', 'auth', 'config']);

class Stop extends Error {
  constructor(readonly result: Omit<RunResult, 'state'>) {
    super(result.exit);
  }
}

export async function runSession(state: SessionState, deps: EngineDeps): Promise<RunResult> {
  const { planner, memory, store, reviewer, emit, signal } = deps;
  const now = deps.now ?? (() => new Date());
  const { iterations: total, checkpoint, unattended, maxCost } = state.settings;
  const resumedFrom = state.progress.completed > 0 ? state.progress.completed : null;
  state.status = 'running';
  delete state.haltReason;
  await store.save(state);
  emit({ type: 'session-started', session: state.id, goalText: state.goalText, procedure: state.procedure, goalId: state.goalId, planner: planner.name, iterations: total, checkpoint, resumedFrom });

  const finish = async (status: SessionState['status'], exit: RunExit, message?: string): Promise<RunResult> => {
    state.status = status;
    if (message && exit !== 'completed') state.haltReason = message;
    await store.save(state);
    emit({ type: 'finished', session: state.id, status, progress: { ...state.progress }, usage: { ...state.usage } });
    return message ? { state, exit, message } : { state, exit };
  };

  const review = async (kind: 'human-approval' | 'rejection' | 'override', iteration: number, reason?: string) => {
    const rev = { session: state.id, iteration, time: now().toISOString(), goalText: state.goalText, procedure: state.procedure, goalId: state.goalId, kind, plan: state.currentPlan };
    await memory.commitReview(reason ? { ...rev, reason } : rev);
    if (kind === 'rejection' && reason) {
      state.pendingFeedback.push(reason);
      state.progress.rejected++;
    } else if (kind === 'override') state.progress.overridden++;
    else state.progress.humanApprovals++;
    await store.save(state);
    emit(reason ? { type: 'decision', iteration, decision: kind, reason } : { type: 'decision', iteration, decision: kind });
  };

  try {
    while (state.progress.completed < total) {
      if (signal.aborted) throw new Stop({ exit: 'interrupted', message: 'interrupted' });
      const iteration = state.progress.completed + 1;
      if (maxCost !== undefined && state.progress.completed > 0) {
        const perIteration = state.usage.costUsd / state.progress.completed;
        if (state.usage.costUsd + perIteration > maxCost) {
          throw new Stop({ exit: 'halted', message: `cost budget: $${state.usage.costUsd.toFixed(4)} spent of $${maxCost}; the next iteration (~$${perIteration.toFixed(4)}) would exceed --max-cost` });
        }
      }
      emit({ type: 'iteration-started', iteration, total });
      const outcome = await runIteration(state, deps, iteration, now);
      if (outcome.kind === 'aborted') throw new Stop({ exit: 'interrupted', message: 'interrupted' });

      if (outcome.kind === 'planner-error' || outcome.kind === 'invalid') {
        const message = outcome.kind === 'planner-error' ? outcome.message : `plan failed validation: ${outcome.errors} error(s)`;
        emit({ type: 'paused', iteration, reason: outcome.kind === 'invalid' ? 'validation' : 'planner-error', message });
        if (unattended) {
          if (outcome.kind === 'planner-error' && outcome.transient) throw new Stop({ exit: 'failed', message });
          throw new Stop({ exit: 'halted', message: `iteration ${iteration}: ${message}` });
        }
        const decision = await reviewer.failure({ session: state, iteration, plan: state.currentPlan, validation: state.currentValidation, ...(outcome.kind === 'planner-error' ? { error: message } : {}) });
        if (signal.aborted) throw new Stop({ exit: 'interrupted', message: 'interrupted' });
        if (decision.kind === 'stop') throw new Stop({ exit: 'stopped', message: `stopped at iteration ${iteration}` });
        if (decision.kind === 'reject') await review('rejection', iteration, decision.reason);
        else if (decision.kind === 'override' && outcome.kind === 'invalid') await review('override', iteration, decision.reason);
        else emit({ type: 'decision', iteration, decision: 'retry' });
      }

      const final = state.progress.completed >= total;
      if ((checkpoint > 0 && iteration % checkpoint === 0) || final) {
        emit({ type: 'checkpoint', iteration, progress: { ...state.progress }, usage: { ...state.usage }, awaited: !unattended });
        if (!unattended) {
          const decision = await reviewer.checkpoint({ session: state, iteration, plan: state.currentPlan, validation: state.currentValidation, final, champion: state.champion, objectives: [], improvements: [], alternatives: [] });
          if (signal.aborted) throw new Stop({ exit: 'interrupted', message: 'interrupted' });
          if (decision.kind === 'stop') throw new Stop({ exit: 'stopped', message: `stopped at the checkpoint after iteration ${iteration}` });
          if (decision.kind === 'approve') await review('human-approval', iteration);
          else if (decision.kind === 'reject') await review('rejection', iteration, decision.reason);
          else emit({ type: 'decision', iteration, decision: 'continue' });
        }
      }
    }
    return await finish('completed', 'completed');
  } catch (err) {
    if (!(err instanceof Stop)) {
      state.status = 'failed';
      state.haltReason = err instanceof Error ? err.message : String(err);
      await store.save(state).catch(() => undefined);
      throw err;
    }
    const status = err.result.exit === 'interrupted' ? 'interrupted' : err.result.exit === 'stopped' ? 'stopped' : err.result.exit === 'failed' ? 'failed' : 'paused';
    return finish(status, err.result.exit, err.result.message);
  }
}

type IterationOutcome =
  | { kind: 'valid' }
  | { kind: 'invalid'; errors: number }
  | { kind: 'planner-error'; message: string; transient: boolean }
  | { kind: 'aborted' };

async function runIteration(state: SessionState, deps: EngineDeps, iteration: number, now: () => Date): Promise<IterationOutcome> {
  const { planner, target, memory, store, emit, signal } = deps;
  const startedAt = now().toISOString();
  const findings: Finding[] = state.currentValidation?.findings ?? [];
  const recalled = await memory.recall({ goalText: state.goalText, procedure: state.procedure, goalId: state.goalId, findings, session: state.id, budgetTokens: state.settings.contextBudget });
  emit({ type: 'recalled', iteration, tokens: recalled.tokens, budget: recalled.budget, items: recalled.items.length, total: recalled.total });

  let response: PlanResponse | undefined;
  let error: PlannerError | undefined;
  const feedback = [...state.pendingFeedback];
  try {
    response = await planner.propose({
      goalText: state.goalText,
      target,
      iteration,
      currentPlan: state.currentPlan,
      currentFindings: findings,
      champion: state.champion,
      objectives: [],
      seen: new Set(state.seen),
      recall: recalled,
      feedback,
      signal,
      onProgress: (p) => emit({ type: 'planner-progress', iteration, tokens: p.tokens }),
      onRetry: (p) => emit({ type: 'retry', iteration, ...p }),
    });
  } catch (err) {
    if (signal.aborted || (err instanceof PlannerError && err.kind === 'aborted')) return { kind: 'aborted' };
    error = err instanceof PlannerError ? err : new PlannerError('server', err instanceof Error ? err.message : String(err));
  }
  if (signal.aborted) return { kind: 'aborted' };

  let validation: ValidationResult | null = null;
  let plan: Plan | null = null;
  let outcome: Outcome = 'error';
  if (response) {
    plan = response.plan;
    emit({ type: 'plan-proposed', iteration, plan, mode: response.mode, ...(response.usage ? { usage: response.usage } : {}), ...(response.costUsd !== undefined ? { costUsd: response.costUsd } : {}) });
    validation = validatePlan(plan, target);
    const { errors, warnings } = countFindings(validation);
    emit({ type: 'validated', iteration, valid: validation.valid, errors, warnings, findings: validation.findings });
    outcome = validation.valid ? 'improved' : 'failed';
  }

  const record: IterationRecord = {
    session: state.id,
    iteration,
    startedAt,
    finishedAt: now().toISOString(),
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    planner: planner.name,
    plan,
    validation,
    outcome,
    approvedBy: outcome === 'improved' ? 'auto' : null,
    context: { tokens: recalled.tokens, budget: recalled.budget, items: recalled.items.length, total: recalled.total },
  };
  if (error) record.error = `${error.kind}: ${error.message}`;
  if (response?.usage) record.usage = response.usage;
  if (response?.costUsd !== undefined) record.costUsd = response.costUsd;
  if (response?.promptTokensEstimate !== undefined) {
    record.promptTokensEstimate = response.promptTokensEstimate;
    // Our estimate learns the server tokenizer's ratio, so the context budget means what it says.
    if (response.usage) calibrate(response.promptTokensEstimate, response.usage.promptTokens);
  }
  const previous = { plan: state.currentPlan, findings };
  await memory.commitIteration(record, { ...(response?.promptChars !== undefined ? { promptChars: response.promptChars } : {}), previous });

  // The session file follows the log (a crash between the two is reconciled from the log on resume).
  const p = state.progress;
  p.completed = iteration;
  if (outcome === 'improved') p.approved++;
  else if (outcome === 'failed') p.failed++;
  else p.errors++;
  if (plan) {
    state.currentPlan = plan;
    state.currentValidation = validation;
  }
  if (outcome === 'improved') state.pendingFeedback = state.pendingFeedback.filter((f) => !feedback.includes(f));
  if (response?.usage) {
    state.usage.promptTokens += response.usage.promptTokens;
    state.usage.completionTokens += response.usage.completionTokens;
    state.usage.cachedTokens += response.usage.cachedTokens;
  }
  state.usage.costUsd += response?.costUsd ?? 0;
  await store.save(state, { durable: false });
  const errors = validation ? countFindings(validation).errors : 0;
  if (outcome === 'improved') emit({ type: 'approved', iteration, by: 'auto' });
  emit({ type: 'iteration-finished', iteration, outcome, errors, objectives: [], repairs: 0, candidates: 1, latencyMs: 0, ...(response?.usage ? { usage: response.usage } : {}), ...(response?.costUsd !== undefined ? { costUsd: response.costUsd } : {}) });

  if (error) return { kind: 'planner-error', message: `${error.kind}: ${error.message}`, transient: TRANSIENT.has(error.kind) };
  return validation?.valid ? { kind: 'valid' } : { kind: 'invalid', errors };
}
