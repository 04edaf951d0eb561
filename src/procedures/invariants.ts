// Invariants found cheaply over STRIPS actions: pairs of facts never true together in any reachable state (mutexes),
// as the greatest fixpoint Fast Downward's and FF's preprocessors approximate more thoroughly. The landmark orderings
// of the satisficing search use them; `procedures import` reports how many a grounding has.

/** An action over numbered facts. */
export interface StripsOp {
  readonly pre: readonly number[];
  readonly add: readonly number[];
  readonly del: readonly number[];
}

const words = (n: number) => (n + 31) >>> 5;
const withFact = (set: Uint32Array, f: number) => {
  set[f >>> 5]! |= 1 << (f & 31);
  return set;
};
const has = (set: Uint32Array, f: number) => (set[f >>> 5]! & (1 << (f & 31))) !== 0;

/**
 * Pairs of facts never true together in a reachable state, as a bit row per fact: the greatest set of pairs, none both
 * true at the start, that every operator keeps (an operator making one fact true deletes the other, or needs a fact
 * paired with it, and does not make both true).
 */
export function exclusivePairs(nFacts: number, ops: readonly StripsOp[], init: readonly number[]): Uint32Array[] {
  const w = words(nFacts);
  const start = new Uint32Array(w);
  for (const f of init) withFact(start, f);
  const row = Array.from({ length: nFacts }, (_, f) => {
    const r = new Uint32Array(w).fill(0xffffffff);
    // Not paired with itself, nor with what holds beside it at the start.
    r[f >>> 5]! &= ~(1 << (f & 31));
    if (has(start, f)) for (let i = 0; i < w; i++) r[i]! &= ~start[i]!;
    return r;
  });
  const kept = new Uint32Array(w);
  for (let changed = true; changed; ) {
    changed = false;
    for (const op of ops) {
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

/** Exclusive pairs of a grounding's facts (each pair once) and the CPU seconds finding them took. */
export function groundInvariants(g: { actions: readonly { requires: string[]; provides: string[]; removes: string[] }[]; initial: readonly string[] }): {
  exclusivePairs: number;
  cpuSeconds: number;
} {
  const started = cpuSeconds();
  const ids = new Map<string, number>();
  const id = (f: string) => ids.get(f) ?? ids.set(f, ids.size).size - 1;
  const init = g.initial.map(id);
  const ops = g.actions.map((a) => ({ pre: a.requires.map(id), add: a.provides.map(id), del: a.removes.map(id) }));
  const rows = exclusivePairs(ids.size, ops, init);
  let pairs = 0;
  rows.forEach((row, f) => {
    for (let e = f + 1; e < ids.size; e++) if (has(row, e)) pairs++;
  });
  return { exclusivePairs: pairs, cpuSeconds: cpuSeconds() - started };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
