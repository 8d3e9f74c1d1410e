/**
 * The statistics reports use, with fixed definitions so figures can be checked by hand:
 * the median of an even count is the mean of the two middle values; a percentile is the
 * nearest-rank one (the smallest value with at least p% of values at or below it).
 */
export function median(values: ReadonlyArray<number>): number | null {
  if (values.length === 0) return null;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile, p in (0, 100]. */
export function percentile(values: ReadonlyArray<number>, p: number): number | null {
  if (values.length === 0) return null;
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}

export function mean(values: ReadonlyArray<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** a / b, or null when there is nothing to divide by. */
export function share(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

function sorted(values: ReadonlyArray<number>): Float64Array {
  // A typed array sorts numerically without a comparator, which matters on 100,000 values.
  return Float64Array.from(values).sort();
}
