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

/** Builds the relaxed planning graph from `state`: each reached fact's layer and first achiever (-1: held now). */
function explore(index: RelaxedIndex, state: Uint8Array): { layer: Int32Array; achiever: Int32Array; opLayer: Int32Array } | undefined {
  const { ops, consumers, nFacts, goal } = index;
  const layer = new Int32Array(nFacts).fill(-1);
  const achiever = new Int32Array(nFacts).fill(-1);
  const opLayer = new Int32Array(ops.length).fill(-1);
  const waiting = index.preCount.slice();
  let frontier: number[] = [];
  for (let f = 0; f < nFacts; f++) {
    if (!state[f]) continue;
    layer[f] = 0;
    frontier.push(f);
  }
  let goalsLeft = goal.filter((g) => layer[g] !== 0).length;
  let ready = [...index.free];
  for (const f of frontier) for (const o of consumers[f]!) if (--waiting[o]! === 0) ready.push(o);
  for (let l = 0; goalsLeft > 0; l++) {
    if (ready.length === 0) return undefined;
    frontier = [];
    for (const o of ready) {
      opLayer[o] = l;
      for (const a of ops[o]!.add) {
        if (layer[a] !== -1) continue;
        layer[a] = l + 1;
        achiever[a] = o;
        frontier.push(a);
      }
    }
    for (const g of goal) if (layer[g] === l + 1) goalsLeft--;
    ready = [];
    for (const f of frontier) for (const o of consumers[f]!) if (--waiting[o]! === 0) ready.push(o);
  }
  return { layer, achiever, opLayer };
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
