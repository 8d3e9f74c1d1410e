import { randomUUID } from 'node:crypto';

/** Where every id comes from, so the core stays deterministic under test. */
export interface IdGenerator {
  /** A new id; `kind` (`deal`, `job`, `log`, …) may be used as a prefix. */
  next(kind: string): string;
}

/** Production ids: random UUIDs, prefixed by kind. */
export class UuidIds implements IdGenerator {
  next(kind: string): string {
    // randomUUID builds its text as a tree of ~20 concatenated strings (≈500 bytes on the V8 heap);
    // copied out once it is one flat string of ≈60. Ids are kept in every log entry and job.
    return Buffer.from(`${kind}_${randomUUID()}`, 'latin1').toString('latin1');
  }
}

/** Deterministic ids `deal-1`, `job-1`, `job-2`, … counted per kind; what tests and simulations use. */
export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  next(kind: string): string {
    const n = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, n);
    const id = `${kind}-${n}`;
    // An id of 13 characters or more is a V8 cons string (two parts, ~20 bytes more); reading a
    // character flattens it, and the GC then keeps only the flat copy. Ids live in every job,
    // enrolment and history line, so a year's simulation keeps millions of them.
    // The read's result decides what is returned: a bare `id.charCodeAt(0)` statement is dropped by
    // tree-shaking bundlers (rollup knows it is pure), which is how the built package lost it once.
    return id.charCodeAt(0) === 0 ? `${id}` : id;
  }
}
