/**
 * A binary min-heap of items keyed by (due ms, sequence), with lazy deletion: the in-memory
 * store's pending jobs (src/memory/job-queue.ts) and pending deliveries
 * (src/memory/pending-outbox.ts) are each kept in one.
 *
 * The keys live in one Float64Array and the items in one array, so an entry costs 24 bytes and
 * no object of its own. Nothing is ever removed from the middle: the owner decides with `isLive`
 * whether an entry still stands (usually "my index still holds this very object"), and a stale
 * entry is dropped when it reaches the top. So cancelling, rescheduling or delivering costs no
 * scan of the heap, and an item re-added (a rollback) may have two entries: `take` counts it once.
 */
export class DueHeap<T> {
  /** Heap keys, interleaved: [due ms, sequence] per entry. */
  private keys = new Float64Array(2048);
  private items: T[] = [];
  private count = 0;

  constructor(private readonly isLive: (item: T) => boolean) {}

  /** Adds an entry; among equal due times, the lower `seq` comes first. */
  push(dueMs: number, seq: number, item: T): void {
    if (2 * this.count >= this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    let i = this.count++;
    this.keys[2 * i] = dueMs;
    this.keys[2 * i + 1] = seq;
    this.items[i] = item;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest live item, left in the heap. */
  peek(): T | undefined {
    return this.dropStale() ? this.items[0] : undefined;
  }

  /**
   * Live items due at or before `untilMs`, earliest first, left in the heap. `accept` may pass
   * over some (they still count as seen, not as taken), or end the look with `'stop'`. At most
   * `limit` are returned.
   */
  take(untilMs: number, limit: number, accept?: (item: T) => boolean | 'stop'): T[] {
    // Entries taken off the top, put back at the end: keys in pairs and items side by side, not a
    // tuple per entry (claims take a batch per call).
    const heldKeys: number[] = [];
    const heldItems: T[] = [];
    const seen = new Set<T>();
    const out: T[] = [];
    while (out.length < limit && this.dropStale()) {
      if (this.keys[0]! > untilMs) break;
      const item = this.items[0]!;
      heldKeys.push(this.keys[0]!, this.keys[1]!);
      heldItems.push(item);
      this.pop();
      if (seen.has(item)) continue;
      seen.add(item);
      const verdict = accept ? accept(item) : true;
      if (verdict === 'stop') break;
      if (verdict) out.push(item);
    }
    for (let i = 0; i < heldItems.length; i++) this.push(heldKeys[2 * i]!, heldKeys[2 * i + 1]!, heldItems[i]!);
    return out;
  }

  /** Pops stale entries off the top; true when a live one is on top. */
  private dropStale(): boolean {
    while (this.count > 0) {
      if (this.isLive(this.items[0]!)) return true;
      this.pop();
    }
    return false;
  }

  private less(i: number, j: number): boolean {
    const k = this.keys;
    const a = k[2 * i]!;
    const b = k[2 * j]!;
    return a < b || (a === b && k[2 * i + 1]! < k[2 * j + 1]!);
  }

  private swap(i: number, j: number): void {
    const k = this.keys;
    const d = k[2 * i]!;
    const s = k[2 * i + 1]!;
    k[2 * i] = k[2 * j]!;
    k[2 * i + 1] = k[2 * j + 1]!;
    k[2 * j] = d;
    k[2 * j + 1] = s;
    const item = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = item;
  }

  private pop(): void {
    const last = --this.count;
    if (last > 0) this.swap(0, last);
    // Keep the capacity (the heap refills), drop the reference.
    (this.items as Array<T | undefined>)[last] = undefined;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
