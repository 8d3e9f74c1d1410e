import pg from 'pg';

/**
 * Counts round trips to the server from this process: each `pg` Client query call is one (a
 * script of several statements goes out as one simple query; a named statement as one
 * parse/bind/execute/sync). Counted, not timed, so it does not wobble with the machine's load.
 */
export function countRoundTrips(options: { keepTexts?: number } = {}): { readonly count: number; reset(): void; readonly texts: string[] } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __counted?: boolean };
  const state = globalThis as { __dfTrips?: number; __dfTexts?: string[]; __dfKeep?: number };
  // The probes print the first statements a run sends: kept here, up to the most any caller asked for.
  state.__dfKeep = Math.max(state.__dfKeep ?? 0, options.keepTexts ?? 0);
  state.__dfTexts ??= [];
  if (!proto.__counted) {
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      state.__dfTrips = (state.__dfTrips ?? 0) + 1;
      if (state.__dfTexts!.length < state.__dfKeep!) state.__dfTexts!.push(typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]));
      return original.apply(this, args);
    };
    proto.__counted = true;
  }
  const base = () => state.__dfTrips ?? 0;
  let start = base();
  return {
    get count() {
      return base() - start;
    },
    reset() {
      start = base();
    },
    texts: state.__dfTexts,
  };
}
