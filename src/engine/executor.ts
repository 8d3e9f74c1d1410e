import type { CoreInput, Outcome } from '../core/transition.js';
import type { DealSnapshot, AnyHistoryEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import { isoToMs } from '../core/time/iso.js';
import { DealflowError } from '../model/errors.js';
import type { Clock } from '../ports/clock.js';
import type { IdGenerator } from '../ports/ids.js';
import type { Storage, StorageTx } from '../ports/storage.js';
import { noTelemetry, type CommandResult, type Telemetry, type TelemetryScope } from '../ports/telemetry.js';
import type { WorkQueue } from '../ports/work-queue.js';
import type { Announcer } from './announcer.js';
import type { Decider } from './decide.js';
import type { Delivery } from './delivery.js';
import { writeOutcome } from './effect-writer.js';
import type { RuleChange } from './rule-versions.js';
import { SerialQueue } from '../memory/serial.js';
import { commandName, rulesFired } from './telemetry.js';

/** What the executor runs on: the ports, the decide step, the effect writer and the announcer. */
export interface ExecutorDeps {
  storage: Storage;
  work: WorkQueue;
  clock: Clock;
  ids: IdGenerator;
  telemetry: Telemetry;
  /** The record kinds core features read: the part of a deal's records its snapshot carries. */
  recordKinds: ReadonlyArray<string>;
  decider: Decider;
  delivery: Delivery;
  announcer: Announcer;
  /** Deliver what a command queued right after it commits. */
  deliverOnCommit: boolean;
}

/** A command's input, or how to read it inside the command's transaction (an event's known external ids). */
export type CommandInput = CoreInput | ((tx: StorageTx) => Promise<CoreInput>);

/** Runs inside the transaction on the loaded snapshot; throwing (FORBIDDEN) rolls everything back. */
export type Authorize = (before: DealSnapshot) => Promise<void>;

const EMPTY: DealSnapshot = { deal: null, jobs: [], enrolments: {} };

/**
 * The one way a command runs, for every store: read the clock, then in one transaction load the
 * deal's snapshot, authorize, decide (the pure core) and write its effects, then after commit
 * announce the log entries and deliver what it queued. Commands run one at a time per engine
 * (the store serialises across engines). Each step continues at once when the step before it had
 * nothing to wait for, so a command creates promises only where the store or a port makes one.
 */
export class CommandExecutor {
  /** Commands run one at a time per engine; the storage serialises across engines. */
  private readonly commands = new SerialQueue();
  private lastNow = -Infinity;
  /** Whether the IdGenerator was resumed past the store's ids (see resumeIds); the pending promise while it is. */
  private idsResumed: Promise<void> | true | undefined;

  constructor(private readonly deps: ExecutorDeps) {}

  /** Runs a command on a deal (null: a command that may create one) and resolves to the core's outcome once it committed. */
  run(dealId: string | null, input: CommandInput, authorize?: Authorize): Promise<Outcome> {
    const { telemetry } = this.deps;
    // TELEMETRY (command): a span per command, with the rules that fired.
    if (telemetry === noTelemetry) return this.exclusive(() => this.execute(dealId, input, authorize, undefined));
    return this.exclusive(() => telemetry.command({ command: commandName(input), dealId }, (scope) => this.execute(dealId, input, authorize, scope)));
  }

  /** Runs `fn` in the command queue, once the ids are resumed. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const resuming = this.resumeIds();
    return this.commands.run(resuming ? () => resuming.then(fn) : fn);
  }

  /**
   * Before the first id is made up, a counting IdGenerator (SequentialIds) is told the highest
   * ids the store already holds, so it continues past them instead of making `deal-1` again on
   * a reopened store. Undefined once done, or when the generator does not count.
   */
  resumeIds(): Promise<void> | undefined {
    if (this.idsResumed === true) return undefined;
    const { ids, storage } = this.deps;
    if (!ids.resumeAfter || !storage.highestIds) {
      this.idsResumed = true;
      return undefined;
    }
    this.idsResumed ??= storage.highestIds().then(
      (highest) => {
        ids.resumeAfter!(highest);
        this.idsResumed = true;
      },
      (error: unknown) => {
        // Not reachable now: the next call asks again.
        this.idsResumed = undefined;
        throw error;
      },
    );
    return this.idsResumed;
  }

  /** The clock's reading, which may only move forward (CLOCK_BACKWARDS otherwise). */
  readClock(): Date {
    const now = this.deps.clock.now();
    const ms = now.getTime();
    if (Number.isNaN(ms)) throw new DealflowError('INVALID_INPUT', 'the clock returned an invalid date');
    if (ms < this.lastNow) {
      throw new DealflowError(
        'CLOCK_BACKWARDS',
        `the clock moved backwards from ${new Date(this.lastNow).toISOString()} to ${now.toISOString()}; time may only move forward`,
      );
    }
    this.lastNow = ms;
    return now;
  }

  /** Writes an outcome's effects (src/engine/effect-writer.ts); the outbox messages it writes are added to `written`, when given. */
  write(tx: StorageTx, before: DealSnapshot, out: Outcome, written?: OutboxMessage[]): Promise<void> {
    return writeOutcome(tx, before, out, written);
  }

  /** Logs a deal-less `rules.changed` entry listing which rules moved to which version, and the policy for their pending jobs. */
  recordRuleChanges(changes: RuleChange[]): Promise<RuleChange[]> {
    if (changes.length === 0) return Promise.resolve(changes);
    return this.exclusive(async () => {
      const entry: AnyHistoryEntry = {
        id: this.deps.ids.next('log'),
        at: this.readClock().toISOString(),
        dealId: null,
        type: 'rules.changed',
        data: { changes },
      };
      await this.deps.storage.transaction((tx) => tx.appendLog([entry]));
      this.deps.announcer.announceEntry(entry);
      return changes;
    });
  }

  /** Delivers the outbox's due messages (only those of `only`, when given) and announces what came of them. */
  async deliver(now: Date, only?: ReadonlyArray<string>): Promise<{ delivered: number }> {
    const { delivered, log } = await this.deps.delivery.deliverDue(now, this.deps.work, only);
    for (const e of log) this.deps.announcer.announceEntry(e);
    return { delivered };
  }

  /**
   * Delivers after a command committed. The command happened whatever becomes of this, so a
   * failure here (the store lost mid-delivery) is not the command's: it goes to `delivery.error`,
   * and the messages stay in the outbox for the next delivery or a runner.
   */
  deliverAfterCommit(now: Date, ids: ReadonlyArray<string>): Promise<void> | undefined {
    // Only what the command wrote: nothing queued, no delivery transaction. Older messages stay with runners and runDue.
    if (ids.length === 0) return undefined;
    const { announcer } = this.deps;
    // One `then` for both outcomes (no async wrapper): a throw while announcing is reported as the delivery's too.
    return this.deps.delivery.deliverDue(now, this.deps.work, ids).then(
      ({ log }) => {
        try {
          for (const e of log) announcer.announceEntry(e);
        } catch (error) {
          announcer.deliveryFailed(error);
        }
      },
      (error: unknown) => announcer.deliveryFailed(error),
    );
  }

  /** Clock, then load → authorize → decide → write in one transaction, then announce and deliver. */
  private execute(
    dealId: string | null,
    input: CommandInput,
    authorize: Authorize | undefined,
    scope: TelemetryScope<CommandResult> | undefined,
  ): Promise<Outcome> {
    let now: Date;
    try {
      now = this.readClock();
    } catch (error) {
      // A clock gone backwards fails the command as a rejection, seen by the telemetry span too.
      return Promise.reject(error);
    }
    const written: OutboxMessage[] = [];
    return this.deps.storage
      .transaction((tx) => {
        written.length = 0; // a re-run transaction starts over
        return this.inTransaction(tx, dealId, input, authorize, now, written);
      })
      .then((outcome) => {
        scope?.done({ dealId: outcome.snapshot.deal?.id ?? dealId, rulesFired: rulesFired(outcome.effects) });
        this.deps.announcer.announce(outcome.effects);
        const delivering = this.deps.deliverOnCommit ? this.deliverAfterCommit(now, dueNow(written, now)) : undefined;
        return delivering ? delivering.then(() => outcome) : outcome;
      });
  }

  private async inTransaction(
    tx: StorageTx,
    dealId: string | null,
    commandInput: CommandInput,
    authorize: Authorize | undefined,
    now: Date,
    written: OutboxMessage[],
  ): Promise<Outcome> {
    const input = typeof commandInput === 'function' ? await commandInput(tx) : commandInput;
    // Load: the deal, then its pending jobs, enrolments and the records features read, one after
    // the other (every store answers these from what getDeal loaded; SQL reads them with the row lock).
    let before = EMPTY;
    const deal = dealId === null ? undefined : await tx.getDeal(dealId);
    if (dealId !== null && deal) {
      before = { deal, jobs: await tx.pendingJobs(dealId), enrolments: await tx.getEnrolments(dealId) };
      let records: StoredRecord[] | undefined;
      for (const kind of this.deps.recordKinds) {
        const some = await tx.listRecords(kind, { dealId });
        if (some.length > 0) records = records ? records.concat(some) : some;
      }
      if (records) before.records = records;
    }
    if (!before.deal && input.type !== 'create' && (input.type !== 'event' || dealId !== null)) {
      throw new DealflowError('NOT_FOUND', `no deal with id "${dealId}"`);
    }
    if (authorize) await authorize(before);
    const decided = this.deps.decider.decide(before, input, now, tx);
    // The core is synchronous: only owner calendars and json-rules-engine make the decision wait.
    const out = decided instanceof Promise ? await decided : decided;
    await writeOutcome(tx, before, out, written);
    return out;
  }
}

/** The ids of the pending messages in `written` due by `now` (last write of each wins). */
function dueNow(written: ReadonlyArray<OutboxMessage>, now: Date): string[] {
  if (written.length === 0) return [];
  const last = new Map<string, OutboxMessage>();
  for (const m of written) last.set(m.id, m);
  const at = now.getTime();
  const out: string[] = [];
  for (const m of last.values()) if (m.status === 'pending' && isoToMs(m.nextAttemptAt) <= at) out.push(m.id);
  return out;
}
