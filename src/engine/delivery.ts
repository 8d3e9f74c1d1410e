import type { ActionRegistry } from '../core/actions.js';
import type { AnyHistoryEntry, OutboxMessage } from '../core/types.js';
import type { Deal, Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import { withKey } from '../model/records.js';
import type { Directory, User } from '../ports/directory.js';
import type { IdGenerator } from '../ports/ids.js';
import { isPermanentError, type Notifier, type OutgoingMessage, type SendOptions } from '../ports/notifier.js';
import { DONE, type Storage, type StorageTx } from '../ports/storage.js';
import { noTelemetry, type DeliveryResult, type Telemetry } from '../ports/telemetry.js';
import type { ClaimRequest, WorkQueue } from '../ports/work-queue.js';
import { digestPayload, digestSubject, groupDigestItems, renderDigestText } from './digests.js';
import { toIsoString } from '../core/time/iso.js';

/** How the outbox retries a failed delivery: `createEngine({ retry })` overrides any part of DEFAULT_RETRY. */
export interface RetryPolicy {
  /** Attempts before a message is dead-lettered. Default 12 (about five hours with the defaults below). */
  maxAttempts: number;
  /** Wait before the second attempt, in ms; doubled for each further one. Default 30 s. */
  baseDelayMs: number;
  /** The longest wait between attempts. Default 1 h. */
  maxDelayMs: number;
  /**
   * How much of each wait is random, 0 to 1: the wait is drawn from [(1 − jitter) × w, w].
   * Spreads the retries of messages that failed together. Default 0.2.
   */
  jitter: number;
  /** Seeds the jitter. The draw is a hash of the seed, the message key and the attempt, so it is reproducible. */
  seed: string;
}

/** The retry policy the engine uses unless `createEngine({ retry })` overrides parts of it. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 12, baseDelayMs: 30_000, maxDelayMs: 3_600_000, jitter: 0.2, seed: '' };

/** Checks a retry policy from the engine config; a bad value throws INVALID_CONFIG naming it. */
export function checkRetryPolicy(p: RetryPolicy): RetryPolicy {
  const bad = (field: string, rule: string) =>
    new DealflowError('INVALID_CONFIG', `retry.${field} must be ${rule}`, { issues: [{ path: `$.retry.${field}`, message: `must be ${rule}` }] });
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) throw bad('maxAttempts', 'an integer of at least 1');
  if (!(p.baseDelayMs >= 0)) throw bad('baseDelayMs', 'a number of ms, 0 or more');
  if (!(p.maxDelayMs >= p.baseDelayMs)) throw bad('maxDelayMs', 'at least baseDelayMs');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw bad('jitter', 'between 0 and 1');
  if (typeof p.seed !== 'string') throw bad('seed', 'a string');
  return p;
}

/** FNV-1a over the text, as a fraction in [0, 1): a seeded draw with no Math.random. */
export function seededFraction(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Finalise (murmur3's fmix32) so neighbouring keys spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** The wait after failed attempt `attempt` (1-based) of the message with `key`. */
export function backoffMs(attempt: number, policy: RetryPolicy, key = ''): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jitter = policy.jitter ?? 0;
  if (jitter === 0) return full;
  const u = seededFraction(`${policy.seed ?? ''}\u0000${key}\u0000${attempt}`);
  return Math.round(full * (1 - jitter * u));
}

/** One send's outcome, waiting to be recorded: `error` is null when it went through. */
interface Attempt {
  message: OutboxMessage;
  error: unknown;
}

/** A failure retrying cannot fix, found by dealflow itself (no recipient, no action). */
class Undeliverable extends Error {
  readonly permanent = true;
}

interface DeliveryDeps {
  storage: Storage;
  notifier: Notifier;
  directory: Directory;
  actions: ActionRegistry;
  ids: IdGenerator;
  retry: RetryPolicy;
  /** How long a claim on the messages this engine delivers itself lasts (no renewal here; a runner renews). */
  leaseMs: number;
  telemetry: Telemetry;
}

/** Who claims the messages an engine delivers after its commands (a runner claims under its own name). */
const ENGINE_OWNER = 'engine';

/** How many messages one claim of `deliverDue` takes. */
const BATCH = 100;
/** How many sends are recorded together (one transaction). */
const RECORD_EVERY = 50;

/**
 * Delivers outbox messages after their command committed: one attempt each, then records the
 * result in its own transaction. A failure schedules a retry with backoff and jitter; the last
 * failure, or a permanent one, dead-letters the message. Nothing is removed, so nothing is lost:
 * a dead letter waits for `retry` or `discard`.
 */
export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /**
   * Delivers what is due at `now` (only the messages `only` names, when given): claims a batch
   * through the work queue, sends it, records the outcomes, until nothing due is left. The same
   * path a runner takes (`deliverBatch`), one send at a time so the order is the due order.
   */
  async deliverDue(now: Date, work: WorkQueue, only?: ReadonlyArray<string>): Promise<{ delivered: number; log: AnyHistoryEntry[] }> {
    const iso = toIsoString(now.getTime());
    const tried: string[] = [];
    let delivered = 0;
    const log: AnyHistoryEntry[] = [];
    for (;;) {
      // Claimed with a lease, so engines in other processes sharing the store do not send it too;
      // never what this call already tried (a retry due at once waits for the next call).
      const request: ClaimRequest = { owner: ENGINE_OWNER, token: this.deps.ids.next('lease'), ms: this.deps.leaseMs, until: iso, limit: BATCH, skip: tried };
      if (only) request.only = only;
      const claimed = await work.claimDeliveries(request);
      if (claimed.length === 0) break;
      const outcomes = await this.deliverBatch(claimed, request.token, now, 1);
      for (let i = 0; i < claimed.length; i++) {
        const entries = outcomes[i]!;
        for (const e of entries) log.push(e);
        // A delivered message is no longer pending; only the others could be claimed again, so only
        // they are skipped (a list of every message sent grew each claim's request, and its Set, by N).
        if (entries[0]?.type === 'outbox.delivered') delivered++;
        else tried.push(claimed[i]!.id);
      }
      if (only || claimed.length < BATCH) break;
    }
    return { delivered, log };
  }

  /**
   * Sends claimed messages, at most `concurrency` at once, and records their outcomes together:
   * one transaction per `recordEvery` sends, each outcome only where `token` still holds the lease.
   * `recordEvery` bounds how many sends a crash can leave unrecorded (to be sent again).
   * Due digests are sealed first, so no item joins a digest after it was sent. A crash between a
   * send and its record leaves the message claimed and unrecorded, as a crash after one send
   * would: the lease runs out and it is sent again under the same idempotency key. Resolves to
   * the log entries written per message (none: skipped).
   */
  async deliverBatch(
    claimed: ReadonlyArray<OutboxMessage>,
    token: string,
    now: Date,
    concurrency: number,
    recordEvery = RECORD_EVERY,
  ): Promise<AnyHistoryEntry[][]> {
    let batch: ReadonlyArray<OutboxMessage> = claimed;
    if (claimed.some(unsealedDigest)) {
      batch = await this.deps.storage.transaction((tx) => sealDigests(tx, [...claimed]));
    }
    // Small chunks, so slow sends cannot outlast the lease before their outcomes are recorded.
    const every = Math.max(1, recordEvery);
    if (batch === claimed && batch.length <= every && concurrency <= 1) {
      // One chunk sent one at a time (a command's own messages, runDue's claims): its outcomes are
      // already in claim order, so none of the bookkeeping below (about 2 KB a delivery).
      const attempts: Attempt[] = [];
      for (const message of batch) attempts.push({ message, error: await this.trySend(message, now) });
      return this.record(attempts, now, token);
    }
    const byId = new Map<string, AnyHistoryEntry[]>();
    for (let i = 0; i < batch.length; i += every) {
      const chunk = batch.slice(i, i + every);
      const errors = await mapLimited(chunk, concurrency, (m) => this.trySend(m, now));
      const recorded = await this.record(
        chunk.map((message, k) => ({ message, error: errors[k] })),
        now,
        token,
      );
      chunk.forEach((m, k) => byId.set(m.id, recorded[k]!));
    }
    return claimed.map((m) => byId.get(m.id) ?? []);
  }

  /** Dead letters, oldest first. */
  async deadLetters(query: { dealId?: string } = {}): Promise<OutboxMessage[]> {
    const dead = await this.deps.storage.transaction((tx) => tx.listOutbox({ status: 'dead', ...query }));
    return dead.sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id));
  }

  /** Puts a dead letter back in the queue with a fresh set of attempts, due at `now`. */
  async retry(id: string, now: Date): Promise<AnyHistoryEntry[]> {
    return this.resolveDead(id, now, 'outbox.retried', (m) => ({ ...m, status: 'pending', attempts: 0, nextAttemptAt: now.toISOString() }));
  }

  /** Marks a dead letter discarded: it stays in the outbox for the record and is never sent. */
  async discard(id: string, now: Date): Promise<AnyHistoryEntry[]> {
    return this.resolveDead(id, now, 'outbox.discarded', (m) => ({ ...m, status: 'discarded' }));
  }

  private resolveDead(id: string, now: Date, type: string, change: (m: OutboxMessage) => OutboxMessage): Promise<AnyHistoryEntry[]> {
    return this.deps.storage.transaction(async (tx) => {
      const current = await tx.getOutbox(id);
      if (!current) throw new DealflowError('NOT_FOUND', `no outbox message with id "${id}"`);
      if (current.status !== 'dead') {
        throw new DealflowError('CONFLICT', `outbox message "${id}" is ${current.status}, not dead; only dead letters can be retried or discarded`);
      }
      await tx.putOutbox([change(current)]);
      const entries = this.entries(current, now, type, { previousAttempts: current.attempts, lastError: current.lastError });
      await tx.appendLog(entries);
      return entries;
    });
  }

  /** One try at sending: null when it went through, else what it failed with. */
  private trySend(message: OutboxMessage, now: Date): Promise<unknown> {
    const attempt = message.attempts + 1;
    // Without telemetry, no span's details and no closure for it: one of these runs per delivery.
    if (this.deps.telemetry === noTelemetry) return this.send(message, attempt, now).then(sent, failedWith);
    // TELEMETRY (call site 3 of 4, Delivery.trySend): a span per delivery attempt, with what comes of it.
    const info = { messageId: message.id, kind: message.kind, dealId: message.dealId, ruleId: message.ruleId, attempt };
    return this.deps.telemetry.delivery(info, async (scope) => {
      try {
        await this.send(message, attempt, now);
        scope.done({ outcome: 'delivered' });
        return null;
      } catch (e) {
        const error = e ?? new Error('the notifier threw without a reason');
        scope.done(afterFailure(error, attempt, this.deps.retry));
        return error;
      }
    });
  }

  /** Records attempts (one transaction for all), each only where `token` still holds its lease; the log entries written per attempt. */
  private record(attempts: ReadonlyArray<Attempt>, now: Date, token: string): Promise<AnyHistoryEntry[][]> {
    const { storage, retry } = this.deps;
    return storage.transaction(async (tx) => {
      const out: AnyHistoryEntry[][] = [];
      // Fenced: if the lease expired and another process claimed a message, its attempt is the one recorded.
      const held = tx.getClaimedOutboxes
        ? await tx.getClaimedOutboxes(
            attempts.map((a) => a.message.id),
            token,
          )
        : undefined;
      for (const { message, error } of attempts) {
        const attempt = message.attempts + 1;
        const current = held ? held.get(message.id) : await tx.getClaimedOutbox(message.id, token);
        if (!current) {
          out.push([]);
          continue;
        }
        if (current.status !== 'pending' || current.attempts !== message.attempts) {
          await tx.releaseLeases(token, [message.id]);
          out.push([]);
          continue;
        }
        let next: OutboxMessage;
        let type: string;
        const data: Record<string, unknown> = { attempt };
        if (error === null) {
          next = { ...current, status: 'delivered', attempts: attempt, lastError: null };
          type = 'outbox.delivered';
        } else {
          const reason = describe(error);
          const verdict = afterFailure(error, attempt, retry);
          const dead = verdict.outcome === 'dead';
          next = {
            ...current,
            attempts: attempt,
            lastError: reason,
            status: dead ? 'dead' : 'pending',
            nextAttemptAt: dead ? current.nextAttemptAt : new Date(now.getTime() + backoffMs(attempt, retry, message.key)).toISOString(),
          };
          type = dead ? 'outbox.dead' : 'outbox.failed';
          data.error = reason;
          if (dead) data.reason = verdict.reason;
          else data.nextAttemptAt = next.nextAttemptAt;
        }
        const entries = this.entries(message, now, type, data);
        // Writes that return DONE finished at once (the in-memory store): no turn waited for each.
        const wrote = tx.putOutbox([next]);
        if (wrote !== DONE) await wrote;
        const released = tx.releaseLeases(token, [message.id]);
        if (released !== DONE) await released;
        const logged = tx.appendLog(entries);
        if (logged !== DONE) await logged;
        out.push(entries);
      }
      return out;
    });
  }

  /** Log entries about a message: one, or for a digest one per item, so each deal's history shows it. */
  private entries(message: OutboxMessage, now: Date, type: string, data: Record<string, unknown>): AnyHistoryEntry[] {
    const at = toIsoString(now.getTime());
    if (message.kind === 'digest') {
      const base = { messageId: message.id, kind: message.kind };
      const p = digestPayload(message);
      return p.items.map((item) => {
        const entry: AnyHistoryEntry = {
          id: this.deps.ids.next('log'),
          at,
          dealId: item.dealId,
          type,
          data: { ...base, key: item.key, digestKey: message.key, policy: p.policy, recipientId: p.recipientId, ...data },
        };
        if (item.ruleId) entry.ruleId = item.ruleId;
        return entry;
      });
    }
    // Built key by key rather than by spreading: one of these is written for every attempt.
    const out: Record<string, unknown> = { messageId: message.id, kind: message.kind, key: message.key };
    if (message.kind === 'notification') out.recipientId = (message.payload.recipientId as string | null) ?? null;
    for (const k in data) out[k] = data[k];
    const entry: AnyHistoryEntry = { id: this.deps.ids.next('log'), at, dealId: message.dealId, type, data: out };
    if (message.ruleId) entry.ruleId = message.ruleId;
    return [entry];
  }

  /**
   * One attempt at sending. Not an async function: a notification's recipient is looked up and
   * handed to the notifier without a frame per step when the Directory answers at once (one of
   * these runs per delivery). Whatever throws, here or in a port, comes back as a rejection, so
   * trySend records it as the attempt's failure.
   */
  private send(message: OutboxMessage, attempt: number, now: Date): Promise<void> {
    try {
      const options = { idempotencyKey: message.key, attempt };
      if (message.kind === 'action') return this.execute(message, attempt, now);
      if (message.kind === 'digest') return this.digestMessage(message).then((outgoing) => this.deps.notifier.send(outgoing, options));
      const p = message.payload;
      const id = (p.recipientId as string | null | undefined) ?? null;
      if (!id) return Promise.reject(new Undeliverable(`no recipient: ${String(p.unresolved ?? 'unresolved')}`));
      const found = this.deps.directory.get(id);
      // Any thenable a host's Directory returns is waited for, as `await` would.
      if (found !== undefined && typeof (found as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(found).then((user) => this.notify(message, id, user, options));
      }
      return this.notify(message, id, found as User | undefined, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Hands a notification to the notifier, addressed to its recipient's Directory record. */
  private notify(message: OutboxMessage, id: string, user: User | undefined, options: SendOptions): Promise<void> {
    if (!user) return Promise.reject(new Undeliverable(`recipient "${id}" is not in the directory`));
    const p = message.payload;
    const outgoing: OutgoingMessage = {
      recipient: user,
      template: p.template as string,
      subject: (p.subject as string | null) ?? null,
      text: (p.text as string | null) ?? null,
      data: withKey((p.data as Record<string, unknown>) ?? {}, 'deal', p.deal),
      dealId: message.dealId,
      ruleId: message.ruleId,
    };
    try {
      // A notifier's send may throw instead of rejecting, or return nothing: both as `await` took them.
      return Promise.resolve(this.deps.notifier.send(outgoing, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async recipient(id: string | null, unresolved?: unknown) {
    if (!id) throw new Undeliverable(`no recipient: ${String(unresolved ?? 'unresolved')}`);
    const user = await this.deps.directory.get(id);
    if (!user) throw new Undeliverable(`recipient "${id}" is not in the directory`);
    return user;
  }

  private async digestMessage(message: OutboxMessage): Promise<OutgoingMessage> {
    const p = digestPayload(message);
    const recipient = await this.recipient(p.recipientId);
    const items: OutgoingMessage[] = p.items.map((item) => ({
      recipient,
      template: item.template,
      subject: item.subject,
      text: item.text,
      data: withKey(item.data, 'deal', item.deal),
      dealId: item.dealId,
      ruleId: item.ruleId,
    }));
    const groups = groupDigestItems(p.items, p.timezone);
    return {
      recipient,
      template: p.template,
      subject: digestSubject(p),
      text: renderDigestText(p, recipient, groups),
      data: { digest: { policy: p.policy, count: p.items.length, sendAt: p.sendAt, timezone: p.timezone }, groups },
      dealId: null,
      ruleId: null,
      items,
    };
  }

  private async execute(message: OutboxMessage, attempt: number, now: Date): Promise<void> {
    const p = message.payload;
    const def = this.deps.actions.get(p.type as string);
    if (!def?.execute) throw new Undeliverable(`no action "${String(p.type)}" with an execute function is registered`);
    try {
      await def.execute(
        {
          deal: (p.deal as Deal | null) ?? null,
          event: (p.event as Record<string, Json> | null) ?? null,
          ruleId: message.ruleId,
          now,
          idempotencyKey: message.key,
          attempt,
        },
        p.params,
      );
    } catch (e) {
      if (def.isPermanentError?.(e)) throw Object.assign(e instanceof Error ? e : new Error(String(e)), { permanent: true });
      throw e;
    }
  }
}

/** Marks due digests sealed before their first attempt, so no item joins a digest after it was sent. */
async function sealDigests(tx: StorageTx, due: OutboxMessage[]): Promise<OutboxMessage[]> {
  const out: OutboxMessage[] = [];
  const changed: OutboxMessage[] = [];
  for (const m of due) {
    if (m.kind === 'digest' && !digestPayload(m).sealed) {
      // Re-read with the row lock (SQL: FOR UPDATE), so an item a concurrent command just added is sealed in, not overwritten.
      const current = await tx.getOutbox(m.id);
      if (current?.status !== 'pending') continue;
      const sealed = { ...current, payload: { ...current.payload, sealed: true } };
      changed.push(sealed);
      out.push(sealed);
    } else out.push(m);
  }
  if (changed.length > 0) await tx.putOutbox(changed);
  return out;
}

/** What a failed attempt leads to: a dead letter (a permanent error, or the last attempt) or another attempt. */
function afterFailure(error: unknown, attempt: number, retry: RetryPolicy): DeliveryResult {
  if (isPermanentError(error)) return { outcome: 'dead', reason: 'permanent', error };
  if (attempt >= retry.maxAttempts) return { outcome: 'dead', reason: 'max-attempts', error };
  return { outcome: 'retry', error };
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
function unsealedDigest(m: OutboxMessage): boolean {
  return m.kind === 'digest' && !digestPayload(m).sealed;
}

/** trySend's outcomes: null when the message went through, else what it failed with. */
const sent = (): null => null;
const failedWith = (e: unknown): unknown => e ?? new Error('the notifier threw without a reason');

async function mapLimited<T, R>(items: ReadonlyArray<T>, limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  if (limit <= 1) {
    for (let i = 0; i < items.length; i++) out[i] = await fn(items[i]!);
    return out;
  }
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
