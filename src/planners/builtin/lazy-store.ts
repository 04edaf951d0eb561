// The lazy search's memory: its nodes (the states it expanded) and its queued successors in flat typed arrays grown by
// doubling, each numbered in the order it was added, instead of an object per node and per successor. A search keeps
// tens of thousands of nodes and hundreds of thousands of queued successors; collecting those objects took a third
// of its time.

/** `a`, or a copy of it twice as long (or `need` long) when it holds fewer than `need` items. */
function room<T extends Uint8Array | Int32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

const ints = (n: number) => new Int32Array(n);
const bytes = (n: number) => new Uint8Array(n);
const floats = (n: number) => new Float64Array(n);

/** Expanded states: each node's facts, landmarks reached on its path, parent node (-1: the start), operator, steps. */
export class Nodes {
  private states: Uint8Array;
  private reached: Uint8Array;
  parent = ints(1024);
  op = ints(1024);
  g = ints(1024);
  size = 0;

  constructor(
    private readonly nFacts: number,
    private readonly nLandmarks: number,
  ) {
    this.states = bytes(1024 * nFacts);
    this.reached = bytes(1024 * nLandmarks);
  }

  /** A new node for `state` reached by `op` from `parent` (copied in); its number. */
  add(state: Uint8Array, parent: number, op: number): number {
    const n = this.size++;
    if (n >= this.parent.length) {
      this.parent = room(this.parent, n + 1, ints);
      this.op = room(this.op, n + 1, ints);
      this.g = room(this.g, n + 1, ints);
      this.states = room(this.states, this.parent.length * this.nFacts, bytes);
      this.reached = room(this.reached, this.parent.length * this.nLandmarks, bytes);
    }
    this.states.set(state, n * this.nFacts);
    this.parent[n] = parent;
    this.op[n] = op;
    this.g[n] = parent < 0 ? 0 : this.g[parent]! + 1;
    return n;
  }

  /** Node n's facts, a view valid until the next `add`. */
  state(n: number): Uint8Array {
    return this.states.subarray(n * this.nFacts, (n + 1) * this.nFacts);
  }

  /** The landmarks node n's path reached (written once it is evaluated), a view valid until the next `add`. */
  accepted(n: number): Uint8Array {
    return this.reached.subarray(n * this.nLandmarks, (n + 1) * this.nLandmarks);
  }

  /** Operators from the start to node n. */
  path(n: number): number[] {
    const ops: number[] = [];
    for (let m = n; m >= 0 && this.op[m]! >= 0; m = this.parent[m]!) ops.push(this.op[m]!);
    return ops.reverse();
  }
}

/** Queued successors: parent node, operator, key under each heuristic (FF, the landmark count), novelty. */
export class Entries {
  parent = ints(4096);
  op = ints(4096);
  ff = floats(4096);
  lm = floats(4096);
  /** Novelty under the parent's landmark count (novelty.ts: 1 a new fact, 2 a new pair, 3 neither), 0 unjudged. */
  nov = bytes(4096);
  size = 0;

  add(parent: number, op: number, ff: number, lm: number, nov: number): number {
    const e = this.size++;
    if (e >= this.op.length) {
      this.parent = room(this.parent, e + 1, ints);
      this.op = room(this.op, e + 1, ints);
      this.ff = room(this.ff, e + 1, floats);
      this.lm = room(this.lm, e + 1, floats);
      this.nov = room(this.nov, e + 1, bytes);
    }
    this.parent[e] = parent;
    this.op[e] = op;
    this.ff[e] = ff;
    this.lm[e] = lm;
    this.nov[e] = nov;
    return e;
  }
}
