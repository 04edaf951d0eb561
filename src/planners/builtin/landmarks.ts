// Fact landmarks and the landmark-count heuristic, after LAMA (Richter & Westphal 2010) with the landmarks of Zhu &
// Givan (2003): a fact is a landmark of the goal when every relaxed plan (deletes, mutexes and immediately-after
// ignored) makes it true; as every real plan is a relaxed plan, every real plan does too. A state's estimate counts the
// landmarks its path has not yet reached (accepted) plus the reached ones it needs again (goal facts it lost, and facts
// every first achiever of a still missing landmark needs). A landmark is accepted only after those ordered before it:
// the ones it needs, and (LAMA's reasonable orderings) the ones whose achievement would undo a goal reached too early,
// judged with exclusive fact pairs found by a cheap invariant fixpoint. Not admissible: the satisficing search
// alternates it with FF.
import type { Domain } from './domain.js';
import { exclusivePairs } from '../../procedures/invariants.js';
import type { RelaxedIndex } from './ff.js';

/** The landmarks of one domain's goal from its start, with what the estimate needs of them. */
export interface Landmarks {
  /** Landmark facts; a landmark's number is its index here. */
  facts: number[];
  /** Each landmark's facts, any of which reaches it: the fact landmark's own, then disjunctive ones (after `facts`). */
  members: number[][];
  /** Landmarks true at some point before each one is first reached (their acceptance waits for these). */
  before: number[][];
  /** Landmarks whose missing reach makes each accepted one needed again (it is a precondition of all their achievers). */
  neededBy: number[][];
  /** Landmarks that are goal facts. */
  goal: Uint8Array;
  /** Operators adding each landmark. */
  achievers: number[][];
}

const words = (n: number) => (n + 31) >>> 5;
const withFact = (set: Uint32Array, f: number) => {
  set[f >>> 5]! |= 1 << (f & 31);
  return set;
};
const has = (set: Uint32Array, f: number) => (set[f >>> 5]! & (1 << (f & 31))) !== 0;

/** `into` := the union of the labels of `facts`; false when one of them is unreached. */
function unionOf(facts: readonly number[], label: (Uint32Array | null)[], into: Uint32Array): boolean {
  into.fill(0);
  for (const p of facts) {
    const l = label[p];
    if (!l) return false;
    for (let i = 0; i < into.length; i++) into[i]! |= l[i]!;
  }
  return true;
}

/**
 * Zhu & Givan's labels: for every fact reachable from the start, the facts true in every relaxed plan before it holds
 * (itself included), as the greatest fixpoint of label(f) = {f} ∪ ⋂ over f's achievers of ⋃ label(precondition).
 */
function labels(index: RelaxedIndex, init: readonly number[]): (Uint32Array | null)[] {
  const w = words(index.nFacts);
  const label: (Uint32Array | null)[] = new Array(index.nFacts).fill(null);
  for (const f of init) label[f] = withFact(new Uint32Array(w), f);
  const union = new Uint32Array(w);
  for (let changed = true; changed; ) {
    changed = false;
    for (const op of index.ops) {
      if (!unionOf(op.pre, label, union)) continue;
      for (const a of op.add) {
        const current = label[a];
        if (!current) {
          label[a] = withFact(union.slice(), a);
          changed = true;
          continue;
        }
        const bit = 1 << (a & 31);
        for (let i = 0; i < w; i++) {
          const next = (current[i]! & (union[i]! | (i === a >>> 5 ? bit : 0))) >>> 0;
          if (next !== current[i]) {
            current[i] = next;
            changed = true;
          }
        }
      }
    }
  }
  return label;
}

/** Facts reachable from the start, deletes ignored, without any operator that makes `banned` true. */
function reachableWithout(index: RelaxedIndex, init: readonly number[], banned: number): Uint8Array {
  const reached = new Uint8Array(index.nFacts);
  const waiting = index.preCount.slice();
  const queue: number[] = [];
  const reach = (f: number) => {
    if (reached[f]) return;
    reached[f] = 1;
    queue.push(f);
  };
  const fire = (o: number) => {
    if (!index.ops[o]!.add.includes(banned)) index.ops[o]!.add.forEach(reach);
  };
  init.forEach(reach);
  index.free.forEach(fire);
  for (let f = queue.pop(); f !== undefined; f = queue.pop()) for (const o of index.consumers[f]!) if (--waiting[o]! === 0) fire(o);
  return reached;
}

/** A landmark's possible first achievers: those applicable, relaxed, before it was ever true (none when true at the start). */
function firstAchievers(index: RelaxedIndex, init: readonly number[], fact: number, achievers: readonly number[]): number[] {
  if (init.includes(fact)) return [];
  const before = reachableWithout(index, init, fact);
  return achievers.filter((o) => index.ops[o]!.pre.every((p) => before[p]));
}

/** Facts every possible first achiever of a landmark needs (RHW's greedy-necessary predecessors). */
function sharedNeeds(ops: RelaxedIndex['ops'], first: readonly number[]): number[] {
  if (first.length === 0) return [];
  return [...new Set(ops[first[0]!]!.pre)].filter((p) => first.every((o) => ops[o]!.pre.includes(p)));
}

/** Largest disjunctive landmark kept (larger ones say little and cost a check of each member per state). */
const MAX_DISJUNCTION = 8;

/**
 * RHW's disjunctive landmarks, one level deep: for each first achievers of a fact landmark, the facts of one predicate
 * among their preconditions, when every first achiever needs one of them (a crate that must change place is in some
 * truck). Sets of two or more facts, none a fact landmark nor true at the start, each with the landmark needing it.
 */
function disjunctions(names: readonly string[], ops: RelaxedIndex['ops'], first: number[][], isLandmark: (f: number) => boolean, init: Set<number>) {
  const predicate = (f: number) => names[f]!.slice(0, names[f]!.indexOf(' ') + 1 || undefined);
  const found = new Map<string, { members: number[]; neededBy: number[] }>();
  first.forEach((achievers, m) => {
    if (achievers.length < 2) return;
    const preds = new Set(ops[achievers[0]!]!.pre.filter((p) => !isLandmark(p)).map(predicate));
    for (const pred of preds) {
      const members = new Set<number>();
      const everyOne = achievers.every((o) => {
        const these = ops[o]!.pre.filter((p) => predicate(p) === pred && !isLandmark(p));
        these.forEach((p) => members.add(p));
        return these.length > 0;
      });
      if (!everyOne || members.size < 2 || members.size > MAX_DISJUNCTION || [...members].some((p) => init.has(p))) continue;
      const sorted = [...members].sort((a, b) => a - b);
      const key = sorted.join(',');
      const known = found.get(key) ?? { members: sorted, neededBy: [] };
      known.neededBy.push(m);
      found.set(key, known);
    }
  });
  return [...found.values()];
}

/** Facts other than `fact` that every one of `achievers` adds. */
function sharedAdds(achievers: readonly number[], ops: RelaxedIndex['ops'], fact: number): number[] {
  if (achievers.length === 0) return [];
  let shared = ops[achievers[0]!]!.add.filter((e) => e !== fact);
  for (let k = 1; k < achievers.length && shared.length > 0; k++) {
    const add = ops[achievers[k]!]!.add;
    shared = shared.filter((e) => add.includes(e));
  }
  return shared;
}

/**
 * LAMA's reasonable orderings (Hoffmann, Porteous & Sebastia 2004, as Fast Downward approximates them): landmark A
 * comes before B when achieving A would undo B (A interferes with B: they are exclusive, every achiever of A deletes
 * B, every achiever of A also adds a fact exclusive with B, or a fact every first achiever of A needs is exclusive
 * with B), for B a goal and A any landmark, and for B a fact some landmark C needs first and A a landmark C needs
 * anyway (ordered before C) or one of those A's predecessors. Not where B must come first anyway; mutual ones are
 * dropped (neither could be accepted first).
 */
function reasonableOrders(
  lm: Omit<Landmarks, 'before' | 'neededBy' | 'members'>,
  label: number[][],
  needs: number[][],
  exclusive: Uint32Array[],
  ops: RelaxedIndex['ops'],
): number[][] {
  const interferes = (ai: number, b: number): boolean => {
    const a = lm.facts[ai]!;
    const achievers = lm.achievers[ai]!;
    return (
      has(exclusive[b]!, a) ||
      (achievers.length > 0 && achievers.every((o) => ops[o]!.del.includes(b))) ||
      sharedAdds(achievers, ops, a).some((e) => e !== b && has(exclusive[b]!, e)) ||
      needs[ai]!.some((x) => has(exclusive[b]!, x))
    );
  };
  const into = lm.facts.map(() => new Set<number>());
  const candidates = lm.facts.map(() => new Set<number>());
  lm.facts.forEach((_, bi) => {
    if (lm.goal[bi]) lm.facts.forEach((_, ai) => candidates[bi]!.add(ai));
  });
  candidates.forEach((as, bi) => {
    for (const ai of as) if (ai !== bi && !label[ai]!.includes(bi) && interferes(ai, lm.facts[bi]!)) into[bi]!.add(ai);
  });
  return into.map((parents, bi) => [...parents].filter((ai) => !into[ai]!.has(bi)));
}

/** The goal's fact landmarks with their orderings; none when some goal fact is unreachable even relaxed. */
export function findLandmarks(domain: Domain, index: RelaxedIndex): Landmarks {
  const label = labels(index, domain.init);
  const none: Landmarks = { facts: [], members: [], before: [], neededBy: [], goal: new Uint8Array(0), achievers: [] };
  if (domain.goal.some((g) => !label[g])) return none;
  const all = new Uint32Array(words(index.nFacts));
  for (const g of domain.goal) label[g]!.forEach((x, i) => (all[i]! |= x));
  const facts: number[] = [];
  for (let f = 0; f < index.nFacts; f++) if (has(all, f)) facts.push(f);
  const number = new Map(facts.map((f, i) => [f, i]));
  const achievers = facts.map(() => [] as number[]);
  index.ops.forEach((op, o) => {
    if (!op.pre.every((p) => label[p])) return;
    for (const a of op.add) if (number.has(a)) achievers[number.get(a)!]!.push(o);
  });
  const goal = new Uint8Array(facts.length);
  for (const g of domain.goal) goal[number.get(g)!] = 1;
  const natural = facts.map((m) => facts.flatMap((l, i) => (l !== m && has(label[m]!, l) ? [i] : [])));
  const first = facts.map((f, i) => firstAchievers(index, domain.init, f, achievers[i]!));
  const needs = first.map((os) => sharedNeeds(index.ops, os));
  const neededBy = facts.map(() => [] as number[]);
  needs.forEach((ps, m) => ps.forEach((p) => number.has(p) && neededBy[number.get(p)!]!.push(m)));
  const exclusive = exclusivePairs(index.nFacts, index.ops, domain.init);
  const reasonable = reasonableOrders({ facts, goal, achievers }, natural, needs, exclusive, index.ops);
  const before = natural.map((n, i) => [...new Set([...n, ...reasonable[i]!])]);
  const members = facts.map((f) => [f]);
  const isGoal = [...goal];
  for (const d of disjunctions(domain.factNames, index.ops, first, (f) => number.has(f), new Set(domain.init))) {
    const l = members.length;
    members.push(d.members);
    before.push([]);
    neededBy.push(d.neededBy);
    isGoal.push(0);
    for (const m of d.neededBy) before[m]!.push(l);
  }
  return { facts, members, before, neededBy, goal: Uint8Array.from(isGoal), achievers };
}

/** Whether a fact of landmark `l` holds in `state`. */
function holds(members: readonly (readonly number[])[], l: number, state: Uint8Array): boolean {
  const fs = members[l]!;
  for (let k = 0; k < fs.length; k++) if (state[fs[k]!]) return true;
  return false;
}

/** The landmarks a path has reached, given its parent's (undefined at the start) and the state it is in now, written into `into`. */
export function acceptedIn(lm: Landmarks, parent: Uint8Array | undefined, state: Uint8Array, into: Uint8Array = new Uint8Array(lm.members.length)): Uint8Array {
  const { members, before } = lm;
  if (!parent) {
    for (let i = 0; i < members.length; i++) into[i] = holds(members, i, state) ? 1 : 0;
    return into;
  }
  into.set(parent);
  for (let i = 0; i < members.length; i++) if (!parent[i] && holds(members, i, state) && allIn(before[i]!, parent)) into[i] = 1;
  return into;
}

/** Whether every landmark of `ls` is marked in `marks` (a plain loop: it runs for every landmark of every state). */
function allIn(ls: readonly number[], marks: Uint8Array): boolean {
  for (const l of ls) if (!marks[l]) return false;
  return true;
}

/** The landmark count of a state: landmarks not reached, plus reached ones needed again. */
export function landmarkCount(lm: Landmarks, accepted: Uint8Array, state: Uint8Array): number {
  const { members, goal, neededBy } = lm;
  let h = 0;
  for (let i = 0; i < members.length; i++) {
    if (!accepted[i]) h++;
    else if (!holds(members, i, state) && (goal[i] || !allIn(neededBy[i]!, accepted))) h++;
  }
  return h;
}
