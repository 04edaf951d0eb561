// The one priority queue of the built-in planner's searches: a binary heap ordered by the caller's `less`.

export class Heap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(x: T): void {
    const a = this.items;
    // Sift up with a hole: parents move down until x fits.
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!this.less(x, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = x;
  }

  /** The least item, removed; undefined when empty. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    const n = a.length;
    if (n > 0 && last !== undefined) {
      // Sift `last` down from the root with a hole: the lesser child moves up until `last` fits.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const m = l + 1 < n && this.less(a[l + 1]!, a[l]!) ? l + 1 : l;
        if (!this.less(a[m]!, last)) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
