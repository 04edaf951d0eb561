// The built-in planner's satisficing search, after the structure of Fast Downward's lazy search as LAMA runs it:
// greedy best-first (or weighted A*) with two heuristics, FF and the landmark count, lazy evaluation (a successor is
// queued under its parent's estimates and evaluated only when taken from a queue) and preferred operators (the FF
// relaxed plan's helpful actions; the landmark count gives none, as in lama-first). Four queues, an open list per heuristic and
// one of preferred successors per heuristic, are taken from in turn; the preferred ones are boosted whenever either
// estimate reaches a new best. Rules stay obeyed: the domain compiles them (done-flags, mutexes, immediately-after,
// max-steps), and `applicable` checks them on every step.
import { applicable, applyInto, type Domain } from './domain.js';
import { ffEstimate, RelaxedIndex } from './ff.js';
import { Heap } from './heap.js';
import { acceptedIn, findLandmarks, landmarkCount, type Landmarks } from './landmarks.js';
import { Entries, Nodes } from './lazy-store.js';

export interface LazyOptions {
  /** Weight on the estimate: Infinity for greedy best-first (order by estimate alone), w for f = g + w·h. */
  weight: number;
  /** Evaluation budget counted in operator visits (each FF evaluation costs about the domain's size). */
  maxWork: number;
  /** Only plans shorter than this (an incumbent's length, when improving on it): deeper nodes are pruned. */
  bound?: number;
}

export type LazyResult = { found: true; actions: string[]; work: number } | { found: false; exhausted: boolean; work: number };

/** A state's identity: its facts packed sixteen to a character, and its last step where an immediately-after rule cares. */
function keyOf(domain: Domain, state: Uint8Array, last: string | undefined, chars: number[]): string {
  chars.length = 0;
  for (let i = 0; i < state.length; i += 16) {
    let b = 0;
    for (let k = 0; k < 16 && i + k < state.length; k++) if (state[i + k]) b |= 1 << k;
    chars.push(b);
  }
  return `${String.fromCharCode.apply(null, chars)}|${last !== undefined && domain.lastMatters.has(last) ? last : ''}`;
}

/** Boost the preferred queues get (in pops) each time a best estimate so far improves, as Fast Downward does. */
const BOOST = 1000;

/**
 * The estimates of node n (FF, then the landmark count), its preferred operators (FF's helpful actions), the operators
 * whose preconditions hold in it (in the domain's order); records the landmarks its path reached.
 */
function evaluate(index: RelaxedIndex, lm: Landmarks, nodes: Nodes, n: number): { h: [number, number]; preferred: number[]; enabled: number[] } {
  const state = nodes.state(n);
  const ff = ffEstimate(index, state);
  const parent = nodes.parent[n]!;
  const accepted = acceptedIn(lm, parent < 0 ? undefined : nodes.accepted(parent), state, nodes.accepted(n));
  return { h: [ff.h, landmarkCount(lm, accepted, state)], preferred: ff.preferred, enabled: ff.enabled.sort((a, b) => a - b) };
}

/** Four queues of entries taken from in turn: per heuristic all successors (even numbers) and the preferred ones (odd numbers). */
class Queues {
  readonly entries = new Entries();
  private readonly queues: Heap<number>[];
  private readonly priority: number[];

  constructor() {
    const e = this.entries;
    // Ties go to the entry queued first (entries are numbered in queue order).
    const byFF = (x: number, y: number) => e.ff[x]! < e.ff[y]! || (e.ff[x] === e.ff[y] && x < y);
    const byLM = (x: number, y: number) => e.lm[x]! < e.lm[y]! || (e.lm[x] === e.lm[y] && x < y);
    this.queues = [byFF, byFF, byLM, byLM].map((less) => new Heap<number>(less));
    this.priority = this.queues.map(() => 0);
  }

  push(parent: number, op: number, ff: number, lm: number, preferred: boolean): void {
    const e = this.entries.add(parent, op, ff, lm);
    const [byFF, preferredFF, byLM, preferredLM] = this.queues;
    byFF!.push(e);
    byLM!.push(e);
    if (!preferred) return;
    preferredFF!.push(e);
    preferredLM!.push(e);
  }

  boost(): void {
    for (let i = 1; i < this.priority.length; i += 2) this.priority[i]! -= BOOST;
  }

  /** The next entry from the non-empty queue with the lowest priority counter (the preferred ones while boosted). */
  pop(): number | undefined {
    let best = -1;
    this.queues.forEach((q, i) => {
      if (q.size > 0 && (best < 0 || this.priority[i]! < this.priority[best]!)) best = i;
    });
    if (best < 0) return undefined;
    this.priority[best]!++;
    return this.queues[best]!.pop();
  }
}

/** Lazy best-first search from the domain's start to its goal; deterministic, bounded by `maxWork`. */
export function lazySearch(domain: Domain, opts: LazyOptions): LazyResult {
  // No plan is shorter than one step (the empty plan is no proposal, even when the goal already holds).
  if (opts.bound !== undefined && opts.bound <= 1) return { found: false, exhausted: true, work: 0 };
  const index = new RelaxedIndex(domain);
  const lm = findLandmarks(domain, index);
  const ops = domain.ops;
  const nodes = new Nodes(domain.nFacts, lm.facts.length);
  const queues = new Queues();
  const { entries } = queues;
  const key = (g: number, h: number) => (opts.weight === Infinity ? h : g + opts.weight * h);
  const lastOf = (op: number) => (op >= 0 ? ops[op]!.id : undefined);
  const closed = new Set<string>();
  /** Operators preferred in the node being expanded (marked, then cleared). */
  const helpful = new Uint8Array(ops.length);
  /** A successor's state before it is known to be new (copied into a node only then), and keyOf's characters. */
  const scratch = new Uint8Array(domain.nFacts);
  const chars: number[] = [];
  let work = 0;
  const bestH = [Infinity, Infinity];
  /** The node for `state` reached by `op` from `parent` when its state is new (then closed), else -1. */
  const open = (state: Uint8Array, parent: number, op: number): number => {
    const k = keyOf(domain, state, lastOf(op), chars);
    if (closed.has(k)) return -1;
    closed.add(k);
    return nodes.add(state, parent, op);
  };
  const expand = (n: number): void => {
    work += ops.length;
    const { h, preferred, enabled } = evaluate(index, lm, nodes, n);
    const g = nodes.g[n]!;
    if (h[0] === Infinity || g + Math.max(h[0]!, 1) > domain.maxSteps) return;
    if (h.some((x, i) => x < bestH[i]!)) {
      h.forEach((x, i) => (bestH[i] = Math.min(bestH[i]!, x)));
      queues.boost();
    }
    for (const o of preferred) helpful[o] = 1;
    const state = nodes.state(n);
    const last = lastOf(nodes.op[n]!);
    for (const o of enabled) if (applicable(ops[o]!, state, last)) queues.push(n, o, key(g + 1, h[0]), key(g + 1, h[1]), helpful[o] === 1);
    for (const o of preferred) helpful[o] = 0;
  };
  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  expand(open(start, -1, -1));
  for (let e = queues.pop(); e !== undefined; e = queues.pop()) {
    if (work > opts.maxWork) return { found: false, exhausted: false, work };
    const [parent, op] = [entries.parent[e]!, entries.op[e]!];
    const g = nodes.g[parent]! + 1;
    applyInto(ops[op]!, nodes.state(parent), scratch);
    if (domain.goal.every((f) => scratch[f])) {
      if (opts.bound === undefined || g < opts.bound) return { found: true, actions: [...nodes.path(parent), op].map((o) => ops[o]!.id), work };
      continue;
    }
    if (opts.bound !== undefined && g + 1 >= opts.bound) continue;
    const n = open(scratch, parent, op);
    if (n >= 0) expand(n);
  }
  return { found: false, exhausted: true, work };
}
