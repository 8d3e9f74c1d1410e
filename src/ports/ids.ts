import { randomUUID } from 'node:crypto';

/** Where every id comes from, so the core stays deterministic under test. */
export interface IdGenerator {
  /** A new id; `kind` (`deal`, `job`, `log`, …) may be used as a prefix. */
  next(kind: string): string;
  /**
   * Optional, for generators that count: called once by the engine before its first id, with the
   * highest `<kind>-<n>` number per kind the store already holds (`Storage.highestIds`), so the
   * count continues past them rather than reusing ids an earlier run stored.
   */
  resumeAfter?(highest: Readonly<Record<string, number>>): void;
}

/**
 * A numbered id as `SequentialIds` makes them: `<kind>-<n>` as a whole JSON string (`"deal-7"`,
 * `"playbook-run-3"`). Stores use it to find the highest number per kind they hold.
 */
export const NUMBERED_ID = /"([A-Za-z][A-Za-z0-9_-]*?)-([0-9]{1,15})"/g;

/** Adds the numbered ids found in `text` (JSON) to `into`, keeping the highest number per kind. */
export function highestNumberedIds(text: string, into: Record<string, number>): Record<string, number> {
  for (const m of text.matchAll(NUMBERED_ID)) {
    const kind = m[1]!;
    const n = Number(m[2]);
    if (!(Object.hasOwn(into, kind) && into[kind]! >= n)) Object.defineProperty(into, kind, { value: n, enumerable: true, writable: true, configurable: true });
  }
  return into;
}

/** Production ids: random UUIDs, prefixed by kind. */
export class UuidIds implements IdGenerator {
  next(kind: string): string {
    // randomUUID builds its text as a tree of ~20 concatenated strings (≈500 bytes on the V8 heap);
    // copied out once it is one flat string of ≈60. Ids are kept in every log entry and job.
    return Buffer.from(`${kind}_${randomUUID()}`, 'latin1').toString('latin1');
  }
}

/**
 * Deterministic ids `deal-1`, `job-1`, `job-2`, … counted per kind; what tests and simulations use.
 * On a store that already holds some (a PGlite directory reopened, a store shared with an earlier
 * engine), the engine resumes the counts past the highest stored (`resumeAfter`), so a new deal is
 * `deal-4` after `deal-3`, never a second `deal-1`. One engine at a time per store: two engines
 * counting at once make the same ids (the second insert is refused with CONFLICT).
 */
export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  /** Continues each kind's count past `highest[kind]` (never goes back). */
  resumeAfter(highest: Readonly<Record<string, number>>): void {
    for (const [kind, n] of Object.entries(highest)) if (n > (this.counters.get(kind) ?? 0)) this.counters.set(kind, n);
  }

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
