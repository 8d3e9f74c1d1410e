/**
 * The leases a runner holds, by claim token: which items each covers (queued or in flight) and
 * when the store last confirmed them. One timer renews them all; an item is started only while
 * its lease is known to hold, so work that waited in the queue past its lease is never started
 * twice.
 */
export class HeldLeases {
  private readonly byToken = new Map<string, { ids: Set<string>; confirmedAt: number }>();
  private readonly tokenOf = new Map<string, string>();

  /** Records a claim made at `at` (local ms, taken before the claim was sent). */
  add(token: string, ids: string[], at: number): void {
    if (ids.length === 0) return;
    this.byToken.set(token, { ids: new Set(ids), confirmedAt: at });
    for (const id of ids) this.tokenOf.set(id, token);
  }

  drop(id: string): void {
    const token = this.tokenOf.get(id);
    if (token === undefined) return;
    this.tokenOf.delete(id);
    const held = this.byToken.get(token);
    held?.ids.delete(id);
    if (held && held.ids.size === 0) this.byToken.delete(token);
  }

  has(id: string): boolean {
    return this.tokenOf.has(id);
  }

  /**
   * The ids whose lease was not confirmed within `withinMs` of `now`: the only ones a claim must
   * be told to skip. A lease confirmed since then still holds on the store (it runs from the
   * store's clock at the claim, which came after the local time recorded), and a claim never
   * takes an item under a lease that holds.
   */
  stale(now: number, withinMs: number): string[] {
    const out: string[] = [];
    for (const held of this.byToken.values()) if (now - held.confirmedAt >= withinMs) out.push(...held.ids);
    return out;
  }

  /** Every token with the ids it covers, for renewal. */
  entries(): Array<[string, string[]]> {
    return [...this.byToken].map(([token, h]) => [token, [...h.ids]]);
  }

  confirm(token: string, at: number): void {
    const held = this.byToken.get(token);
    if (held && at > held.confirmedAt) held.confirmedAt = at;
  }

  /** Whether `id`'s lease was confirmed recently enough to start work on it now. */
  fresh(id: string, now: number, withinMs: number): boolean {
    const token = this.tokenOf.get(id);
    const held = token === undefined ? undefined : this.byToken.get(token);
    return held !== undefined && now - held.confirmedAt < withinMs;
  }

  get size(): number {
    return this.tokenOf.size;
  }
}
