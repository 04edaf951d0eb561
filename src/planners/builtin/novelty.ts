// Novelty for escaping plateaus, after Lipovetzky and Geffner's best-first width search (BFWS): among the states that
// share a heuristic value, one that makes a fact true for the first time has novelty 1, else one that makes a pair of
// facts true together for the first time 2, any other 3. The lazy search queues a successor before building or
// evaluating it, so it judges a successor under its parent's value by what the operator adds: the facts it adds and
// the pairs they make with each other and with the parent's facts it keeps. A parent new under its value passes its
// novelty to its first successor (the first state built from it would have shown those facts).

/** Facts and fact pairs seen per heuristic value, tables made when a value is first met. */
export class Novelty {
  private readonly facts = new Map<number, Uint8Array>();
  /** One bit per ordered pair (a < b) at a·nFacts + b. */
  private readonly pairs = new Map<number, Uint8Array>();

  constructor(private readonly nFacts: number) {}

  private tables(h: number): [Uint8Array, Uint8Array] {
    let f = this.facts.get(h);
    let p = this.pairs.get(h);
    if (!f || !p) {
      this.facts.set(h, (f = new Uint8Array(this.nFacts)));
      this.pairs.set(h, (p = new Uint8Array(Math.ceil((this.nFacts * this.nFacts) / 8))));
    }
    return [f, p];
  }

  /** Marks pair (a, b) seen; whether it was new. */
  private pair(p: Uint8Array, a: number, b: number): boolean {
    const k = a < b ? a * this.nFacts + b : b * this.nFacts + a;
    const bit = 1 << (k & 7);
    if (p[k >> 3]! & bit) return false;
    p[k >> 3]! |= bit;
    return true;
  }

  /** Records a state's true facts (ascending) under value h; its novelty there (1, 2 or 3). */
  state(h: number, trueFacts: readonly number[]): number {
    const [f, p] = this.tables(h);
    let level = 3;
    for (let i = 0; i < trueFacts.length; i++) {
      const a = trueFacts[i]!;
      if (!f[a]) {
        f[a] = 1;
        level = 1;
      }
      for (let j = i + 1; j < trueFacts.length; j++) if (this.pair(p, a, trueFacts[j]!) && level > 2) level = 2;
    }
    return level;
  }

  /**
   * Records the successor of a state (`inState` its facts, `trueFacts` the true ones) by an operator adding `add` and
   * deleting `del`, under value h; its novelty there (1, 2 or 3).
   */
  successor(h: number, inState: Uint8Array, trueFacts: readonly number[], add: readonly number[], del: readonly number[]): number {
    const [f, p] = this.tables(h);
    let level = 3;
    for (const a of add) {
      if (inState[a]) continue;
      if (!f[a]) {
        f[a] = 1;
        level = 1;
      }
      for (const b of trueFacts) if (!del.includes(b) && this.pair(p, a, b) && level > 2) level = 2;
      for (const b of add) if (b < a && !inState[b] && this.pair(p, a, b) && level > 2) level = 2;
    }
    return level;
  }
}
