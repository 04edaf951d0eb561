// The procedure compiled for the built-in planner's searches: numbered facts, operators with every rule turned into
// bookkeeping (done-flags for ordering and required actions, the last step for immediately-after, mutexes where
// segregated actions cannot fall to different people), and the owner each action's steps get.
import { normalName, People } from '../../procedures/people.js';
import { planDemands } from '../../procedures/rules/index.js';
import type { PlanDemands } from '../../procedures/rules/kind.js';
import type { PlanTarget, Rule } from '../../procedures/types.js';

export interface Op {
  id: string;
  pre: number[];
  add: number[];
  del: number[];
  /** Every one of these actions must be the step right before (immediately-after rules). */
  after: string[];
  /** Done-flags of actions this one may never share a plan with (segregated, same fixed owner). */
  mutex: number[];
  /** Owner its steps get (see ownersFor). */
  owner: string;
  duration: number;
  cost: number;
  /** -ln(1 - risk): adds up where risks multiply. */
  riskWeight: number;
}

export interface Domain {
  ops: Op[];
  init: number[];
  /** Goal facts plus done-flags of required actions. */
  goal: number[];
  maxSteps: number;
  banned: Set<string>;
  mustDo: Set<string>;
  nFacts: number;
  /** Fact names by number (done-flags start with a NUL character). */
  factNames: string[];
  /** Actions some immediately-after rule names as `after`: the only last steps the search must remember. */
  lastMatters: Set<string>;
  /** Why an action can never be used although nothing forbids it (e.g. two owner rules disagree). */
  unusable: Map<string, string>;
}

/** An owner rule's demand: steps of `action` go to `owner`. */
type Owned = PlanDemands<Rule>['owners'][number];

export interface DomainOptions {
  /** Rules to obey (the planner leaves out warning rules when relaxing). */
  rules: Rule[];
  /** Actions never to use besides forbidden ones (memory lessons). */
  avoid?: string[];
  /** Actions to include besides required ones. */
  require?: string[];
}

/**
 * What a step of `id` may be owned by: an owner rule's person, else each roster holder of the role (the rule's, else
 * the action's) as "Name (role)", else that role.
 */
function choicesFor(target: PlanTarget, people: People, fixed: Map<string, Owned[]>, id: string): string[] {
  const fixedTo = fixed.get(id)?.[0];
  if (fixedTo && people.identify(fixedTo.owner, id).person) return [fixedTo.owner];
  const role = fixedTo ? fixedTo.owner : target.set.actions.find((a) => a.id === id)?.role;
  if (!role) return [`${id} owner`];
  const holders = people.holdersOf(role);
  return holders.length ? holders.map((p) => `${p} (${role})`) : [role];
}

/**
 * The owner each action's steps get, never invented: an owner rule's owner, else the action's role, or a roster
 * person holding it, chosen so segregated actions fall to different people where the roster allows. Segregated
 * pairs that still may be one person are returned as conflicts (the search keeps them out of one plan).
 */
export function ownersFor(
  target: PlanTarget,
  rules: Rule[],
): { owners: Map<string, string>; conflicts: { rule: Rule; actions: [string, string]; fixed: Rule[] }[]; disagreements: Map<string, Rule[]> } {
  const people = new People(target.set);
  const demands = planDemands(rules);
  const fixed = new Map<string, Owned[]>();
  for (const o of demands.owners) fixed.set(o.action, [...(fixed.get(o.action) ?? []), o]);
  const disagreements = new Map<string, Rule[]>();
  for (const [action, os] of fixed)
    if (new Set(os.map((o) => normalName(o.owner))).size > 1)
      disagreements.set(
        action,
        os.map((o) => o.rule),
      );
  const choices = new Map(target.set.actions.map((a) => [a.id, choicesFor(target, people, fixed, a.id)]));
  const owners = new Map([...choices].map(([id, c]) => [id, c[0]!]));
  const same = (a: string, b: string) => people.mayBeSame(people.identify(owners.get(a), a), people.identify(owners.get(b), b));
  const segregated = demands.apart;
  for (const { actions } of segregated) {
    const [a, b] = actions;
    // Try the other holders of b's role first, then of a's.
    for (const id of [b, a]) {
      for (const c of choices.get(id) ?? []) {
        if (!same(a, b)) break;
        owners.set(id, c);
      }
    }
  }
  // A later pair's choice may undo an earlier one: judge every pair on the final owners.
  const conflicts = segregated.filter(({ actions: [a, b] }) => owners.has(a) && owners.has(b) && same(a, b));
  const fixedBy = (action: string) => (fixed.get(action) ?? []).map((o) => o.rule);
  return {
    owners,
    conflicts: conflicts.map(({ rule, actions: [a, b] }) => ({ rule, actions: [a, b], fixed: [...fixedBy(a), ...fixedBy(b)] })),
    disagreements,
  };
}

/** Facts numbered as they are first named; done-flags (an action was done) are facts whose name starts with NUL. */
function factTable() {
  const ids = new Map<string, number>();
  const fact = (f: string): number => {
    const known = ids.get(f);
    if (known !== undefined) return known;
    ids.set(f, ids.size);
    return ids.size - 1;
  };
  return { ids, fact, done: (a: string) => fact(`\u0000done:${a}`) };
}

/** Immediately-after demands by action (the actions each must follow), and why an action that must follow two can never run. */
function rightAfterOf(demands: PlanDemands<Rule>, disagreements: Map<string, Rule[]>) {
  const unusable = new Map<string, string>();
  for (const [action, rs] of disagreements) unusable.set(action, `owner rules ${rs.map((r) => r.id).join(' and ')} give ${action} different owners`);
  const lastMatters = new Set<string>();
  const afterOf = new Map<string, string[]>();
  for (const [action, after] of demands.rightAfter) {
    lastMatters.add(after);
    afterOf.set(action, [...new Set([...(afterOf.get(action) ?? []), after])]);
  }
  for (const [action, afters] of afterOf)
    if (afters.length > 1) unusable.set(action, `immediately-after rules want ${action} right after both ${afters.join(' and ')}`);
  return { afterOf, lastMatters, unusable };
}

/** Segregated actions that may still fall to one person exclude each other; their done-flags are tracked. */
function mutexesOf(conflicts: { actions: [string, string] }[], tracked: Set<string>): Map<string, string[]> {
  const mutexOf = new Map<string, string[]>();
  for (const {
    actions: [a, b],
  } of conflicts) {
    mutexOf.set(a, [...(mutexOf.get(a) ?? []), b]);
    mutexOf.set(b, [...(mutexOf.get(b) ?? []), a]);
    tracked.add(a).add(b);
  }
  return mutexOf;
}

export function compileDomain(target: PlanTarget, opts: DomainOptions): Domain {
  const { set, goal } = target;
  const demands = planDemands(opts.rules);
  const banned = new Set([...demands.forbid, ...(opts.avoid ?? [])]);
  const mustDo = new Set([...demands.require, ...(opts.require ?? [])]);
  const { owners, conflicts, disagreements } = ownersFor(target, opts.rules);
  const { ids, fact, done } = factTable();
  const tracked = new Set<string>(mustDo);
  for (const [before] of demands.order) tracked.add(before);
  const mutexOf = mutexesOf(conflicts, tracked);
  const { afterOf, lastMatters, unusable } = rightAfterOf(demands, disagreements);
  const ops: Op[] = [];
  for (const a of set.actions) {
    if (banned.has(a.id) || unusable.has(a.id)) continue;
    const pre = a.requires.map(fact);
    const add = a.provides.map(fact);
    for (const [before, after] of demands.order) if (after === a.id) pre.push(done(before));
    if (tracked.has(a.id)) add.push(done(a.id));
    const risk = Math.min(a.risk ?? 0, 1 - 1e-12);
    ops.push({
      id: a.id,
      pre,
      add,
      del: a.removes.map(fact).filter((f) => !add.includes(f)),
      after: afterOf.get(a.id) ?? [],
      mutex: (mutexOf.get(a.id) ?? []).map(done),
      owner: owners.get(a.id) ?? a.id,
      duration: a.duration ?? 0,
      cost: a.cost ?? 0,
      riskWeight: -Math.log1p(-risk),
    });
  }
  const init = (goal.initial ?? set.initial).map(fact);
  const goalFacts = [...new Set([...goal.facts.map(fact), ...[...mustDo].map(done)])];
  const maxSteps = Math.min(Infinity, ...demands.maxSteps);
  return { ops, init, goal: goalFacts, maxSteps, banned, mustDo, nFacts: ids.size, factNames: [...ids.keys()], lastMatters, unusable };
}

/** Whether `op` may be the next step after `last` in a state holding `state`. */
export function applicable(op: Op, state: Uint8Array, last: string | undefined): boolean {
  for (const p of op.pre) if (!state[p]) return false;
  for (const m of op.mutex) if (state[m]) return false;
  for (const a of op.after) if (a !== last) return false;
  return true;
}

export function apply(op: Op, state: Uint8Array): Uint8Array {
  return applyInto(op, state, new Uint8Array(state.length));
}

/** `op` applied to `state`, written into `into` (a state of the same length; no allocation). */
export function applyInto(op: Op, state: Uint8Array, into: Uint8Array): Uint8Array {
  into.set(state);
  for (const d of op.del) into[d] = 0;
  for (const a of op.add) into[a] = 1;
  return into;
}

/** A search state's identity: its facts and, where an immediately-after rule cares, its last step. */
export function stateKey(domain: Domain, state: Uint8Array, last: string | undefined): string {
  return `${state.join('')}|${last !== undefined && domain.lastMatters.has(last) ? last : ''}`;
}

/**
 * h_max over an additive weight: for every fact, the cheapest way to reach it when delete effects, mutexes and
 * immediately-after are ignored, taking the costliest precondition; the goal's value is its costliest fact.
 * Admissible, so best-first searches stay optimal. `start` gives each fact's starting value (Infinity: unreached).
 * `meter` counts the operator visits (the effort budgets of the searches).
 */
export function relaxedBound(domain: Domain, ops: Op[], start: Float64Array, weight: (op: Op) => number, meter?: { work: number }): number {
  const v = start;
  for (let changed = true; changed; ) {
    changed = false;
    if (meter) meter.work += ops.length;
    for (const op of ops) {
      let c = 0;
      for (const p of op.pre) if (v[p]! > c) c = v[p]!;
      if (c === Infinity) continue;
      c += weight(op);
      for (const a of op.add) {
        if (c < v[a]!) {
          v[a] = c;
          changed = true;
        }
      }
    }
  }
  let h = 0;
  for (const g of domain.goal) if (v[g]! > h) h = v[g]!;
  return h;
}
