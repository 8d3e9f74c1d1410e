import pg from 'pg';

/**
 * Counts round trips to the server from this process: each `pg` Client query call is one (a
 * script of several statements goes out as one simple query; a named statement as one
 * parse/bind/execute/sync). Counted, not timed, so it does not wobble with the machine's load.
 */
export function countRoundTrips(): { readonly count: number; reset(): void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __counted?: boolean };
  if (!proto.__counted) {
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      (globalThis as { __dfTrips?: number }).__dfTrips = ((globalThis as { __dfTrips?: number }).__dfTrips ?? 0) + 1;
      return original.apply(this, args);
    };
    proto.__counted = true;
  }
  const base = () => (globalThis as { __dfTrips?: number }).__dfTrips ?? 0;
  let start = base();
  return {
    get count() {
      return base() - start;
    },
    reset() {
      start = base();
    },
  };
}
