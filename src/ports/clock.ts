/** Where the engine reads the time. Inject a FakeClock in tests; the engine never reads the wall clock itself. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The wall clock, for production. */
export const systemClock: Clock = { now: () => new Date() };
