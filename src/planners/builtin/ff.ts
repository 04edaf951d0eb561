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
  /** Per fact: h_add cost (-1: unreached), best supporter (-1: held now); per operator: cost, missing preconditions. */
  readonly layer: Int32Array;
  readonly achiever: Int32Array;
  readonly opCost: Int32Array;
  readonly waiting: Int32Array;
  /** Dijkstra's buckets (facts by cost, reset at each evaluation). */
  readonly queue: BucketQueue;
  /** The relaxed plan's marks (operators chosen, facts handled), cleared after each extraction. */
  readonly chosen: Uint8Array;
  readonly marked: Uint8Array;

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
    this.opCost = new Int32Array(ops.length);
    this.waiting = new Int32Array(ops.length);
    this.queue = new BucketQueue(domain.nFacts + this.addFacts.length);
    this.chosen = new Uint8Array(ops.length);
    this.marked = new Uint8Array(domain.nFacts);
  }
}

/**
 * Facts by integer cost, first in first out within a cost, as linked lists over a fixed pool (every operator fires at
 * most once per evaluation, so the facts held plus all add effects bound the pushes): no allocation per evaluation.
 */
class BucketQueue {
  readonly fact: Int32Array;
  readonly next: Int32Array;
  head = new Int32Array(64).fill(-1);
  tail = new Int32Array(64).fill(-1);
  /** Highest cost pushed since the reset. */
  top = 0;
  private used = 0;

  constructor(capacity: number) {
    this.fact = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  reset(): void {
    this.head.fill(-1, 0, this.top + 1);
    this.tail.fill(-1, 0, this.top + 1);
    this.top = 0;
    this.used = 0;
  }

  push(f: number, c: number): void {
    if (c >= this.head.length) this.grow(c);
    const e = this.used++;
    this.fact[e] = f;
    this.next[e] = -1;
    const t = this.tail[c]!;
    if (t < 0) this.head[c] = e;
    else this.next[t] = e;
    this.tail[c] = e;
    if (c > this.top) this.top = c;
  }

  private grow(c: number): void {
    const size = Math.max(c + 1, this.head.length * 2);
    const head = new Int32Array(size).fill(-1);
    const tail = new Int32Array(size).fill(-1);
    head.set(this.head);
    tail.set(this.tail);
    this.head = head;
    this.tail = tail;
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

/** Fires operator `o` at its cost: each add effect reached cheaper than before gets `o` as best supporter and is queued. */
function fire(index: RelaxedIndex, o: number, enabled: number[]): void {
  const { addAt, addFacts, layer, achiever, queue } = index;
  const c = index.opCost[o]! + 1;
  if (c === 1) enabled.push(o);
  for (let k = addAt[o]!, end = addAt[o + 1]!; k < end; k++) {
    const a = addFacts[k]!;
    if (layer[a] !== -1 && layer[a]! <= c) continue;
    layer[a] = c;
    achiever[a] = o;
    queue.push(a, c);
  }
}

/**
 * h_add costs from `state` by a generalised Dijkstra over integer costs (a bucket per cost), into the index's arrays:
 * each reached fact's cost and its best supporter (the operator reaching it cheapest; -1: held now), and each
 * operator's cost. Returns the operators enabled now (cost 0), or undefined when some goal fact is unreachable.
 * Written as plain loops over typed arrays without allocation: it is most of the satisficing search's time.
 */
function explore(index: RelaxedIndex, state: Uint8Array): number[] | undefined {
  const { consumerAt, consumerOps, nFacts, isGoal, layer, achiever, opCost, waiting, queue } = index;
  layer.fill(-1);
  opCost.fill(0);
  waiting.set(index.preCount);
  queue.reset();
  const enabled: number[] = [];
  for (let f = 0; f < nFacts; f++) {
    if (!state[f]) continue;
    layer[f] = 0;
    achiever[f] = -1;
    queue.push(f, 0);
  }
  for (const o of index.free) fire(index, o, enabled);
  let goalsLeft = index.goal.length;
  const { fact, next } = queue;
  // Cost 0 (the facts held now) is always settled whole, so `enabled` is complete even when the goal holds. A fact
  // fires operators at a higher cost only, so a bucket does not grow while it is read.
  for (let c = 0; c <= queue.top && (goalsLeft > 0 || c === 0); c++) {
    for (let e = queue.head[c]!; e >= 0; e = next[e]!) {
      const f = fact[e]!;
      // Queued again only when reached cheaper, so the entry at its final cost is the one settled, and only once.
      if (layer[f] !== c) continue;
      if (isGoal[f]) goalsLeft--;
      for (let k = consumerAt[f]!, end = consumerAt[f + 1]!; k < end; k++) {
        const o = consumerOps[k]!;
        opCost[o]! += c;
        if (--waiting[o]! === 0) fire(index, o, enabled);
      }
    }
  }
  return goalsLeft > 0 ? undefined : enabled;
}

/** h_FF of `state` with its helpful actions and the operators enabled in it. */
export function ffEstimate(index: RelaxedIndex, state: Uint8Array): FFResult {
  const enabled = explore(index, state);
  if (!enabled) return { h: Infinity, preferred: [], enabled: [] };
  const { layer, achiever, opCost, chosen, marked } = index;
  const preferred: number[] = [];
  const picked: number[] = [];
  let h = 0;
  const stack = index.goal.filter((g) => layer[g]! > 0);
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (marked[f]) continue;
    marked[f] = 1;
    const o = achiever[f]!;
    if (chosen[o]) continue;
    chosen[o] = 1;
    picked.push(o);
    h++;
    if (opCost[o] === 0) preferred.push(o);
    for (const p of index.ops[o]!.pre) if (layer[p]! > 0 && !marked[p]) stack.push(p);
  }
  for (const o of picked) {
    chosen[o] = 0;
    for (const p of index.ops[o]!.pre) marked[p] = 0;
  }
  for (const g of index.goal) marked[g] = 0;
  return { h, preferred, enabled };
}
