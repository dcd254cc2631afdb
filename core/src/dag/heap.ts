/**
 * A binary min-heap of small non-negative integers (step indices or schedule ranks). Used for
 * "ties broken by file order" in Kahn's algorithm and for the executor's ready queue, where a
 * FIFO would make the start order depend on completion timing instead of the schedule.
 */
export class IntMinHeap {
  private items: Int32Array;
  private count = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(capacity, 1));
  }

  /** Number of queued values. */
  get size(): number {
    return this.count;
  }

  /** Adds a value. */
  push(value: number): void {
    if (this.count === this.items.length) {
      const bigger = new Int32Array(this.items.length * 2);
      bigger.set(this.items);
      this.items = bigger;
    }
    const items = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p <= value) break;
      items[i] = p;
      i = parent;
    }
    items[i] = value;
  }

  /** Removes and returns the smallest value; -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1;
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.count]!;
    const n = this.count;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    if (n > 0) items[i] = last;
    return top;
  }

  /** Drops every queued value. */
  clear(): void {
    this.count = 0;
  }
}
