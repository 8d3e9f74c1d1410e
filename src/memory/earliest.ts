/**
 * The first `k` items of `items` as a stable sort by `key` would put them, without sorting them
 * all: a claim takes a batch of 100 from thousands of pending messages, once per batch, and
 * sorting every pending message for each batch made delivering N of them cost N² log N.
 * A bounded max-heap of indices keeps the k earliest seen so far; ties go to the earlier item, as
 * in a stable sort.
 */
export function earliest<T>(items: ReadonlyArray<T>, k: number, key: (item: T) => string): T[] {
  const byKey = (a: number, b: number): number => {
    const ka = key(items[a]!);
    const kb = key(items[b]!);
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  };
  if (items.length <= k)
    return items
      .map((_, i) => i)
      .sort(byKey)
      .map((i) => items[i]!);
  if (k <= 0) return [];
  // heap[0] is the latest of the k kept; an item earlier than it replaces it.
  const heap: number[] = [];
  const down = (from: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && byKey(heap[l]!, heap[m]!) > 0) m = l;
      if (r < heap.length && byKey(heap[r]!, heap[m]!) > 0) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < items.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      let j = heap.length - 1;
      while (j > 0) {
        const p = (j - 1) >> 1;
        if (byKey(heap[j]!, heap[p]!) <= 0) break;
        [heap[j], heap[p]] = [heap[p]!, heap[j]!];
        j = p;
      }
    } else if (byKey(i, heap[0]!) < 0) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort(byKey).map((i) => items[i]!);
}
