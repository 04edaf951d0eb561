// What one run holds besides the session file: the reducer over its records and the plans of the champion and
// alternatives in hand (the session names them by id; their content is in the plan store).
import type { Plan } from '../core/plan.js';
import { withHumanRules } from '../feedback/target.js';
import type { RejectedPlan } from '../memory/rejections.js';
import type { Memory } from '../memory/store.js';
import { ClaimChecker } from '../planners/claim.js';
import type { Champion } from '../planners/types.js';
import type { PlanTarget, Rule } from '../procedures/types.js';
import { Reducer } from '../state/reducer.js';
import type { PlanRef, SessionState } from '../state/session.js';

export class RunState {
  readonly reducer: Reducer;
  /** Checks a model's claims that its plan is optimal (one proof search per rule set for the run). */
  readonly claims = new ClaimChecker();
  private readonly plans = new Map<string, Plan>();
  private joined: { base: PlanTarget; rules: readonly Rule[]; target: PlanTarget } | undefined;

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

  /**
   * Keeps a plan the next record may make champion or alternative. A plan already in hand under that id stays: the
   * store keeps an id's first content too, and an unchanged object lets a planner reuse what it made from it.
   */
  hold(planId: string, plan: Plan): void {
    if (!this.plans.has(planId)) this.plans.set(planId, plan);
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

  /**
   * The target with the human rules in force joined: the same object while the rules are the same ones (the rules
   * file hands out the same rule objects until it changes), so what a planner keeps per target is reused.
   */
  targetWith(base: PlanTarget, rules: readonly Rule[]): PlanTarget {
    const j = this.joined;
    if (j && j.base === base && j.rules.length === rules.length && j.rules.every((r, i) => r === rules[i])) return j.target;
    const target = withHumanRules(base, rules);
    this.joined = { base, rules: [...rules], target };
    return target;
  }

  /** The champion with its plan, for planners and reviewers. */
  async champion(): Promise<Champion | null> {
    const c = this.state.champion;
    const plan = c ? await this.planOf(c) : null;
    return c && plan ? { plan, score: c.score, planId: c.planId, iteration: c.iteration } : null;
  }
}
