import { randomFillSync, randomUUID } from 'node:crypto';

import type { IdGenerator } from '../model/ids.js';

export type { IdGenerator } from '../model/ids.js';

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
 * Production ids as UUIDv7 (RFC 9562), prefixed by kind: `job_0193b9d2-…`. The first 48 bits are
 * the Unix time in milliseconds, so ids made later sort later, as text too: a new row's primary
 * key lands at the right edge of its B-tree instead of a random page, which keeps the index
 * smaller and writes less WAL (docs/performance.md has the figures). The 12 bits after the
 * version are a counter started at a random value each millisecond, so ids one generator makes in
 * one millisecond still sort in the order made; the last 62 bits are random. An id reveals when it
 * was made, to the millisecond.
 */
export class UuidV7Ids implements IdGenerator {
  private lastMs = -1;
  private counter = 0;
  private readonly random = Buffer.alloc(4096);
  private offset = this.random.length;

  /** `now` gives the time in ms; default the wall clock. Tests pass their own. */
  constructor(private readonly now: () => number = Date.now) {}

  next(kind: string): string {
    return `${kind}_${this.uuid()}`;
  }

  /** One UUIDv7 as text. */
  uuid(): string {
    let ms = this.now();
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.counter = this.bytes(2).readUInt16BE(0) & 0x7ff; // a random start, with room to count up
    } else {
      // The same millisecond (or a clock that stepped back): count on, so the order holds.
      ms = this.lastMs;
      if (++this.counter > 0xfff) {
        this.lastMs = ms = ms + 1;
        this.counter = 0;
      }
    }
    const b = Buffer.allocUnsafe(16);
    b.writeUIntBE(ms, 0, 6);
    b.writeUInt16BE(0x7000 | this.counter, 6);
    this.bytes(8).copy(b, 8);
    b[8] = (b[8]! & 0x3f) | 0x80; // the RFC 4122 variant
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** `n` random bytes from a pool refilled 4 KiB at a time (one system call per ~500 ids). */
  private bytes(n: number): Buffer {
    if (this.offset + n > this.random.length) {
      randomFillSync(this.random);
      this.offset = 0;
    }
    const out = this.random.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/**
 * Deterministic ids `deal-1`, `job-1`, `job-2`, … counted per kind; what tests and simulations use.
 * On a store that already holds some (a PGlite directory reopened, a store shared with an earlier
 * engine), the engine resumes the counts past the highest stored (`resumeAfter`), so a new deal is
 * `deal-4` after `deal-3`, never a second `deal-1`. One engine at a time per store: two engines
 * counting at once make the same ids (the second insert is refused with CONFLICT).
 */
/** `000` … `999`: the last three digits of a count, so most ids need no number formatted. */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

interface Counter {
  /** `job-`, made once. */
  prefix: string;
  n: number;
  /** The count's thousands, and `prefix` with them (`job-12`): made once per thousand ids. */
  thousands: number;
  head: string;
}

export class SequentialIds implements IdGenerator {
  private readonly counters = new Map<string, Counter>();

  /** Continues each kind's count past `highest[kind]` (never goes back). */
  resumeAfter(highest: Readonly<Record<string, number>>): void {
    for (const [kind, n] of Object.entries(highest)) {
      const c = this.counter(kind);
      if (n > c.n) c.n = n;
    }
  }

  next(kind: string): string {
    const c = this.counters.get(kind) ?? this.counter(kind);
    const n = ++c.n;
    // `${kind}-${n}`, without formatting n (a number-to-string conversion per id was most of an
    // id's cost): the head with the thousands changes once per thousand ids.
    let id: string;
    if (n < 1000 || !Number.isSafeInteger(n)) id = c.prefix + n;
    else {
      const thousands = Math.floor(n / 1000);
      if (thousands !== c.thousands) {
        c.thousands = thousands;
        c.head = c.prefix + thousands;
      }
      id = c.head + THREE_DIGITS[n - thousands * 1000];
    }
    // An id of 13 characters or more is a V8 cons string (two parts, ~20 bytes more); reading a
    // character flattens it, and the GC then keeps only the flat copy. Ids live in every job,
    // enrolment and history line, so a year's simulation keeps millions of them.
    // The read's result decides what is returned: a bare `id.charCodeAt(0)` statement is dropped by
    // tree-shaking bundlers (rollup knows it is pure), which is how the built package lost it once.
    return id.charCodeAt(0) === 0 ? `${id}` : id;
  }

  private counter(kind: string): Counter {
    let c = this.counters.get(kind);
    if (!c) this.counters.set(kind, (c = { prefix: `${kind}-`, n: 0, thousands: -1, head: '' }));
    return c;
  }
}
