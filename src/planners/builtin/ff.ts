// The FF heuristic (Hoffmann & Nebel 2001) over a compiled domain: a relaxed planning graph built layer by layer with
// precondition counters (delete effects, mutexes and immediately-after ignored), a relaxed plan extracted backwards
// from the goal, its length as the estimate, and its steps applicable now as preferred operators ("helpful actions").
// Not admissible: the satisficing search uses it to find a first plan fast; proofs stay with h_max (domain.ts).
import type { Domain, Op } from './domain.js';

/** Fact-to-operator indexes built once per domain, so each evaluation touches only what the state reaches. */
export class RelaxedIndex {
  /** Operators having each fact as a precondition. */
  readonly consumers: number[][];
  /** Operators without preconditions (reached in every state). */
  readonly free: number[];
  /** Distinct preconditions of each operator. */
  readonly preCount: Int32Array;
  readonly ops: readonly Op[];
  readonly goal: readonly number[];
  readonly nFacts: number;

  constructor(domain: Domain, ops: readonly Op[] = domain.ops) {
    this.ops = ops;
    this.goal = domain.goal;
    this.nFacts = domain.nFacts;
    this.consumers = Array.from({ length: domain.nFacts }, () => []);
    this.free = [];
    this.preCount = new Int32Array(ops.length);
    ops.forEach((op, i) => {
      const pre = [...new Set(op.pre)];
      this.preCount[i] = pre.length;
      if (pre.length === 0) this.free.push(i);
      for (const p of pre) this.consumers[p]!.push(i);
    });
  }
}

export interface FFResult {
  /** Steps of the relaxed plan; Infinity when the goal is unreachable even ignoring deletes (a dead end). */
  h: number;
  /** Operators (indexes into the index's ops) of the relaxed plan that are applicable in the state. */
  preferred: number[];
}

/**
 * h_add costs from `state` by a generalised Dijkstra over integer costs (a bucket per cost): each reached fact's
 * cost and its best supporter (the operator reaching it cheapest; -1: held now), and each operator's cost (0: all
 * preconditions hold now). Undefined when some goal fact is unreachable.
 */
function explore(index: RelaxedIndex, state: Uint8Array): { layer: Int32Array; achiever: Int32Array; opLayer: Int32Array } | undefined {
  const { ops, consumers, nFacts, goal } = index;
  const layer = new Int32Array(nFacts).fill(-1);
  const achiever = new Int32Array(nFacts).fill(-1);
  const opLayer = new Int32Array(ops.length).fill(-1);
  const waiting = index.preCount.slice();
  const opCost = new Int32Array(ops.length);
  const done = new Uint8Array(nFacts);
  const buckets: number[][] = [[]];
  const offer = (f: number, c: number, by: number) => {
    if (layer[f] !== -1 && layer[f]! <= c) return;
    layer[f] = c;
    achiever[f] = by;
    (buckets[c] ??= []).push(f);
  };
  const fire = (o: number) => {
    opLayer[o] = opCost[o]!;
    for (const a of ops[o]!.add) offer(a, opCost[o]! + 1, o);
  };
  for (let f = 0; f < nFacts; f++) if (state[f]) offer(f, 0, -1);
  for (const o of index.free) fire(o);
  let goalsLeft = goal.length;
  for (let c = 0; c < buckets.length && goalsLeft > 0; c++) {
    for (const f of buckets[c] ?? []) {
      if (done[f] || layer[f] !== c) continue;
      done[f] = 1;
      if (goal.includes(f)) goalsLeft--;
      for (const o of consumers[f]!) {
        opCost[o] = opCost[o]! + c;
        if (--waiting[o]! === 0) fire(o);
      }
    }
  }
  return goalsLeft > 0 ? undefined : { layer, achiever, opLayer };
}

/** h_FF of `state` with its helpful actions. */
export function ffEstimate(index: RelaxedIndex, state: Uint8Array): FFResult {
  const graph = explore(index, state);
  if (!graph) return { h: Infinity, preferred: [] };
  const { layer, achiever, opLayer } = graph;
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
    if (opLayer[o] === 0) preferred.push(o);
    for (const p of index.ops[o]!.pre) if (layer[p]! > 0 && !marked[p]) stack.push(p);
  }
  return { h, preferred };
}
