// Creates a new session's state from the resolved settings and the matched procedure goal.
import type { Plan } from '../core/plan.js';
import type { ReviewRecord } from '../memory/types.js';
import type { PlanTarget } from '../procedures/types.js';
import { emptyProgress, type SessionSettings, type SessionState } from '../state/session.js';

/** What a session is before it has done anything: its goal, its settings, its status and times. */
type SessionHead = Pick<SessionState, 'id' | 'goalText' | 'procedure' | 'goalId' | 'status' | 'createdAt' | 'updatedAt' | 'settings'>;

/** A session that has done nothing yet (a new one, or a fork before the fold fills in what its line did). */
export function blankSession(head: SessionHead): SessionState {
  return {
    version: 1,
    ...head,
    progress: emptyProgress(),
    currentPlan: null,
    currentValidation: null,
    pendingFeedback: [],
    champion: null,
    seen: [],
    rejected: [],
    lastImprovement: 0,
    idleSince: 0,
    improvements: [],
    alternatives: [],
    consecutiveFailures: 0,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
  };
}

export function newSession(id: string, goalText: string, target: PlanTarget, settings: SessionSettings, now: Date): SessionState {
  const time = now.toISOString();
  return blankSession({ id, goalText, procedure: target.set.id, goalId: target.goal.id, status: 'running', createdAt: time, updatedAt: time, settings });
}

/** A person's decision (or an unattended checkpoint) about `plan` at `iteration`, as memory records it. */
export function reviewOf(state: SessionState, iteration: number, kind: ReviewRecord['kind'], plan: Plan | null, time: Date): ReviewRecord {
  return { session: state.id, iteration, time: time.toISOString(), goalText: state.goalText, procedure: state.procedure, goalId: state.goalId, kind, plan };
}
