import type { Outcome } from '../core/transition.js';
import type { DealSnapshot, LogEntry, OutboxMessage, StoredRecord } from '../core/types.js';
import { TASK_RECORD } from '../core/tasks/lifecycle.js';
import { toIsoString } from '../core/time/iso.js';
import type { Pipeline } from '../model/pipeline.js';
import type { PutOptions, StorageTx } from '../ports/storage.js';
import type { OutboxWriteContext, OutboxWriter } from './outbox-writer.js';
import type { TaskPeople } from './task-people.js';

/** Writes a row whose id the engine just made up: inserted, never over a stored one (CONFLICT). */
const INSERT: PutOptions = { insert: true };

interface EffectWriterDeps {
  outboxWriter: OutboxWriter;
  taskPeople: TaskPeople;
  pipeline(id: string): Pipeline | undefined;
  ruleName(ruleId: string): string | null;
}

/**
 * Writes what the core decided: the deal, its enrolments, jobs, outbox messages (recipients
 * resolved, digests held), records (task people resolved) and history, through one transaction.
 * A command and every job of a batch go through here alike.
 */
export class EffectWriter {
  constructor(private readonly deps: EffectWriterDeps) {}

  /** Writes an outcome's effects; the outbox messages it writes are added to `written`, when given. */
  async write(tx: StorageTx, before: DealSnapshot, out: Outcome, now: Date, written?: OutboxMessage[]): Promise<void> {
    let outboxTx: StorageTx | undefined;
    const forOutbox = () => (outboxTx ??= written ? recordingOutbox(tx, written) : tx);
    const after = out.snapshot;
    if (before.deal && !after.deal) await tx.deleteDeal(before.deal.id);
    else if (after.deal && after.deal !== before.deal) await tx.putDeal(after.deal, before.deal ? undefined : INSERT);
    // The core hands back the snapshot's enrolments object unless a rule fired (copy on write).
    if (after.deal && after.enrolments !== before.enrolments) {
      await tx.putEnrolments(after.deal.id, after.enrolments);
    }
    const log: LogEntry[] = [];
    let held: LogEntry[] | undefined;
    let stored: Map<string, StoredRecord> | undefined;
    let hasTaskRecords = false;
    const deal = after.deal ?? before.deal;
    let outboxContext: OutboxWriteContext | undefined;
    const context = (): OutboxWriteContext =>
      (outboxContext ??= {
        now: toIsoString(now.getTime()),
        zone: (deal && this.deps.pipeline(deal.pipelineId)?.timezone) || 'UTC',
        ruleName: (ruleId: string | null) => (ruleId ? this.deps.ruleName(ruleId) : null),
      });
    for (const effect of out.effects) {
      switch (effect.type) {
        case 'log':
          log.push(effect.entry);
          break;
        case 'job.schedule':
          await tx.putJob(effect.job, effect.fresh ? INSERT : undefined);
          break;
        case 'job.cancel':
        case 'job.done':
          await tx.removeJob(effect.jobId);
          break;
        case 'outbox': {
          const entries = await this.deps.outboxWriter.write(forOutbox(), effect.message, context());
          if (entries.length > 0) (held ??= []).push(...entries);
          break;
        }
        case 'record': {
          // Tasks name people through the Directory (a port, maybe I/O): resolved here, before storing.
          const resolved = await this.deps.taskPeople.resolve(effect.record, deal, context().now);
          (stored ??= new Map()).set(resolved.record.id, resolved.record);
          if (resolved.record.kind === TASK_RECORD) hasTaskRecords = true;
          if (resolved.log.length > 0) (held ??= []).push(...resolved.log);
          await tx.putRecord(resolved.record, effect.fresh ? INSERT : undefined);
          break;
        }
      }
    }
    if (hasTaskRecords) {
      const assigned = this.deps.taskPeople.notifications(out.effects, stored!, deal, deal ? this.deps.pipeline(deal.pipelineId) : undefined, context().now);
      if (assigned.log.length > 0) (held ??= []).push(...assigned.log);
      for (const message of assigned.messages) (held ??= []).push(...(await this.deps.outboxWriter.write(forOutbox(), message, context())));
    }
    if (held) {
      // Entries the writer adds (digest holds) join the outcome's, so they are announced after commit too.
      for (const entry of held) out.effects.push({ type: 'log', entry });
      log.push(...held);
    }
    await tx.appendLog(log);
  }
}

/** A transaction whose outbox writes are also collected in `sink` (what a command delivers after commit). */
function recordingOutbox(tx: StorageTx, sink: OutboxMessage[]): StorageTx {
  return new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop === 'putOutbox') {
        return (messages: OutboxMessage[], options?: PutOptions) => {
          sink.push(...messages);
          return target.putOutbox(messages, options);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
