// The improvement loop: runs iterations until the plan is proved optimal, patience runs out, a person stops it or
// the iteration ceiling is reached; halts for a person at checkpoints, on failures and when progress stalls.
// Plain async code: it emits events and asks an injected Reviewer, never the terminal. Each step returns how the run
// goes on (undefined) or ends (a Halt): no control flow by exception.
import { type ForkBase, ownCounts } from '../state/lineage.js';
import type { Champion, PlannerErrorKind } from '../planners/types.js';
import { ruleLine } from '../feedback/rule-text.js';
import { formatScore, objectivesOf } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import type { SessionState, SessionStatus } from '../state/session.js';
import { improvementsSince } from './champion.js';
import type { EngineDeps } from './deps.js';
import { handleRejection, reviewedPlan } from './feedback.js';
import { type IterationResult, runIteration } from './iteration.js';
import { RunState } from './run-state.js';
import { reviewOf } from './session.js';
import type { CheckpointDecision, FailureDecision, PatienceDecision } from './types.js';

export type { EngineDeps } from './deps.js';

export type RunExit = 'completed' | 'converged' | 'patience' | 'stopped' | 'halted' | 'interrupted' | 'failed';

export interface RunResult {
  state: SessionState;
  /** The champion with its plan, as the run ended. */
  champion: Champion | null;
  exit: RunExit;
  message?: string;
}

/** How a run ends: its exit and the reason shown to the person. */
interface Halt {
  exit: RunExit;
  message?: string;
}

/** Planner faults no number of further iterations will fix: stop and say so (state saved). */
const FATAL: ReadonlySet<PlannerErrorKind> = new Set(['auth', 'config', 'budget']);
/** Faults of the endpoint rather than of the plans. */
const UNREACHABLE: ReadonlySet<PlannerErrorKind> = new Set(['network', 'rate-limit', 'server', 'timeout']);
const STATUS: Record<RunExit, SessionStatus> = {
  completed: 'completed',
  converged: 'completed',
  patience: 'completed',
  stopped: 'stopped',
  halted: 'paused',
  interrupted: 'interrupted',
  failed: 'failed',
};
const INTERRUPTED: Halt = { exit: 'interrupted', message: 'interrupted' };
const s = (n: number) => (n === 1 ? '' : 's');

/**
 * The cost of an average iteration so far, when one more would pass the session's --max-cost; else null. A fork's
 * cap is on its own spend (`fork`: where its own counts start), as its header and closing lines count it.
 */
export function costCapReached(state: SessionState, fork?: ForkBase): number | null {
  const { maxCost } = state.settings;
  const { progress, usage } = ownCounts(state, fork);
  if (maxCost === undefined || progress.completed === 0) return null;
  const perIteration = usage.costUsd / progress.completed;
  return usage.costUsd + perIteration > maxCost ? perIteration : null;
}

/**
 * A run that ends with no valid plan has not done its job, whatever ended it: `failed` (exit 1) when the planner never
 * produced a plan at all, `halted` (exit 3, a person must look) when its plans kept failing validation.
 */
function noPlanEnd(state: SessionState, why: string): Halt | null {
  if (state.champion) return null;
  const p = state.progress;
  // Valid plans came, and a person's rejection left none standing: that is the person's call to follow up, not a fault.
  const rejected = state.rejectedChampion;
  if (rejected) {
    const failed = p.failed ? ` (${p.failed} plan${s(p.failed)} failed validation)` : '';
    return {
      exit: 'halted',
      message: `no plan stands: you rejected the champion of iteration ${rejected.iteration} and no other valid plan stands${failed}; ${why}`,
    };
  }
  // Valid plans came, but each was one a person had rejected before (on this goal, in any session): a person must look.
  if (p.rejectedBefore > 0 && p.failed === 0)
    return {
      exit: 'halted',
      message: `no plan stands: the ${p.rejectedBefore} valid plan${s(p.rejectedBefore)} proposed ${p.rejectedBefore === 1 ? 'was one' : 'were ones'} a person had rejected before; ${why}`,
    };
  if (p.failed === 0 && p.overridden === 0)
    return { exit: 'failed', message: `no valid plan: the planner never produced a usable plan (${p.errors} planner error${s(p.errors)}); ${why}` };
  return { exit: 'halted', message: `no valid plan: ${p.failed} plan${s(p.failed)} failed validation; ${why}` };
}

export async function runSession(state: SessionState, deps: EngineDeps): Promise<RunResult> {
  // A plan a person rejected on this goal in any session is never champion here (unless they approved it since).
  const rejected = await deps.memory.goalRejections({ procedure: state.procedure, goalId: state.goalId });
  return new Loop(new RunState(state, deps.memory, rejected), deps).run();
}

/** A failure the run stopped at: a plan that failed validation, or a planner fault (by its kind). */
interface Failure {
  message: string;
  kind: 'validation' | 'planner-error';
  fault?: PlannerErrorKind;
}

class Loop {
  private readonly state: SessionState;
  private readonly now: () => Date;
  private lastCheckpoint: number;

  constructor(
    private readonly run_: RunState,
    private readonly deps: EngineDeps,
  ) {
    this.state = run_.state;
    this.now = deps.now ?? (() => new Date());
    // A fork counts its checkpoints from where it branched: every k of its own iterations. A checkpoint still pending
    // (its prompt never answered) is not the last one: it is asked again with what came since the one before it.
    const pending = this.state.pendingDecision;
    const answered = pending?.kind === 'checkpoint' ? pending.iteration - 1 : this.state.progress.completed;
    const since = Math.max(0, answered - this.forkPoint);
    this.lastCheckpoint = this.forkPoint + Math.max(0, since - (since % Math.max(this.state.settings.checkpoint, 1)));
  }

  /** The last iteration of the line a fork took from its parent (0: not a fork). */
  private get forkPoint(): number {
    return this.state.forkPoint ?? 0;
  }

  private get objectives(): Objective[] {
    return this.state.settings.objectives ?? objectivesOf(this.deps.target);
  }

  async run(): Promise<RunResult> {
    await this.start();
    try {
      const halt = (await this.askPending()) ?? (await this.iterate());
      return await this.finish(halt);
    } catch (err) {
      this.state.status = 'failed';
      this.state.haltReason = err instanceof Error ? err.message : String(err);
      await this.deps.store.save(this.state).catch(() => undefined);
      throw err;
    }
  }

  private async start(): Promise<void> {
    const { state, deps } = this;
    const resumedFrom = state.progress.completed > 0 ? state.progress.completed : null;
    state.status = 'running';
    delete state.haltReason;
    await deps.store.save(state);
    const { iterations, checkpoint } = state.settings;
    // The rules a person set (human_rules.md) that hold for this run, as the file has them: said before iteration 1.
    const rules = (await deps.humanRules?.({ procedure: state.procedure, goalId: state.goalId, session: state.id })) ?? [];
    deps.emit({
      type: 'session-started',
      session: state.id,
      goalText: state.goalText,
      procedure: state.procedure,
      goalId: state.goalId,
      planner: deps.planner.name,
      iterations,
      checkpoint,
      resumedFrom,
      humanRules: rules.map(ruleLine),
    });
  }

  private async finish(halt: Halt): Promise<RunResult> {
    const { state, deps } = this;
    const status = STATUS[halt.exit];
    state.status = status;
    if (halt.message && halt.exit !== 'completed') state.haltReason = halt.message;
    await deps.memory.flush();
    await deps.store.save(state);
    deps.emit({ type: 'finished', session: state.id, status, progress: { ...state.progress }, usage: { ...state.usage } });
    const champion = await this.run_.champion();
    return halt.message ? { state, champion, exit: halt.exit, message: halt.message } : { state, champion, exit: halt.exit };
  }

  /** A question the last run was waiting on when it was killed is asked again before anything else. */
  private async askPending(): Promise<Halt | undefined> {
    const { state } = this;
    const pending = state.pendingDecision;
    let halt: Halt | undefined;
    if (pending && !state.settings.unattended) {
      if (pending.kind === 'checkpoint') halt = await this.checkpoint(pending.iteration, pending.iteration >= state.settings.iterations);
      else if (pending.kind === 'patience') halt = await this.stall(pending.iteration);
      else {
        const message = state.currentValidation?.valid === false ? 'plan failed validation' : 'the planner failed';
        halt = await this.failure(pending.iteration, { message, kind: 'validation' });
      }
    }
    delete state.pendingDecision;
    return halt;
  }

  private async iterate(): Promise<Halt> {
    const { state } = this;
    while (state.progress.completed < state.settings.iterations) {
      const halt = this.beforeIteration() ?? (await this.iteration(state.progress.completed + 1));
      if (halt) return halt;
    }
    if (state.converged) return { exit: 'converged', message: `converged: ${state.converged.reason}` };
    const n = state.settings.iterations;
    return noPlanEnd(state, n === 1 ? 'its one iteration ran' : `all ${n} iterations ran`) ?? { exit: 'completed' };
  }

  /** Whether the next iteration may start: not interrupted, not converged, within the cost budget. */
  private beforeIteration(): Halt | undefined {
    const { state } = this;
    if (this.deps.signal.aborted) return INTERRUPTED;
    if (state.converged) return { exit: 'converged', message: `converged: ${state.converged.reason}` };
    const fork = this.deps.fork;
    const perIteration = costCapReached(state, fork);
    if (perIteration === null) return undefined;
    const spent = ownCounts(state, fork).usage.costUsd;
    return {
      exit: 'halted',
      message: `cost budget: $${spent.toFixed(4)} spent${fork ? ' by this fork' : ''} of $${state.settings.maxCost}; the next iteration (~$${perIteration.toFixed(4)}) would exceed --max-cost`,
    };
  }

  /** The named steps of one iteration: propose, validate, repair, judge, learn (runIteration); then failure, checkpoint, stall. */
  private async iteration(iteration: number): Promise<Halt | undefined> {
    const { state, deps } = this;
    deps.emit({ type: 'iteration-started', iteration, total: state.settings.iterations });
    const result = await runIteration(this.run_, deps, iteration, this.objectives);
    const halt = await this.afterResult(iteration, result);
    if (halt) return halt;
    if (result.kind === 'valid' && result.optimal) deps.emit({ type: 'converged', iteration, reason: result.optimal });
    const final = state.progress.completed >= state.settings.iterations || Boolean(state.converged);
    const { checkpoint } = state.settings;
    if ((checkpoint > 0 && (iteration - this.forkPoint) % checkpoint === 0) || final) {
      const stop = await this.checkpoint(iteration, final);
      if (stop) return stop;
    }
    return state.converged ? undefined : this.stall(iteration);
  }

  private async afterResult(iteration: number, result: IterationResult): Promise<Halt | undefined> {
    if (result.kind === 'aborted') return INTERRUPTED;
    if (result.kind === 'planner-error') {
      const { kind, message } = result.error;
      const text = `${kind}: ${message}`;
      // The built-in planner found nothing new within its budget: with a champion standing that ends the search, not
      // the run in failure (no endpoint to check; the champion is the run's result, not proved optimal).
      if (kind === 'budget' && this.state.champion) return { exit: 'patience', message: `the planner found no new plan (${message})` };
      if (FATAL.has(kind)) return { exit: 'failed', message: text };
      return this.failure(iteration, { message: text, kind: 'planner-error', fault: kind });
    }
    if (result.kind === 'invalid')
      return this.failure(iteration, { message: `plan failed validation: ${result.errors} error${s(result.errors)}`, kind: 'validation' });
    return undefined;
  }

  /** Asks a person, with the question saved first: a kill while the prompt waits asks it again on resume. */
  private async ask<T>(kind: 'checkpoint' | 'failure' | 'patience', iteration: number, question: () => Promise<T>): Promise<T | undefined> {
    this.state.pendingDecision = { kind, iteration };
    await this.deps.store.save(this.state);
    const answer = await question();
    if (this.deps.signal.aborted) return undefined;
    delete this.state.pendingDecision;
    return answer;
  }

  private async checkpoint(iteration: number, final: boolean): Promise<Halt | undefined> {
    const { state, deps } = this;
    deps.emit({ type: 'checkpoint', iteration, progress: { ...state.progress }, usage: { ...state.usage }, awaited: !state.settings.unattended, final });
    // What is written lazily between checkpoints (derived markdown, deferred session saves) is written now.
    await deps.memory.flush();
    await deps.store.save(state);
    if (state.settings.unattended) return this.recordCheckpoint(iteration);
    const champion = await this.run_.champion();
    const ctx = {
      session: state,
      iteration,
      plan: champion?.plan ?? state.currentPlan,
      validation: champion ? null : state.currentValidation,
      final,
      champion,
      objectives: this.objectives,
      improvements: improvementsSince(state, this.lastCheckpoint),
      since: this.lastCheckpoint,
      alternatives: [...state.alternatives],
    };
    const decision = await this.ask('checkpoint', iteration, () => deps.reviewer.checkpoint(ctx));
    this.lastCheckpoint = iteration;
    return decision ? this.decide(iteration, final, decision) : INTERRUPTED;
  }

  /** Unattended: recorded in the log, so the morning review can see where the run stood at each checkpoint. */
  private async recordCheckpoint(iteration: number): Promise<undefined> {
    const { state } = this;
    // A fork's own failures, and its first checkpoint's improvements since it branched (its run counts its own).
    const fork = this.deps.fork;
    const p = ownCounts(state, fork).progress;
    const c = state.champion;
    const champion = c ? `champion from iteration ${c.iteration} (${formatScore(c.score, this.objectives)})` : 'no valid plan yet';
    const since = improvementsSince(state, this.lastCheckpoint).length;
    const failed = p.failed + p.errors;
    const last = fork && this.lastCheckpoint === this.forkPoint ? 'the fork' : 'the last checkpoint';
    const reason = `${champion}; ${since} improvement${s(since)} since ${last}; ${failed} failed iteration${s(failed)} ${fork ? 'since the fork' : 'so far'}`;
    const plan = (await this.run_.champion())?.plan ?? null;
    this.run_.reducer.apply(await this.deps.memory.commitReview({ ...reviewOf(state, iteration, 'checkpoint', plan, this.now()), reason }));
    this.lastCheckpoint = iteration;
    return undefined;
  }

  private async decide(iteration: number, final: boolean, decision: CheckpointDecision): Promise<Halt | undefined> {
    const { state, deps } = this;
    if (decision.kind === 'stop') return { exit: 'stopped', message: `stopped at the checkpoint after iteration ${iteration}` };
    if (decision.kind === 'approve') {
      if (!state.champion) deps.emit({ type: 'warning', message: 'no valid plan to approve yet: nothing recorded' });
      else await this.review('human-approval', iteration);
    } else if (decision.kind === 'reject') {
      await this.reject(iteration, decision.reason, 'champion');
      if (final) state.haltReason = `the final plan was rejected: ${decision.reason}`;
    } else deps.emit({ type: 'decision', iteration, decision: final ? 'finish' : 'continue' });
    return undefined;
  }

  private reject(iteration: number, reason: string, of: 'champion' | 'failed'): Promise<void> {
    return handleRejection(this.run_, this.deps, { iteration, reason, of, objectives: this.objectives, now: this.now() });
  }

  /** A person approves the champion; an override accepts the plan that just failed. */
  private async review(kind: 'human-approval' | 'override', iteration: number, reason?: string): Promise<void> {
    const { state, deps } = this;
    const champion = kind === 'human-approval' ? await this.run_.champion() : null;
    const plan = champion?.plan ?? state.currentPlan;
    const reviewed = reviewedPlan(champion, plan ? (state.lastProposal?.iteration ?? iteration) : null);
    const rev = reviewOf(state, iteration, kind, plan, this.now());
    this.run_.reducer.apply(await deps.memory.commitReview(reason ? { ...rev, reason } : rev));
    await deps.store.save(state);
    deps.emit({ type: 'decision', iteration, decision: kind, ...(reason ? { reason } : {}), ...(reviewed ? { plan: reviewed } : {}) });
  }

  private async failure(iteration: number, f: Failure): Promise<Halt | undefined> {
    const { state, deps } = this;
    deps.emit({ type: 'paused', iteration, reason: f.kind, message: f.message });
    if (state.settings.unattended) return this.unattendedFailure(f);
    const ctx = {
      session: state,
      iteration,
      plan: state.currentPlan,
      validation: state.currentValidation,
      ...(f.kind === 'planner-error' ? { error: f.message } : {}),
    };
    const decision: FailureDecision | undefined = await this.ask('failure', iteration, () => deps.reviewer.failure(ctx));
    if (!decision) return INTERRUPTED;
    if (decision.kind === 'stop') return { exit: 'stopped', message: `stopped at iteration ${iteration}` };
    if (decision.kind === 'reject') await this.reject(iteration, decision.reason, 'failed');
    else if (decision.kind === 'override' && f.kind === 'validation') await this.review('override', iteration, decision.reason);
    else deps.emit({ type: 'decision', iteration, decision: 'retry' });
    return undefined;
  }

  /** Recorded as a lesson; the next iteration starts again from the champion, unless too many failed in a row. */
  private unattendedFailure(f: Failure): Halt | undefined {
    const { consecutiveFailures: n, settings } = this.state;
    if (n < settings.maxFailures) return undefined;
    const why = `${n} failed iteration${s(n)} in a row (--max-failures ${settings.maxFailures}); last: ${f.message}`;
    // An endpoint that keeps failing is a runtime fault (exit 1); plans that keep failing need a person (exit 3); a
    // planner that never answered with a plan at all is a failure too.
    if (f.fault && UNREACHABLE.has(f.fault)) return { exit: 'failed', message: why };
    const empty = noPlanEnd(this.state, why);
    return empty?.exit === 'failed' ? empty : { exit: 'halted', message: why };
  }

  private async stall(iteration: number): Promise<Halt | undefined> {
    const { state, deps } = this;
    const { patience, iterations, unattended } = state.settings;
    const idle = iteration - state.idleSince;
    if (patience <= 0 || idle < patience || iteration >= iterations) return undefined;
    deps.emit({ type: 'patience', iteration, idle });
    if (unattended) {
      const why = `no improvement in ${idle} iterations (--patience ${patience})`;
      return noPlanEnd(state, why) ?? { exit: 'patience', message: why };
    }
    const champion = await this.run_.champion();
    const decision = await this.ask('patience', iteration, () =>
      deps.reviewer.patience({ session: state, iteration, idle, champion, objectives: this.objectives }),
    );
    if (!decision) return INTERRUPTED;
    if (decision.kind === 'stop') return { exit: 'stopped', message: `stopped after ${idle} iterations without improvement` };
    this.goOn(iteration, decision);
    state.idleSince = iteration;
    await deps.store.save(state);
    return undefined;
  }

  private goOn(iteration: number, decision: Exclude<PatienceDecision, { kind: 'stop' }>): void {
    const { state, deps } = this;
    if (decision.kind === 'objectives') {
      state.settings.objectives = decision.objectives;
      // The champion stays the plan to beat, now measured by the new objectives: a later plan is "improved" only if
      // it beats it under them (resetting it would call the next repeat an improvement). A proof under the old
      // objectives proves nothing under the new ones.
      delete state.converged;
      deps.emit({ type: 'decision', iteration, decision: `objectives: ${decision.objectives.join(', ')}` });
    } else deps.emit({ type: 'decision', iteration, decision: 'continue' });
  }
}
