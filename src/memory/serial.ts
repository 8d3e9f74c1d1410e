/**
 * Runs async calls one at a time, in call order. With none running, a call starts at once (most
 * calls), not a microtask later behind a settled promise; else it waits for the last one. A
 * failure is the caller's to handle and does not stop the calls behind it. Each call costs one
 * promise of its own besides its work's (a `then`, not an async wrapper awaiting it): the engine's
 * commands and the in-memory store's transactions both queue here.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Calls started and not yet finished: the running one and those queued behind it. */
  private inFlight = 0;
  private readonly finished = <T>(value: T): T => {
    this.inFlight--;
    return value;
  };
  private readonly failed = (error: unknown): never => {
    this.inFlight--;
    throw error;
  };

  run<T>(fn: () => Promise<T>): Promise<T> {
    const go = (): Promise<T> => {
      let running: Promise<T>;
      try {
        running = fn();
      } catch (error) {
        this.inFlight--;
        return Promise.reject(error);
      }
      return running.then(this.finished, this.failed);
    };
    const result = this.inFlight++ === 0 ? go() : this.tail.then(go, go);
    this.tail = result;
    return result;
  }
}
