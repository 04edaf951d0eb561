// The procedure compiled for the built-in planner's searches: numbered facts, operators with every rule turned into
// bookkeeping (done-flags for ordering and required actions, the last step for immediately-after, mutexes where
// segregated actions cannot fall to different people), and the owner each action's steps get.
import { normalName, People } from '../../procedures/people.js';
import type { PlanTarget, Rule, SegregationRule } from '../../procedures/types.js';

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
function choicesFor(target: PlanTarget, people: People, fixed: Map<string, Rule[]>, id: string): string[] {
  const fixedTo = fixed.get(id)?.[0];
  if (fixedTo?.kind === 'owner' && people.identify(fixedTo.owner, id).person) return [fixedTo.owner];
  const role = fixedTo?.kind === 'owner' ? fixedTo.owner : target.set.actions.find((a) => a.id === id)?.role;
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
): { owners: Map<string, string>; conflicts: { rule: Rule; fixed: Rule[] }[]; disagreements: Map<string, Rule[]> } {
  const people = new People(target.set);
  const fixed = new Map<string, Rule[]>();
  for (const r of rules) if (r.kind === 'owner') fixed.set(r.action, [...(fixed.get(r.action) ?? []), r]);
  const disagreements = new Map<string, Rule[]>();
  for (const [action, rs] of fixed) if (new Set(rs.map((r) => r.kind === 'owner' && normalName(r.owner))).size > 1) disagreements.set(action, rs);
  const choices = new Map(target.set.actions.map((a) => [a.id, choicesFor(target, people, fixed, a.id)]));
  const owners = new Map([...choices].map(([id, c]) => [id, c[0]!]));
  const same = (a: string, b: string) => people.mayBeSame(people.identify(owners.get(a), a), people.identify(owners.get(b), b));
  const segregated = rules.filter((r): r is SegregationRule => r.kind === 'segregation');
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
  const conflicts = segregated.filter((r) => owners.has(r.actions[0]) && owners.has(r.actions[1]) && same(...r.actions));
  return {
    owners,
    conflicts: conflicts.map((rule) => ({ rule, fixed: [...(fixed.get(rule.actions[0]) ?? []), ...(fixed.get(rule.actions[1]) ?? [])] })),
    disagreements,
  };
}

export function compileDomain(target: PlanTarget, opts: DomainOptions): Domain {
  const { set, goal } = target;
  const rules = opts.rules;
  const banned = new Set([...rules.flatMap((r) => (r.kind === 'forbidden' ? [r.action] : [])), ...(opts.avoid ?? [])]);
  const mustDo = new Set([...rules.flatMap((r) => (r.kind === 'required' ? [r.action] : [])), ...(opts.require ?? [])]);
  const { owners, conflicts, disagreements } = ownersFor(target, rules);
  const ids = new Map<string, number>();
  const fact = (f: string): number => {
    const known = ids.get(f);
    if (known !== undefined) return known;
    ids.set(f, ids.size);
    return ids.size - 1;
  };
  const done = (a: string) => fact(`\u0000done:${a}`);
  const tracked = new Set<string>(mustDo);
  for (const r of rules) if (r.kind === 'ordering') tracked.add(r.before);
  const mutexOf = new Map<string, string[]>();
  for (const { rule } of conflicts) {
    if (rule.kind !== 'segregation') continue;
    const [a, b] = rule.actions;
    mutexOf.set(a, [...(mutexOf.get(a) ?? []), b]);
    mutexOf.set(b, [...(mutexOf.get(b) ?? []), a]);
    tracked.add(a).add(b);
  }
  const unusable = new Map<string, string>();
  for (const [action, rs] of disagreements) unusable.set(action, `owner rules ${rs.map((r) => r.id).join(' and ')} give ${action} different owners`);
  const lastMatters = new Set<string>();
  const afterOf = new Map<string, string[]>();
  for (const r of rules) {
    if (r.kind !== 'immediately-after') continue;
    lastMatters.add(r.after);
    afterOf.set(r.action, [...new Set([...(afterOf.get(r.action) ?? []), r.after])]);
  }
  for (const [action, afters] of afterOf)
    if (afters.length > 1) unusable.set(action, `immediately-after rules want ${action} right after both ${afters.join(' and ')}`);
  const ops: Op[] = [];
  for (const a of set.actions) {
    if (banned.has(a.id) || unusable.has(a.id)) continue;
    const pre = a.requires.map(fact);
    const add = a.provides.map(fact);
    for (const r of rules) if (r.kind === 'ordering' && r.after === a.id) pre.push(done(r.before));
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
  const maxSteps = Math.min(Infinity, ...rules.flatMap((r) => (r.kind === 'max-steps' ? [r.max] : [])));
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
  const next = state.slice();
  for (const d of op.del) next[d] = 0;
  for (const a of op.add) next[a] = 1;
  return next;
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
