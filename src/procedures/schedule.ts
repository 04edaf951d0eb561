// Every valid plan is a schedule: a partial order (causal links, threats, ordering rules) with one step at a time per person.
import type { Plan } from '../core/plan.js';
import { People } from './people.js';
import { planDemands } from './rules/index.js';
import type { PlanTarget } from './types.js';

export interface ScheduledStep {
  /** 1-based step number in the plan. */
  step: number;
  action: string;
  /** The resource the step occupies: its owner (lower-cased), else its action's role. */
  owner: string;
  /** Minutes from the plan's start. */
  start: number;
  end: number;
}

export interface Schedule {
  steps: ScheduledStep[];
  /** Minutes from the first start to the last end: the critical path, resource waits included. */
  makespan: number;
}

/** What the schedule needs to know about an action, with facts numbered. */
interface ActionModel {
  pre: number[];
  add: number[];
  del: number[];
  duration: number;
}

/** The procedure compiled for scheduling: numbered facts and the ordering rules each action takes part in. */
export class ScheduleModel {
  readonly facts = new Map<string, number>();
  readonly actions = new Map<string, ActionModel>();
  /** Ordering rules (index into `ordering`) in which an action is `after` / `before`. */
  readonly afterOf = new Map<string, number[]>();
  readonly beforeOf = new Map<string, number[]>();
  readonly ordering: { before: string; after: string }[] = [];
  /** For an action, the actions it must immediately follow (immediately-after rules). */
  readonly immediately = new Map<string, Set<string>>();

  constructor(target: PlanTarget) {
    const fact = (f: string): number => {
      const known = this.facts.get(f);
      if (known !== undefined) return known;
      this.facts.set(f, this.facts.size);
      return this.facts.size - 1;
    };
    for (const a of target.set.actions) {
      this.actions.set(a.id, { pre: a.requires.map(fact), add: a.provides.map(fact), del: a.removes.map(fact), duration: a.duration ?? 0 });
    }
    const { order, rightAfter } = planDemands(target.set.rules);
    for (const [before, after] of order) {
      const i = this.ordering.push({ before, after }) - 1;
      this.afterOf.set(after, [...(this.afterOf.get(after) ?? []), i]);
      this.beforeOf.set(before, [...(this.beforeOf.get(before) ?? []), i]);
    }
    for (const [action, after] of rightAfter) this.immediately.set(action, new Set([...(this.immediately.get(action) ?? []), after]));
  }
}

/**
 * Builds a schedule one step at a time, in plan order. A step starts when every earlier step it depends on has
 * ended: the latest earlier provider of each fact it needs (causal link), earlier steps that remove a fact it needs
 * or adds (threats), earlier steps that need or add a fact it removes, the first earlier step an ordering rule puts
 * before it, the step it must immediately follow, and the owner's previous step. Every start depends only on
 * earlier steps, so appending never moves an earlier step and the makespan never shrinks: the optimiser relies on
 * both. Its times are also what two partial plans are compared on (`dominates`).
 */
export class ScheduleBuilder {
  /**
   * Every time the builder tracks, in one buffer so a clone is one copy (the optimiser clones one per search node):
   * per fact, when its latest adder ended, when any adder ended, when its last user ended, when its last remover
   * ended; then per ordering rule, when the first step it puts before ended (-1: none yet).
   */
  private readonly times: Float64Array;
  private readonly n: number;
  private owners: Map<string, number>;
  private lastAction: string | undefined;
  private lastEnd = 0;
  makespan = 0;

  constructor(
    private readonly model: ScheduleModel,
    from?: ScheduleBuilder,
  ) {
    this.n = model.facts.size;
    if (from) {
      this.times = from.times.slice();
      this.owners = new Map(from.owners);
      this.lastAction = from.lastAction;
      this.lastEnd = from.lastEnd;
      this.makespan = from.makespan;
    } else {
      this.times = new Float64Array(4 * this.n + model.ordering.length);
      this.times.fill(-1, 4 * this.n);
      this.owners = new Map();
    }
  }

  clone(): ScheduleBuilder {
    return new ScheduleBuilder(this.model, this);
  }

  /** When a step of `action` owned by `owner` would start, were it appended now. */
  startOf(action: string, owner: string): number {
    const a = this.model.actions.get(action);
    const t = this.times;
    const n = this.n;
    let start = this.owners.get(owner) ?? 0;
    if (a) {
      // addLatest = t[f], del = t[3n + f], use = t[2n + f], addMax = t[n + f]
      for (const f of a.pre) start = Math.max(start, t[f]!, t[3 * n + f]!);
      for (const f of a.add) start = Math.max(start, t[3 * n + f]!);
      for (const f of a.del) start = Math.max(start, t[2 * n + f]!, t[n + f]!);
    }
    for (const r of this.model.afterOf.get(action) ?? []) start = Math.max(start, t[4 * n + r]!);
    if (this.lastAction !== undefined && this.model.immediately.get(action)?.has(this.lastAction)) start = Math.max(start, this.lastEnd);
    return start;
  }

  /** Appends a step and returns its start and end. */
  append(action: string, owner: string): { start: number; end: number } {
    const a = this.model.actions.get(action);
    const t = this.times;
    const n = this.n;
    const start = this.startOf(action, owner);
    const end = start + (a?.duration ?? 0);
    if (a) {
      for (const f of a.pre) t[2 * n + f] = Math.max(t[2 * n + f]!, end);
      for (const f of a.del) t[3 * n + f] = Math.max(t[3 * n + f]!, end);
      for (const f of a.add) {
        t[f] = end;
        t[n + f] = Math.max(t[n + f]!, end);
      }
    }
    for (const r of this.model.beforeOf.get(action) ?? []) if (t[4 * n + r]! < 0) t[4 * n + r] = end;
    this.owners.set(owner, end);
    this.lastAction = action;
    this.lastEnd = end;
    this.makespan = Math.max(this.makespan, end);
    return { start, end };
  }

  /**
   * Whether every later step would start no later after this prefix than after `other` (same facts and rule
   * bookkeeping assumed): every time this builder tracks is at most the other's. Unset first-before times count
   * as "not yet" and must match.
   */
  dominates(other: ScheduleBuilder): boolean {
    if (this.makespan > other.makespan) return false;
    if (this.model.immediately.size > 0 && (this.lastAction !== other.lastAction || this.lastEnd > other.lastEnd)) return false;
    const x = this.times;
    const y = other.times;
    const facts = 4 * this.n;
    for (let i = 0; i < facts; i++) if (x[i]! > y[i]!) return false;
    for (let i = facts; i < x.length; i++) if (x[i]! < 0 !== y[i]! < 0 || x[i]! > y[i]!) return false;
    for (const [owner, t] of this.owners) if (t > (other.owners.get(owner) ?? 0)) return false;
    return true;
  }

  /** When the latest step so far that adds `fact` ended (0 when none did): a later step needing it links there. */
  addedAt(fact: number): number {
    return this.times[fact] ?? 0;
  }
}

export function schedulePlan(plan: Plan, target: PlanTarget): Schedule {
  const model = new ScheduleModel(target);
  const people = new People(target.set);
  const builder = new ScheduleBuilder(model);
  const steps = plan.steps.map((s, i): ScheduledStep => {
    const owner = people.resource(people.identify(s.owner, s.action), i + 1);
    return { step: i + 1, action: s.action, owner, ...builder.append(s.action, owner) };
  });
  return { steps, makespan: builder.makespan };
}

/**
 * What a person sees of a plan's schedule: each step's action, who does it and when. Two plans with one key are one
 * plan in a different order (a reordering that changes nothing), however their step lists differ.
 */
export function scheduleKey(plan: Plan, target: PlanTarget): string {
  return schedulePlan(plan, target)
    .steps.map((s) => `${s.action}/${s.owner}@${s.start}-${s.end}`)
    .sort()
    .join('|');
}

/** `2d 6h`, `1h 30m`, `45m`, `0m` (a day is 24 hours). */
export function formatDuration(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0m';
}

/** One text line per step: number, action, a bar `width` characters wide over the makespan, start and end. */
export function ganttLines(schedule: Schedule, width: number): string[] {
  const cols = Math.max(1, Math.floor(width));
  const name = Math.max(0, ...schedule.steps.map((s) => s.action.length));
  const span = schedule.makespan;
  return schedule.steps.map((s) => {
    let from = span > 0 ? Math.floor((s.start / span) * cols) : 0;
    let to = span > 0 ? Math.ceil((s.end / span) * cols) : 0;
    if (s.end > s.start && to <= from) to = from + 1;
    from = Math.min(from, cols);
    to = Math.min(Math.max(to, from), cols);
    const bar = '·'.repeat(from) + '█'.repeat(to - from) + '·'.repeat(cols - to);
    return `${String(s.step).padStart(3)} ${s.action.padEnd(name)}  ${bar}  +${formatDuration(s.start)} → +${formatDuration(s.end)}`;
  });
}
