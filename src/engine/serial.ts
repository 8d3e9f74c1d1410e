/**
 * Runs async calls one at a time, in call order. With none running, a call starts at once (most
 * calls), not a microtask later behind a settled promise; else it waits for the last one. A
 * failure is the caller's to handle and does not stop the calls behind it.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Calls started and not yet finished: the running one and those queued behind it. */
  private inFlight = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    const go = async () => {
      try {
        return await fn();
      } finally {
        this.inFlight--;
      }
    };
    const result = this.inFlight++ === 0 ? go() : this.tail.then(go, go);
    this.tail = result;
    return result;
  }
}
