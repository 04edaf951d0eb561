// The improvement loop: runs iterations until the plan is proved optimal, patience runs out, a person stops it or
// the iteration ceiling is reached; halts for a person at checkpoints, on failures and when progress stalls.
// Plain async code: it emits events and asks an injected Reviewer, never the terminal.
import type { Memory } from '../memory/store.js';
import type { Planner } from '../planners/types.js';
import { formatScore, objectivesOf } from '../procedures/quality.js';
import type { Objective, PlanTarget, Rule } from '../procedures/types.js';
import { handleRejection } from './feedback.js';
import { improvementsSince, SeenPlans } from './champion.js';
import { runIteration } from './iteration.js';
import { reviewOf } from './session.js';
import type { SessionStore } from './sessions.js';
import type { FeedbackReader } from '../feedback/types.js';
import type { EmitFn, Reviewer, SessionState } from './types.js';

export interface EngineDeps {
  planner: Planner;
  target: PlanTarget;
  memory: Memory;
  store: SessionStore;
  reviewer: Reviewer;
  emit: EmitFn;
  signal: AbortSignal;
  now?: () => Date;
  /** Reads a rejection reason into rules; without one, every reason stays prose (unchecked). */
  feedbackReader?: FeedbackReader;
  /** The human rules (compiled feedback kept in memory) in scope for this session. */
  humanRules?: (scope: { procedure: string; goalId: string; session: string }) => Promise<Rule[]>;
  /** False when no person can confirm a reading (--json): readings are kept, marked unconfirmed. */
  confirmReadings?: boolean;
}

export type RunExit = 'completed' | 'converged' | 'patience' | 'stopped' | 'halted' | 'interrupted' | 'failed';

export interface RunResult {
  state: SessionState;
  exit: RunExit;
  message?: string;
}

class Stop extends Error {
  constructor(readonly result: Omit<RunResult, 'state'>) {
    super(result.exit);
  }
}

/** Planner faults no number of further iterations will fix: stop and say so (state saved). */
const FATAL = /^(auth|config|budget):/;
/** Faults of the endpoint rather than of the plans. */
const UNREACHABLE = /^(network|rate-limit|server|timeout):/;

/** The cost of an average iteration so far, when one more would pass the session's --max-cost; else null. */
export function costCapReached(state: SessionState): number | null {
  const { maxCost } = state.settings;
  if (maxCost === undefined || state.progress.completed === 0) return null;
  const perIteration = state.usage.costUsd / state.progress.completed;
  return state.usage.costUsd + perIteration > maxCost ? perIteration : null;
}

/**
 * A run that ends with no valid plan has not done its job, whatever ended it: `failed` (exit 1) when the planner never
 * produced a plan at all, `halted` (exit 3, a person must look) when its plans kept failing validation.
 */
function noPlanEnd(state: SessionState, why: string): Omit<RunResult, 'state'> | null {
  if (state.champion) return null;
  const p = state.progress;
  if (p.failed === 0 && p.overridden === 0)
    return {
      exit: 'failed',
      message: `no valid plan: the planner never produced a usable plan (${p.errors} planner error${p.errors === 1 ? '' : 's'}); ${why}`,
    };
  return { exit: 'halted', message: `no valid plan: ${p.failed} plan${p.failed === 1 ? '' : 's'} failed validation; ${why}` };
}

export async function runSession(state: SessionState, deps: EngineDeps): Promise<RunResult> {
  const { planner, memory, store, reviewer, emit, signal } = deps;
  const now = deps.now ?? (() => new Date());
  const { iterations: total, checkpoint, unattended, maxCost, patience, maxFailures } = state.settings;
  const resumedFrom = state.progress.completed > 0 ? state.progress.completed : null;
  const objectives = (): Objective[] => state.settings.objectives ?? objectivesOf(deps.target);
  // The list is the session's (saved with it); the set beside it answers "seen before?" in constant time.
  const seen = new SeenPlans(state.seen);
  state.status = 'running';
  delete state.haltReason;
  await store.save(state);
  emit({
    type: 'session-started',
    session: state.id,
    goalText: state.goalText,
    procedure: state.procedure,
    goalId: state.goalId,
    planner: planner.name,
    iterations: total,
    checkpoint,
    resumedFrom,
  });

  const finish = async (status: SessionState['status'], exit: RunExit, message?: string): Promise<RunResult> => {
    state.status = status;
    if (message && exit !== 'completed') state.haltReason = message;
    await memory.flush();
    await store.save(state);
    emit({ type: 'finished', session: state.id, status, progress: { ...state.progress }, usage: { ...state.usage } });
    return message ? { state, exit, message } : { state, exit };
  };

  const review = async (kind: 'human-approval' | 'override', iteration: number, reason?: string) => {
    // A person approves the champion; an override accepts the plan that just failed.
    const rev = reviewOf(state, iteration, kind, kind === 'human-approval' ? (state.champion?.plan ?? state.currentPlan) : state.currentPlan, now());
    await memory.commitReview(reason ? { ...rev, reason } : rev);
    if (kind === 'override') state.progress.overridden++;
    else state.progress.humanApprovals++;
    await store.save(state);
    emit(reason ? { type: 'decision', iteration, decision: kind, reason } : { type: 'decision', iteration, decision: kind });
  };
  const reject = (iteration: number, reason: string, of: 'champion' | 'failed') => handleRejection(state, deps, iteration, reason, of, now);

  /** Asks a person, with the question saved first: a kill while the prompt waits asks it again on resume. */
  const ask = async <T>(kind: 'checkpoint' | 'failure' | 'patience', iteration: number, question: () => Promise<T>): Promise<T> => {
    state.pendingDecision = { kind, iteration };
    await store.save(state);
    const answer = await question();
    if (signal.aborted) throw new Stop({ exit: 'interrupted', message: 'interrupted' });
    delete state.pendingDecision;
    return answer;
  };

  let lastCheckpoint = Math.max(0, state.progress.completed - (state.progress.completed % Math.max(checkpoint, 1)));

  const atCheckpoint = async (iteration: number, final: boolean) => {
    emit({ type: 'checkpoint', iteration, progress: { ...state.progress }, usage: { ...state.usage }, awaited: !unattended });
    // What is written lazily between checkpoints (derived markdown, deferred session saves) is written now.
    await memory.flush();
    await store.save(state);
    if (unattended) {
      // Recorded in the log, so the morning review can see where the run stood at each checkpoint.
      const p = state.progress;
      const champion = state.champion
        ? `champion from iteration ${state.champion.iteration} (${formatScore(state.champion.score, objectives())})`
        : 'no valid plan yet';
      const since = improvementsSince(state, lastCheckpoint).length;
      const reason = `${champion}; ${since} improvement${since === 1 ? '' : 's'} since the last checkpoint; ${p.failed + p.errors} failed iteration${p.failed + p.errors === 1 ? '' : 's'} so far`;
      await memory.commitReview({ ...reviewOf(state, iteration, 'checkpoint', state.champion?.plan ?? null, now()), reason });
      lastCheckpoint = iteration;
      return;
    }
    const ctx = {
      session: state,
      iteration,
      plan: state.champion?.plan ?? state.currentPlan,
      validation: state.champion ? null : state.currentValidation,
      final,
      champion: state.champion,
      objectives: objectives(),
      improvements: improvementsSince(state, lastCheckpoint),
      alternatives: [...state.alternatives],
    };
    const decision = await ask('checkpoint', iteration, () => reviewer.checkpoint(ctx));
    lastCheckpoint = iteration;
    if (decision.kind === 'stop') throw new Stop({ exit: 'stopped', message: `stopped at the checkpoint after iteration ${iteration}` });
    if (decision.kind === 'approve') {
      if (!state.champion) emit({ type: 'warning', message: 'no valid plan to approve yet: nothing recorded' });
      else await review('human-approval', iteration);
    } else if (decision.kind === 'reject') {
      await reject(iteration, decision.reason, 'champion');
      if (final) state.haltReason = `the final plan was rejected: ${decision.reason}`;
    } else emit({ type: 'decision', iteration, decision: 'continue' });
  };

  const onFailure = async (iteration: number, message: string, kind: 'validation' | 'planner-error') => {
    emit({ type: 'paused', iteration, reason: kind, message });
    if (unattended) {
      if (state.consecutiveFailures >= maxFailures) {
        const why = `${state.consecutiveFailures} failed iteration${state.consecutiveFailures === 1 ? '' : 's'} in a row (--max-failures ${maxFailures}); last: ${message}`;
        // An endpoint that keeps failing is a runtime fault (exit 1); plans that keep failing need a person (exit 3).
        if (UNREACHABLE.test(message)) throw new Stop({ exit: 'failed', message: why });
        // Plans that failed validation already halt for a person (exit 3); a planner that never answered usably is a failure.
        const empty = noPlanEnd(state, why);
        throw new Stop(empty?.exit === 'failed' ? empty : { exit: 'halted', message: why });
      }
      return; // recorded as a lesson; the next iteration starts again from the champion
    }
    const ctx = {
      session: state,
      iteration,
      plan: state.currentPlan,
      validation: state.currentValidation,
      ...(kind === 'planner-error' ? { error: message } : {}),
    };
    const decision = await ask('failure', iteration, () => reviewer.failure(ctx));
    if (decision.kind === 'stop') throw new Stop({ exit: 'stopped', message: `stopped at iteration ${iteration}` });
    if (decision.kind === 'reject') await reject(iteration, decision.reason, 'failed');
    else if (decision.kind === 'override' && kind === 'validation') await review('override', iteration, decision.reason);
    else emit({ type: 'decision', iteration, decision: 'retry' });
  };

  const onStall = async (iteration: number) => {
    const idle = iteration - state.idleSince;
    if (patience <= 0 || idle < patience || iteration >= total) return;
    emit({ type: 'patience', iteration, idle });
    if (unattended) {
      const why = `no improvement in ${idle} iterations (--patience ${patience})`;
      throw new Stop(noPlanEnd(state, why) ?? { exit: 'patience', message: why });
    }
    const decision = await ask('patience', iteration, () =>
      reviewer.patience({ session: state, iteration, idle, champion: state.champion, objectives: objectives() }),
    );
    if (decision.kind === 'stop') throw new Stop({ exit: 'stopped', message: `stopped after ${idle} iterations without improvement` });
    if (decision.kind === 'objectives') {
      state.settings.objectives = decision.objectives;
      // The champion stays the plan to beat, now measured by the new objectives: a later plan is "improved" only if
      // it beats it under them (resetting it would call the next repeat an improvement). A proof under the old
      // objectives proves nothing under the new ones.
      delete state.converged;
      emit({ type: 'decision', iteration, decision: `objectives: ${decision.objectives.join(', ')}` });
    } else emit({ type: 'decision', iteration, decision: 'continue' });
    state.idleSince = iteration;
    await store.save(state);
  };

  try {
    // A question the last run was waiting on when it was killed is asked again before anything else.
    const pending = state.pendingDecision;
    if (pending && !unattended) {
      if (pending.kind === 'checkpoint') await atCheckpoint(pending.iteration, pending.iteration >= total);
      else if (pending.kind === 'patience') await onStall(pending.iteration);
      else await onFailure(pending.iteration, state.currentValidation?.valid === false ? 'plan failed validation' : 'the planner failed', 'validation');
    }
    delete state.pendingDecision;
    while (state.progress.completed < total) {
      if (signal.aborted) throw new Stop({ exit: 'interrupted', message: 'interrupted' });
      if (state.converged) throw new Stop({ exit: 'converged', message: `converged: ${state.converged.reason}` });
      const iteration = state.progress.completed + 1;
      const perIteration = costCapReached(state);
      if (perIteration !== null) {
        throw new Stop({
          exit: 'halted',
          message: `cost budget: $${state.usage.costUsd.toFixed(4)} spent of $${maxCost}; the next iteration (~$${perIteration.toFixed(4)}) would exceed --max-cost`,
        });
      }
      emit({ type: 'iteration-started', iteration, total });
      const result = await runIteration(state, deps, iteration, objectives(), seen);
      if (result.kind === 'aborted') throw new Stop({ exit: 'interrupted', message: 'interrupted' });
      if (result.kind === 'planner-error') {
        if (FATAL.test(result.message)) throw new Stop({ exit: 'failed', message: result.message });
        await onFailure(iteration, result.message, 'planner-error');
      } else if (result.kind === 'invalid') {
        await onFailure(iteration, `plan failed validation: ${result.errors} error${result.errors === 1 ? '' : 's'}`, 'validation');
      }
      if (result.kind === 'valid' && result.optimal) emit({ type: 'converged', iteration, reason: result.optimal });

      const final = state.progress.completed >= total || Boolean(state.converged);
      if ((checkpoint > 0 && iteration % checkpoint === 0) || final) await atCheckpoint(iteration, final);
      if (!state.converged) await onStall(iteration);
    }
    if (state.converged) return await finish('completed', 'converged', `converged: ${state.converged.reason}`);
    const empty = noPlanEnd(state, `all ${total} iterations ran`);
    if (empty) return await finish(empty.exit === 'failed' ? 'failed' : 'paused', empty.exit, empty.message);
    return await finish('completed', 'completed');
  } catch (err) {
    if (!(err instanceof Stop)) {
      state.status = 'failed';
      state.haltReason = err instanceof Error ? err.message : String(err);
      await store.save(state).catch(() => undefined);
      throw err;
    }
    const { exit } = err.result;
    const status =
      exit === 'interrupted' ? 'interrupted' : exit === 'stopped' ? 'stopped' : exit === 'failed' ? 'failed' : exit === 'halted' ? 'paused' : 'completed';
    return finish(status, exit, err.result.message);
  }
}
