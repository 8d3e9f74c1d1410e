import { randomUUID } from 'node:crypto';

/** Where every id comes from, so the core stays deterministic under test. */
export interface IdGenerator {
  /** A new id; `kind` (`deal`, `job`, `log`, …) may be used as a prefix. */
  next(kind: string): string;
}

/** Production ids: random UUIDs, prefixed by kind. */
export class UuidIds implements IdGenerator {
  next(kind: string): string {
    return `${kind}_${randomUUID()}`;
  }
}

/** Deterministic ids `deal-1`, `job-1`, `job-2`, … counted per kind; what tests and simulations use. */
export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  next(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    return `${kind}-${n}`;
  }
}
