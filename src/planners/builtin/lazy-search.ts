// The built-in planner's satisficing search, after the structure of Fast Downward's lazy search as LAMA runs it:
// greedy best-first (or weighted A*) with two heuristics, FF and the landmark count, lazy evaluation (a successor is
// queued under its parent's estimates and evaluated only when taken from a queue) and preferred operators (the FF
// relaxed plan's helpful actions and the achievers of the next landmarks). Four queues, an open list per heuristic and
// one of preferred successors per heuristic, are taken from in turn; the preferred ones are boosted whenever either
// estimate reaches a new best. Rules stay obeyed: the domain compiles them (done-flags, mutexes, immediately-after,
// max-steps), and `applicable` checks them on every step.
import { applicable, apply, type Domain } from './domain.js';
import { ffEstimate, RelaxedIndex } from './ff.js';
import { Heap } from './heap.js';
import { acceptedIn, findLandmarks, landmarkCount, type Landmarks } from './landmarks.js';

export interface LazyOptions {
  /** Weight on the estimate: Infinity for greedy best-first (order by estimate alone), w for f = g + w·h. */
  weight: number;
  /** Evaluation budget counted in operator visits (each FF evaluation costs about the domain's size). */
  maxWork: number;
  /** Only plans shorter than this (an incumbent's length, when improving on it): deeper nodes are pruned. */
  bound?: number;
}

export type LazyResult = { found: true; actions: string[]; work: number } | { found: false; exhausted: boolean; work: number };

interface Node {
  state: Uint8Array;
  g: number;
  parent: Node | null;
  op: number;
  /** Landmarks reached on the path to this node (see acceptedIn). */
  accepted?: Uint8Array;
}

interface Entry {
  /** The key under each heuristic (FF, the landmark count). */
  ff: number;
  lm: number;
  tie: number;
  parent: Node;
  op: number;
}

/** A state's identity: its facts packed eight to a character, and its last step where an immediately-after rule cares. */
function keyOf(domain: Domain, state: Uint8Array, last: string | undefined): string {
  const bytes: number[] = [];
  for (let i = 0; i < state.length; i += 8) {
    let b = 0;
    for (let k = 0; k < 8 && i + k < state.length; k++) if (state[i + k]) b |= 1 << k;
    bytes.push(b);
  }
  return `${String.fromCharCode(...bytes)}|${last !== undefined && domain.lastMatters.has(last) ? last : ''}`;
}

/** Boost the preferred queues get (in pops) each time a best estimate so far improves, as Fast Downward does. */
const BOOST = 1000;

/**
 * The estimates of a node (FF, then the landmark count), the union of their preferred operators, the operators whose
 * preconditions hold in it (in the domain's order), and its landmarks.
 */
function evaluate(index: RelaxedIndex, lm: Landmarks, node: Node): { h: [number, number]; preferred: number[]; enabled: number[] } {
  const ff = ffEstimate(index, node.state);
  node.accepted = acceptedIn(lm, node.parent?.accepted, node.state);
  return { h: [ff.h, landmarkCount(lm, node.accepted, node.state)], preferred: ff.preferred, enabled: ff.enabled.sort((a, b) => a - b) };
}

/** Four queues taken from in turn: per heuristic all successors (even numbers) and the preferred ones (odd numbers). */
class Queues {
  private readonly queues: Heap<Entry>[];
  private readonly priority: number[];

  constructor() {
    const byFF = (x: Entry, y: Entry) => x.ff < y.ff || (x.ff === y.ff && x.tie < y.tie);
    const byLM = (x: Entry, y: Entry) => x.lm < y.lm || (x.lm === y.lm && x.tie < y.tie);
    this.queues = [byFF, byFF, byLM, byLM].map((less) => new Heap<Entry>(less));
    this.priority = this.queues.map(() => 0);
  }

  push(entry: Entry, preferred: boolean): void {
    this.queues.forEach((q, i) => {
      if (i % 2 === 0 || preferred) q.push(entry);
    });
  }

  boost(): void {
    for (let i = 1; i < this.priority.length; i += 2) this.priority[i]! -= BOOST;
  }

  /** The next entry from the non-empty queue with the lowest priority counter (the preferred ones while boosted). */
  pop(): Entry | undefined {
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
  const index = new RelaxedIndex(domain);
  const lm = findLandmarks(domain, index);
  const ops = domain.ops;
  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  const isGoal = (s: Uint8Array) => domain.goal.every((f) => s[f]);
  const key = (g: number, h: number) => (opts.weight === Infinity ? h : g + opts.weight * h);
  const closed = new Set<string>();
  const queues = new Queues();
  /** Operators preferred in the node being expanded (marked, then cleared). */
  const helpful = new Uint8Array(ops.length);
  let work = 0;
  let tie = 0;
  const bestH = [Infinity, Infinity];
  const expand = (node: Node): LazyResult | undefined => {
    // The empty plan is no proposal: a plan has at least one step even when the goal already holds.
    if (node.g > 0 && isGoal(node.state)) return opts.bound !== undefined && node.g >= opts.bound ? undefined : { found: true, actions: pathOf(node), work };
    if (opts.bound !== undefined && node.g + 1 >= opts.bound) return undefined;
    const last = node.op >= 0 ? ops[node.op]!.id : undefined;
    const k = keyOf(domain, node.state, last);
    if (closed.has(k)) return undefined;
    closed.add(k);
    work += ops.length;
    const { h, preferred, enabled } = evaluate(index, lm, node);
    if (h[0] === Infinity || node.g + Math.max(h[0]!, 1) > domain.maxSteps) return undefined;
    if (h.some((x, i) => x < bestH[i]!)) {
      h.forEach((x, i) => (bestH[i] = Math.min(bestH[i]!, x)));
      queues.boost();
    }
    for (const o of preferred) helpful[o] = 1;
    for (const o of enabled) {
      if (!applicable(ops[o]!, node.state, last)) continue;
      queues.push({ ff: key(node.g + 1, h[0]), lm: key(node.g + 1, h[1]), tie: tie++, parent: node, op: o }, helpful[o] === 1);
    }
    for (const o of preferred) helpful[o] = 0;
    return undefined;
  };
  const first = expand({ state: start, g: 0, parent: null, op: -1 });
  if (first) return first;
  for (let e = queues.pop(); e; e = queues.pop()) {
    if (work > opts.maxWork) return { found: false, exhausted: false, work };
    const done = expand({ state: apply(ops[e.op]!, e.parent.state), g: e.parent.g + 1, parent: e.parent, op: e.op });
    if (done) return done;
  }
  return { found: false, exhausted: true, work };

  function pathOf(node: Node): string[] {
    const actions: string[] = [];
    for (let n: Node | null = node; n && n.op >= 0; n = n.parent) actions.push(ops[n.op]!.id);
    return actions.reverse();
  }
}
