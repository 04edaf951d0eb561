// The built-in planner's satisficing search, after the structure of Fast Downward's lazy search: greedy best-first
// (or weighted A*) with the FF heuristic, lazy evaluation (a successor is queued under its parent's estimate and
// evaluated only when taken from the queue) and preferred operators (a second queue of the parent's helpful actions,
// alternated with the first and boosted whenever the search makes progress). Rules stay obeyed: the domain compiles
// them (done-flags, mutexes, immediately-after, max-steps), and `applicable` checks them on every step.
import { applicable, apply, type Domain } from './domain.js';
import { ffEstimate, RelaxedIndex } from './ff.js';
import { MinHeap } from './heap.js';

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
}

interface Entry {
  key: number;
  tie: number;
  parent: Node;
  op: number;
}

/** Smallest key first, then lowest tie (first queued). */
const before = (x: Entry, y: Entry): boolean => x.key < y.key || (x.key === y.key && x.tie < y.tie);

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

/** Boost the preferred queue gets (in pops) each time the best estimate so far improves, as Fast Downward does. */
const BOOST = 1000;

/** Lazy best-first search from the domain's start to its goal; deterministic, bounded by `maxWork`. */
export function lazySearch(domain: Domain, opts: LazyOptions): LazyResult {
  const index = new RelaxedIndex(domain);
  const ops = domain.ops;
  const start = new Uint8Array(domain.nFacts);
  for (const f of domain.init) start[f] = 1;
  const isGoal = (s: Uint8Array) => domain.goal.every((f) => s[f]);
  const key = (g: number, h: number) => (opts.weight === Infinity ? h : g + opts.weight * h);
  const closed = new Set<string>();
  const queues = [new MinHeap(before), new MinHeap(before)];
  const priority = [0, 0];
  let work = 0;
  let tie = 0;
  let bestH = Infinity;
  const root: Node = { state: start, g: 0, parent: null, op: -1 };
  const expand = (node: Node): LazyResult | undefined => {
    // The empty plan is no proposal: a plan has at least one step even when the goal already holds.
    if (node.g > 0 && isGoal(node.state)) return opts.bound !== undefined && node.g >= opts.bound ? undefined : { found: true, actions: pathOf(node), work };
    if (opts.bound !== undefined && node.g + 1 >= opts.bound) return undefined;
    const last = node.op >= 0 ? ops[node.op]!.id : undefined;
    const k = keyOf(domain, node.state, last);
    if (closed.has(k)) return undefined;
    closed.add(k);
    work += ops.length;
    const { h, preferred } = ffEstimate(index, node.state);
    if (h === Infinity || node.g + Math.max(h, 1) > domain.maxSteps) return undefined;
    if (h < bestH) {
      bestH = h;
      priority[1]! -= BOOST;
    }
    const helpful = new Set(preferred);
    for (let o = 0; o < ops.length; o++) {
      if (!applicable(ops[o]!, node.state, last)) continue;
      const entry = { key: key(node.g + 1, h), tie: tie++, parent: node, op: o };
      queues[0]!.push(entry);
      if (helpful.has(o)) queues[1]!.push(entry);
    }
    return undefined;
  };
  const first = expand(root);
  if (first) return first;
  while (queues[0]!.size > 0 || queues[1]!.size > 0) {
    if (work > opts.maxWork) return { found: false, exhausted: false, work };
    // Alternate: take from the queue with the lowest priority counter (the preferred one while boosted).
    const which = queues[1]!.size > 0 && (priority[1]! <= priority[0]! || queues[0]!.size === 0) ? 1 : 0;
    priority[which]!++;
    const e = queues[which]!.pop()!;
    const state = apply(ops[e.op]!, e.parent.state);
    const done = expand({ state, g: e.parent.g + 1, parent: e.parent, op: e.op });
    if (done) return done;
  }
  return { found: false, exhausted: true, work };

  function pathOf(node: Node): string[] {
    const actions: string[] = [];
    for (let n: Node | null = node; n && n.op >= 0; n = n.parent) actions.push(ops[n.op]!.id);
    return actions.reverse();
  }
}
