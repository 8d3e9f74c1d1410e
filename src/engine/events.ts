import type { HistoryDataMap, HistoryEntryOf } from '../core/history.js';
import type { AnyHistoryEntry } from '../core/types.js';

// The engine's events are its history: every entry a command writes is emitted, after the
// command commits, as the event of its type and on `log`. So the event map is derived from the
// typed history (core/history.ts) rather than listed here: a new entry type is an event, with its
// typed entry, without a second list to keep in step (the engine emits whatever it wrote; see
// `announceEntry` in engine.ts).

/**
 * One event per typed history entry type (`HistoryType`), whose listener gets the typed entry:
 * `engine.on('stage.changed', (e) => e.data.to)`. The types and their data are listed in
 * docs/engine.md#history.
 */
export type HistoryEntryEvents = { [T in keyof HistoryDataMap]: [entry: HistoryEntryOf<T>] };

/**
 * Engine events. Each history entry is emitted after its command commits, as the event of its
 * type (`HistoryEntryEvents`) and on `log`, so a listener never sees a change that was rolled back.
 */
export interface EngineEvents extends HistoryEntryEvents {
  /** Every history entry, whatever its type (a custom action's own types too). */
  log: [entry: AnyHistoryEntry];
  /** A listener threw; the engine carries on. */
  'listener.error': [error: unknown, entry: AnyHistoryEntry];
  /**
   * Delivering the outbox right after a command (`deliverOnCommit`) failed, most likely because
   * the store was lost (`STORAGE_UNAVAILABLE`). The command itself committed and resolves; its
   * messages stay in the outbox for the next delivery, `runDue` or a runner.
   */
  'delivery.error': [error: unknown];
}

/** The name of an engine event: a history entry type, `log`, `listener.error` or `delivery.error`. */
export type EngineEventName = keyof EngineEvents;
