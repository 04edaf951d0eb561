// What one run holds besides the session file: the reducer over its records and the plans of the champion and
// alternatives in hand (the session names them by id; their content is in the plan store).
import type { Plan } from '../core/plan.js';
import type { RejectedPlan } from '../memory/rejections.js';
import type { Memory } from '../memory/store.js';
import { ClaimChecker } from '../planners/claim.js';
import type { Champion } from '../planners/types.js';
import { Reducer } from '../state/reducer.js';
import type { PlanRef, SessionState } from '../state/session.js';

export class RunState {
  readonly reducer: Reducer;
  /** Checks a model's claims that its plan is optimal (one proof search per rule set for the run). */
  readonly claims = new ClaimChecker();
  private readonly plans = new Map<string, Plan>();

  /** Plans of the goal a person rejected in other sessions, loaded once for the planners. */
  private elsewherePlans: Promise<Plan[]> | undefined;

  /** `rejected`: the plans a person rejected on this goal, in any session (memory.goalRejections): never champion here. */
  constructor(
    readonly state: SessionState,
    private readonly memory: Pick<Memory, 'planOf'>,
    private readonly rejected: readonly RejectedPlan[] = [],
  ) {
    this.reducer = new Reducer(state, new Set(rejected.flatMap((p) => (p.key ? [p.planId, p.key] : [p.planId]))));
  }

  /** The plans a person rejected on this goal in earlier sessions (a planner must differ from each in schedule). */
  rejectedElsewhere(): Promise<Plan[]> {
    this.elsewherePlans ??= Promise.all(
      this.rejected.filter((p) => p.session !== this.state.id).map((p) => this.memory.planOf({ planId: p.planId, session: p.session, iteration: p.iteration })),
    ).then((plans) => plans.filter((p): p is Plan => p !== undefined && p !== null));
    return this.elsewherePlans;
  }

  /** Keeps a plan the next record may make champion or alternative. */
  hold(planId: string, plan: Plan): void {
    this.plans.set(planId, plan);
  }

  /** Lets go of plans the session no longer names (a run of thousands of plans keeps a handful). */
  prune(): void {
    const named = new Set([this.state.champion, ...this.state.alternatives].filter((r) => r !== null).map((r) => r.planId));
    for (const id of this.plans.keys()) if (!named.has(id)) this.plans.delete(id);
  }

  /** The plan a reference names: in hand, else from the plan store (null when the store lost it). */
  async planOf(ref: PlanRef): Promise<Plan | null> {
    let plan = this.plans.get(ref.planId);
    if (!plan) {
      plan = await this.memory.planOf({ planId: ref.planId, session: this.state.id, iteration: ref.iteration });
      if (plan) this.plans.set(ref.planId, plan);
    }
    return plan ?? null;
  }

  /** The champion with its plan, for planners and reviewers. */
  async champion(): Promise<Champion | null> {
    const c = this.state.champion;
    const plan = c ? await this.planOf(c) : null;
    return c && plan ? { plan, score: c.score, planId: c.planId, iteration: c.iteration } : null;
  }
}
