// The built-in planner's satisficing search, after the structure of Fast Downward's lazy search as LAMA runs it:
// greedy best-first (or weighted A*) with two heuristics, FF and the landmark count, lazy evaluation (a successor is
// queued under its parent's estimates and evaluated only when taken from a queue) and preferred operators (the FF
// relaxed plan's helpful actions; the landmark count gives none, as in lama-first). Four queues, an open list per
// heuristic and one of preferred successors per heuristic, are taken from in turn; the preferred ones are boosted
// whenever either estimate reaches a new best. A configuration may order by the landmark count alone (two queues).
// Rules stay obeyed: the domain compiles them (done-flags, mutexes, immediately-after, max-steps), and `applicable`
// checks them on every step.
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

/** How one search orders its work; the default is lama-first's. */
export interface LazyConfig {
  /**
   * Queues ordered by both estimates in turn (lama-first), or by the landmark count alone (FF still names the
   * preferred operators): on depots FF's estimate leads into towers built in the wrong order, the count does not.
   */
  order?: 'both' | 'landmarks';
  /**
   * Operators reaching a landmark that comes next (not reached, all ordered before it reached) are preferred too, as
   * in LAMA 2008; lama-first prefers FF's helpful actions alone.
   */
  landmarkPreferred?: boolean;
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
function evaluate(
  { index, landmarks: lm, landmarksOf }: Analysis,
  nodes: Nodes,
  n: number,
  landmarkPreferred: boolean,
): { h: [number, number]; preferred: number[]; enabled: number[] } {
  const state = nodes.state(n);
  const ff = ffEstimate(index, state);
  const parent = nodes.parent[n]!;
  const accepted = acceptedIn(lm, parent < 0 ? undefined : nodes.accepted(parent), state, nodes.accepted(n));
  const h: [number, number] = [ff.h, landmarkCount(lm, accepted, state)];
  const enabled = ff.enabled.sort((a, b) => a - b);
  if (!landmarkPreferred) return { h, preferred: ff.preferred, enabled };
  const next = (l: number) => !accepted[l] && lm.before[l]!.every((b) => accepted[b]);
  const reaching = enabled.filter((o) => index.ops[o]!.add.some((f) => landmarksOf[f]!.some(next)));
  return { h, preferred: [...new Set([...ff.preferred, ...reaching])], enabled };
}

/**
 * Queues of entries taken from in turn: per heuristic (the landmark count, then FF unless the count alone orders) all
 * successors (even numbers) and the preferred ones (odd numbers).
 */
class Queues {
  readonly entries = new Entries();
  private readonly heaps: Heap<number>[];
  private readonly priority: number[];

  constructor(landmarksOnly: boolean) {
    const e = this.entries;
    // Ties go to the entry queued first (entries are numbered in queue order).
    const byFF = (x: number, y: number) => e.ff[x]! < e.ff[y]! || (e.ff[x] === e.ff[y] && x < y);
    const byLM = (x: number, y: number) => e.lm[x]! < e.lm[y]! || (e.lm[x] === e.lm[y] && x < y);
    this.heaps = (landmarksOnly ? [byLM, byLM] : [byLM, byLM, byFF, byFF]).map((less) => new Heap<number>(less));
    this.priority = this.heaps.map(() => 0);
  }

  push(parent: number, op: number, ff: number, lm: number, preferred: boolean): void {
    const e = this.entries.add(parent, op, ff, lm);
    const heaps = this.heaps;
    for (let i = 0; i < heaps.length; i += 2) heaps[i]!.push(e);
    if (!preferred) return;
    for (let i = 1; i < heaps.length; i += 2) heaps[i]!.push(e);
  }

  boost(): void {
    for (let i = 1; i < this.heaps.length; i += 2) this.priority[i]! -= BOOST;
  }

  /** The next entry from the non-empty queue with the lowest priority counter (the preferred ones while boosted). */
  pop(): number | undefined {
    let best = -1;
    this.heaps.forEach((q, i) => {
      if (q.size > 0 && (best < 0 || this.priority[i]! < this.priority[best]!)) best = i;
    });
    if (best < 0) return undefined;
    this.priority[best]!++;
    return this.heaps[best]!.pop();
  }
}

/** What searches of one domain share: its relaxed index (working arrays reused one evaluation at a time) and landmarks. */
interface Analysis {
  index: RelaxedIndex;
  landmarks: Landmarks;
  /** The landmarks each fact is one of (or a member of). */
  landmarksOf: number[][];
}

function analyse(domain: Domain): Analysis {
  const index = new RelaxedIndex(domain);
  const landmarks = findLandmarks(domain, index);
  const landmarksOf = Array.from({ length: domain.nFacts }, () => [] as number[]);
  landmarks.members.forEach((fs, l) => fs.forEach((f) => landmarksOf[f]!.push(l)));
  return { index, landmarks, landmarksOf };
}

/** One lazy best-first search from the domain's start to its goal, run in slices; deterministic. */
class LazySearch {
  /** Operator visits spent so far. */
  work = 0;
  private readonly nodes: Nodes;
  private readonly queues: Queues;
  private readonly closed = new Set<string>();
  /** Operators preferred in the node being expanded (marked, then cleared). */
  private readonly helpful: Uint8Array;
  /** A successor's state before it is known to be new (copied into a node only then), and keyOf's characters. */
  private readonly scratch: Uint8Array;
  private readonly chars: number[] = [];
  private readonly bestH = [Infinity, Infinity];
  private done: LazyResult | undefined;

  constructor(
    private readonly domain: Domain,
    private readonly opts: Omit<LazyOptions, 'maxWork'>,
    private readonly config: LazyConfig = {},
    private readonly analysis: Analysis = analyse(domain),
  ) {
    this.nodes = new Nodes(domain.nFacts, analysis.landmarks.members.length);
    this.queues = new Queues(config.order === 'landmarks');
    this.helpful = new Uint8Array(domain.ops.length);
    this.scratch = new Uint8Array(domain.nFacts);
    // No plan is shorter than one step (the empty plan is no proposal, even when the goal already holds).
    if (opts.bound !== undefined && opts.bound <= 1) this.done = { found: false, exhausted: true, work: 0 };
    else {
      const start = new Uint8Array(domain.nFacts);
      for (const f of domain.init) start[f] = 1;
      this.expand(this.open(start, -1, -1));
    }
  }

  private key(g: number, h: number): number {
    return this.opts.weight === Infinity ? h : g + this.opts.weight * h;
  }

  private lastOf(op: number): string | undefined {
    return op >= 0 ? this.domain.ops[op]!.id : undefined;
  }

  /** The node for `state` reached by `op` from `parent` when its state is new (then closed), else -1. */
  private open(state: Uint8Array, parent: number, op: number): number {
    const k = keyOf(this.domain, state, this.lastOf(op), this.chars);
    if (this.closed.has(k)) return -1;
    this.closed.add(k);
    return this.nodes.add(state, parent, op);
  }

  private expand(n: number): void {
    const { domain, nodes, helpful, bestH } = this;
    const ops = domain.ops;
    this.work += ops.length;
    const { h, preferred, enabled } = evaluate(this.analysis, nodes, n, this.config.landmarkPreferred === true);
    const g = nodes.g[n]!;
    if (h[0] === Infinity || g + Math.max(h[0]!, 1) > domain.maxSteps) return;
    if (h.some((x, i) => x < bestH[i]!)) {
      h.forEach((x, i) => (bestH[i] = Math.min(bestH[i]!, x)));
      this.queues.boost();
    }
    for (const o of preferred) helpful[o] = 1;
    const state = nodes.state(n);
    const last = this.lastOf(nodes.op[n]!);
    for (const o of enabled) if (applicable(ops[o]!, state, last)) this.queues.push(n, o, this.key(g + 1, h[0]), this.key(g + 1, h[1]), helpful[o] === 1);
    for (const o of preferred) helpful[o] = 0;
  }

  /** Searches on until a plan is found, none can be, or `until` operator visits are spent (then undefined). */
  run(until: number): LazyResult | undefined {
    if (this.done) return this.done;
    const { domain, nodes, scratch, opts } = this;
    const { entries } = this.queues;
    for (let e = this.queues.pop(); e !== undefined; e = this.queues.pop()) {
      const [parent, op] = [entries.parent[e]!, entries.op[e]!];
      const g = nodes.g[parent]! + 1;
      applyInto(domain.ops[op]!, nodes.state(parent), scratch);
      if (domain.goal.every((f) => scratch[f])) {
        if (opts.bound === undefined || g < opts.bound)
          return (this.done = { found: true, actions: [...nodes.path(parent), op].map((o) => domain.ops[o]!.id), work: this.work });
        continue;
      }
      if (opts.bound !== undefined && g + 1 >= opts.bound) continue;
      const n = this.open(scratch, parent, op);
      if (n >= 0) this.expand(n);
      if (this.work > until) return undefined;
    }
    return (this.done = { found: false, exhausted: true, work: this.work });
  }
}

/** Lazy best-first search from the domain's start to its goal; deterministic, bounded by `maxWork`. */
export function lazySearch(domain: Domain, opts: LazyOptions, config: LazyConfig = {}): LazyResult {
  const search = new LazySearch(domain, opts, config);
  return search.run(opts.maxWork) ?? { found: false, exhausted: false, work: search.work };
}
