// Plans a person rejected, per goal, across sessions: a running fold over the log. A rejection sticks for the goal
// (never champion again in a later session) until a person approves that plan explicitly.
import type { Fold } from './aggregates.js';
import type { LogRecord } from './record.js';

/** One rejected plan: its content address and identity, and where its plan file is (the session and iteration). */
export interface RejectedPlan {
  planId: string;
  key?: string;
  session: string;
  iteration: number;
}

/** Per goal (`procedure/goal`), the plans a person rejected and has not approved since. */
export type GoalRejections = Record<string, RejectedPlan[]>;

const sameAs = (r: LogRecord) => (p: RejectedPlan) => p.planId === r.planId || (r.planKey !== undefined && p.key === r.planKey);

export const rejectionsFold: Fold<GoalRejections> = {
  name: 'goalRejections',
  version: 1,
  init: () => ({}),
  apply(state, r) {
    if (r.type !== 'review' || r.planId === undefined) return;
    const goal = `${r.procedure}/${r.goalId}`;
    const list = state[goal] ?? [];
    if (r.review === 'human-approval') state[goal] = list.filter((p) => !sameAs(r)(p));
    else if (r.review === 'rejection' && !list.some(sameAs(r))) {
      list.push(
        r.planKey
          ? { planId: r.planId, key: r.planKey, session: r.session, iteration: r.iteration }
          : { planId: r.planId, session: r.session, iteration: r.iteration },
      );
      state[goal] = list;
    }
  },
};
