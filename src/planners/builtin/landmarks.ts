// Fact landmarks and the landmark-count heuristic, after LAMA (Richter & Westphal 2010) with the landmarks of Zhu &
// Givan (2003): a fact is a landmark of the goal when every relaxed plan (deletes, mutexes and immediately-after
// ignored) makes it true; as every real plan is a relaxed plan, every real plan does too. A state's estimate counts the
// landmarks its path has not yet reached (accepted) plus the reached ones it needs again (goal facts it lost, and facts
// every first achiever of a still missing landmark needs). A landmark is accepted only after those ordered before it:
// the ones it needs, and (LAMA's reasonable orderings) the ones whose achievement would undo a goal reached too early,
// judged with exclusive fact pairs found by a cheap invariant fixpoint. Not admissible: the satisficing search
// alternates it with FF.
import type { Domain } from './domain.js';
import type { RelaxedIndex } from './ff.js';

/** The landmarks of one domain's goal from its start, with what the estimate needs of them. */
export interface Landmarks {
  /** Landmark facts; a landmark's number is its index here. */
  facts: number[];
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

/**
 * Pairs of facts never true together in a reachable state, as a bit row per fact: the greatest set of pairs, none both
 * true at the start, that every operator keeps (an operator making one fact true deletes the other, or needs a fact
 * paired with it, and does not make both true).
 */
function exclusivePairs(index: RelaxedIndex, init: readonly number[]): Uint32Array[] {
  const w = words(index.nFacts);
  const start = new Uint32Array(w);
  for (const f of init) withFact(start, f);
  const row = Array.from({ length: index.nFacts }, (_, f) => {
    const r = new Uint32Array(w).fill(0xffffffff);
    // Not paired with itself, nor with what holds beside it at the start.
    r[f >>> 5]! &= ~(1 << (f & 31));
    if (has(start, f)) for (let i = 0; i < w; i++) r[i]! &= ~start[i]!;
    return r;
  });
  const kept = new Uint32Array(w);
  for (let changed = true; changed; ) {
    changed = false;
    for (const op of index.ops) {
      // Facts the operator cannot leave true beside what it adds: those it deletes or its preconditions exclude.
      kept.fill(0);
      for (const d of op.del) withFact(kept, d);
      for (const p of op.pre) for (let i = 0; i < w; i++) kept[i]! |= row[p]![i]!;
      for (const a of op.add) for (const b of op.add) if (a !== b) kept[b >>> 5]! &= ~(1 << (b & 31));
      for (const a of op.add) {
        const r = row[a]!;
        for (let i = 0; i < w; i++) {
          const lost = (r[i]! & ~kept[i]!) >>> 0;
          if (lost === 0) continue;
          r[i] = (r[i]! & kept[i]!) >>> 0;
          changed = true;
          for (let b = 0; b < 32; b++) if (lost & (1 << b)) row[i * 32 + b]![a >>> 5]! &= ~(1 << (a & 31));
        }
      }
    }
  }
  return row;
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

/**
 * Facts every possible first achiever of a landmark needs (RHW's greedy-necessary predecessors): its achievers
 * applicable, relaxed, before the landmark was ever true; a landmark true at the start needs nothing.
 */
function firstNeeds(index: RelaxedIndex, init: readonly number[], fact: number, achievers: readonly number[]): number[] {
  if (init.includes(fact)) return [];
  const before = reachableWithout(index, init, fact);
  const first = achievers.filter((o) => index.ops[o]!.pre.every((p) => before[p]));
  if (first.length === 0) return [];
  return [...new Set(index.ops[first[0]!]!.pre)].filter((p) => first.every((o) => index.ops[o]!.pre.includes(p)));
}

/**
 * LAMA's reasonable orderings into goal landmarks: landmark A comes before goal B when achieving A would undo B (they
 * are exclusive, every achiever of A deletes B, or a fact every achiever of A needs is exclusive with B), unless B
 * must come first anyway. Mutual ones are dropped (neither could be accepted first).
 */
function reasonableOrders(
  lm: Omit<Landmarks, 'before' | 'neededBy'>,
  label: number[][],
  needs: number[][],
  exclusive: Uint32Array[],
  ops: RelaxedIndex['ops'],
): number[][] {
  const into = lm.facts.map(() => [] as number[]);
  lm.facts.forEach((b, bi) => {
    if (!lm.goal[bi]) return;
    lm.facts.forEach((a, ai) => {
      if (ai === bi || label[ai]!.includes(bi)) return;
      const achievers = lm.achievers[ai]!;
      const undoes =
        has(exclusive[b]!, a) || (achievers.length > 0 && achievers.every((o) => ops[o]!.del.includes(b))) || needs[ai]!.some((x) => has(exclusive[b]!, x));
      if (undoes) into[bi]!.push(ai);
    });
  });
  return into.map((parents, bi) => parents.filter((ai) => !into[ai]!.includes(bi)));
}

/** The goal's fact landmarks with their orderings; none when some goal fact is unreachable even relaxed. */
export function findLandmarks(domain: Domain, index: RelaxedIndex): Landmarks {
  const label = labels(index, domain.init);
  const none: Landmarks = { facts: [], before: [], neededBy: [], goal: new Uint8Array(0), achievers: [] };
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
  const needs = facts.map((f, i) => firstNeeds(index, domain.init, f, achievers[i]!));
  const neededBy = facts.map(() => [] as number[]);
  needs.forEach((ps, m) => ps.forEach((p) => number.has(p) && neededBy[number.get(p)!]!.push(m)));
  const exclusive = exclusivePairs(index, domain.init);
  const reasonable = reasonableOrders({ facts, goal, achievers }, natural, needs, exclusive, index.ops);
  const before = natural.map((n, i) => [...new Set([...n, ...reasonable[i]!])]);
  return { facts, before, neededBy, goal, achievers };
}

/** The landmarks a path has reached, given its parent's (undefined at the start) and the state it is in now, written into `into`. */
export function acceptedIn(lm: Landmarks, parent: Uint8Array | undefined, state: Uint8Array, into: Uint8Array = new Uint8Array(lm.facts.length)): Uint8Array {
  const { facts, before } = lm;
  if (!parent) {
    for (let i = 0; i < facts.length; i++) into[i] = state[facts[i]!]!;
    return into;
  }
  into.set(parent);
  for (let i = 0; i < facts.length; i++) if (!parent[i] && state[facts[i]!] && allIn(before[i]!, parent)) into[i] = 1;
  return into;
}

/** Whether every landmark of `ls` is marked in `marks` (a plain loop: it runs for every landmark of every state). */
function allIn(ls: readonly number[], marks: Uint8Array): boolean {
  for (const l of ls) if (!marks[l]) return false;
  return true;
}

/** The landmark count of a state: landmarks not reached, plus reached ones needed again. */
export function landmarkCount(lm: Landmarks, accepted: Uint8Array, state: Uint8Array): number {
  const { facts, goal, neededBy } = lm;
  let h = 0;
  for (let i = 0; i < facts.length; i++) {
    if (!accepted[i]) h++;
    else if (!state[facts[i]!] && (goal[i] || !allIn(neededBy[i]!, accepted))) h++;
  }
  return h;
}
