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
