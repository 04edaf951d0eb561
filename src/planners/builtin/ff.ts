// The FF heuristic (Hoffmann & Nebel 2001) over a compiled domain: a relaxed planning graph built layer by layer with
// precondition counters (delete effects, mutexes and immediately-after ignored), a relaxed plan extracted backwards
// from the goal, its length as the estimate, and its steps applicable now as preferred operators ("helpful actions").
// Not admissible: the satisficing search uses it to find a first plan fast; proofs stay with h_max (domain.ts).
import type { Domain, Op } from './domain.js';

/**
 * Fact-to-operator indexes built once per domain, so each evaluation touches only what the state reaches, and the
 * evaluation's working arrays (reused: one search evaluates thousands of states, one at a time).
 */
export class RelaxedIndex {
  /** Operators having each fact as a precondition. */
  readonly consumers: number[][];
  /** Operators without preconditions (reached in every state). */
  readonly free: number[];
  /** Distinct preconditions of each operator. */
  readonly preCount: Int32Array;
  readonly ops: readonly Op[];
  readonly goal: readonly number[];
  readonly isGoal: Uint8Array;
  readonly nFacts: number;
  /** `consumers` and each operator's add effects flattened (fact f's consumers at consumerAt[f] .. consumerAt[f + 1]). */
  readonly consumerAt: Int32Array;
  readonly consumerOps: Int32Array;
  readonly addAt: Int32Array;
  readonly addFacts: Int32Array;
  /** Per fact: h_add cost (-1: unreached), best supporter (-1: held now), settled; per operator: cost, missing preconditions. */
  readonly layer: Int32Array;
  readonly achiever: Int32Array;
  readonly done: Uint8Array;
  readonly opCost: Int32Array;
  readonly waiting: Int32Array;
  /** Facts by cost, the Dijkstra's buckets (emptied at each evaluation). */
  readonly buckets: number[][] = [];

  constructor(domain: Domain, ops: readonly Op[] = domain.ops) {
    this.ops = ops;
    this.goal = domain.goal;
    this.nFacts = domain.nFacts;
    this.isGoal = new Uint8Array(domain.nFacts);
    for (const g of domain.goal) this.isGoal[g] = 1;
    this.consumers = Array.from({ length: domain.nFacts }, () => []);
    this.free = [];
    this.preCount = new Int32Array(ops.length);
    ops.forEach((op, i) => {
      const pre = [...new Set(op.pre)];
      this.preCount[i] = pre.length;
      if (pre.length === 0) this.free.push(i);
      for (const p of pre) this.consumers[p]!.push(i);
    });
    [this.consumerAt, this.consumerOps] = flatten(this.consumers);
    [this.addAt, this.addFacts] = flatten(ops.map((op) => op.add));
    this.layer = new Int32Array(domain.nFacts);
    this.achiever = new Int32Array(domain.nFacts);
    this.done = new Uint8Array(domain.nFacts);
    this.opCost = new Int32Array(ops.length);
    this.waiting = new Int32Array(ops.length);
  }
}

/** Lists as one array and each list's start (the last start is the total length). */
function flatten(lists: readonly (readonly number[])[]): [Int32Array, Int32Array] {
  const at = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (at[i + 1] = at[i]! + l.length));
  return [at, Int32Array.from(lists.flat())];
}

export interface FFResult {
  /** Steps of the relaxed plan; Infinity when the goal is unreachable even ignoring deletes (a dead end). */
  h: number;
  /** Operators (indexes into the index's ops) of the relaxed plan that are applicable in the state. */
  preferred: number[];
  /** Operators whose preconditions all hold in the state (mutexes and immediately-after not checked); none at a dead end. */
  enabled: number[];
}

/**
 * h_add costs from `state` by a generalised Dijkstra over integer costs (a bucket per cost), into the index's arrays:
 * each reached fact's cost and its best supporter (the operator reaching it cheapest; -1: held now), and each
 * operator's cost. Returns the operators enabled now (cost 0), or undefined when some goal fact is unreachable.
 * Written as plain loops over flat arrays: it is most of the satisficing search's time.
 */
function explore(index: RelaxedIndex, state: Uint8Array): number[] | undefined {
  const { consumerAt, consumerOps, addAt, addFacts, nFacts, isGoal, layer, achiever, done, opCost, waiting, buckets } = index;
  layer.fill(-1);
  done.fill(0);
  opCost.fill(0);
  waiting.set(index.preCount);
  for (const b of buckets) if (b) b.length = 0;
  const enabled: number[] = [];
  let top = 0;
  const fire = (o: number) => {
    const c = opCost[o]! + 1;
    if (c === 1) enabled.push(o);
    for (let k = addAt[o]!; k < addAt[o + 1]!; k++) {
      const a = addFacts[k]!;
      if (layer[a] !== -1 && layer[a]! <= c) continue;
      layer[a] = c;
      achiever[a] = o;
      (buckets[c] ??= []).push(a);
      if (c > top) top = c;
    }
  };
  const start = (buckets[0] ??= []);
  for (let f = 0; f < nFacts; f++) {
    if (!state[f]) continue;
    layer[f] = 0;
    achiever[f] = -1;
    start.push(f);
  }
  for (const o of index.free) fire(o);
  let goalsLeft = index.goal.length;
  // Cost 0 (the facts held now) is always settled whole, so `enabled` is complete even when the goal holds.
  for (let c = 0; c <= top && (goalsLeft > 0 || c === 0); c++) {
    const bucket = buckets[c];
    if (!bucket) continue;
    for (let i = 0; i < bucket.length; i++) {
      const f = bucket[i]!;
      if (done[f] || layer[f] !== c) continue;
      done[f] = 1;
      if (isGoal[f]) goalsLeft--;
      for (let k = consumerAt[f]!; k < consumerAt[f + 1]!; k++) {
        const o = consumerOps[k]!;
        opCost[o]! += c;
        if (--waiting[o]! === 0) fire(o);
      }
    }
  }
  return goalsLeft > 0 ? undefined : enabled;
}

/** h_FF of `state` with its helpful actions and the operators enabled in it. */
export function ffEstimate(index: RelaxedIndex, state: Uint8Array): FFResult {
  const enabled = explore(index, state);
  if (!enabled) return { h: Infinity, preferred: [], enabled: [] };
  const { layer, achiever, opCost } = index;
  const chosen = new Uint8Array(index.ops.length);
  const marked = new Uint8Array(index.nFacts);
  const preferred: number[] = [];
  let h = 0;
  const stack = index.goal.filter((g) => layer[g]! > 0);
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (marked[f]) continue;
    marked[f] = 1;
    const o = achiever[f]!;
    if (chosen[o]) continue;
    chosen[o] = 1;
    h++;
    if (opCost[o] === 0) preferred.push(o);
    for (const p of index.ops[o]!.pre) if (layer[p]! > 0 && !marked[p]) stack.push(p);
  }
  return { h, preferred, enabled };
}
