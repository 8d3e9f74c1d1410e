import EventEmitter from 'eventemitter3';
import type { AnyHistoryEntry } from '../core/types.js';
import type { Logger } from '../ports/logger.js';
import type { EngineEvents } from './events.js';

/**
 * The engine's last step: tells listeners what committed (each log entry as its own event and as
 * `log`), and the logger what the engine swallowed so a committed command stays committed (a
 * throwing listener, a delivery failing after commit).
 */
export class Announcer {
  readonly events = new EventEmitter<EngineEvents>();

  constructor(private readonly logger: Logger) {}

  /** Announces the log entries among a committed outcome's effects, in order. */
  announce(effects: ReadonlyArray<{ type: string; entry?: AnyHistoryEntry }>): void {
    for (const e of effects) if (e.type === 'log' && e.entry) this.announceEntry(e.entry);
  }

  announceEntry(entry: AnyHistoryEntry): void {
    const events = this.events as unknown as EventEmitter<string>;
    try {
      events.emit(entry.type, entry);
      events.emit('log', entry);
    } catch (error) {
      this.log('warn', { err: error, entryType: entry.type, entryId: entry.id }, 'dealflow: an event listener threw; the engine carries on');
      events.emit('listener.error', error, entry);
    }
  }

  /** A delivery after commit failed: `delivery.error`, whose listener must not fail the committed command either. */
  deliveryFailed(error: unknown): void {
    this.log('error', { err: error }, 'dealflow: delivering the outbox after a command failed; the messages stay for the next delivery');
    try {
      (this.events as unknown as EventEmitter<string>).emit('delivery.error', error);
    } catch {
      // A throwing listener must not turn a committed command into a failed one.
    }
  }

  /** Tells the logger; a logger that throws must not turn a committed command into a failed one. */
  private log(level: 'warn' | 'error', obj: object, msg: string): void {
    try {
      this.logger[level](obj, msg);
    } catch {
      // Nowhere left to report it.
    }
  }
}
