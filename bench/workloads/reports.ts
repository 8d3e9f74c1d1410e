import type { AnyHistoryEntry, StoredRecord } from '../../src/core/types.js';
import { loadReportData } from '../../src/engine/reports.js';
import { AccessGuard } from '../../src/engine/access.js';
import { InMemoryStorage } from '../../src/memory/storage.js';
import type { Deal } from '../../src/model/deal.js';
import { PipelineSchema } from '../../src/model/pipeline.js';
import { defaultAccessPolicy } from '../../src/ports/access.js';
import { InMemoryDirectory } from '../../src/ports/directory.js';
import { REPORTS, REPORT_INPUTS, type ReportName } from '../../src/reports/index.js';
import type { ReportData } from '../../src/reports/types.js';
import { medianMs, type Workload } from '../harness.js';

/**
 * Every report over 100,000 deals and 1,000,000 log entries held in memory (quick: 10,000 and
 * 100,000): the pure function on loaded data, and `loadReportData` from an InMemoryStorage (what
 * engine.report adds), each the median of several rounds. The history is synthetic but shaped
 * like the engine's: creation, stage moves, the 5-day rule's jobs, and the chatter in between.
 */
const STAGES = ['unsorted', 'new', 'qualification', 'proposal', 'negotiation', 'won', 'lost'];
export const pipeline = PipelineSchema.parse({
  id: 'sales',
  name: 'Sales',
  stages: STAGES.map((id) => ({
    id,
    name: id[0]!.toUpperCase() + id.slice(1),
    kind: id === 'unsorted' ? 'inbox' : id === 'won' ? 'won' : id === 'lost' ? 'lost' : 'open',
  })),
});
const OWNERS = Array.from({ length: 50 }, (_, i) => `seller-${i}`);
const START = Date.parse('2025-01-06T09:00:00.000Z');
const HOUR = 3_600_000;
const FILLER = ['rule.fired', 'rule.skipped', 'notification.queued', 'action.executed', 'outbox.delivered', 'deal.updated'];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function history(dealCount: number, logTarget: number): { deals: Deal[]; log: AnyHistoryEntry[]; records: StoredRecord[] } {
  const r = rng(6);
  const deals: Deal[] = [];
  const perDeal: AnyHistoryEntry[][] = [];
  const records: StoredRecord[] = [];
  let seq = 0;
  const entry = (at: number, dealId: string, type: string, data: Record<string, unknown>, ruleId?: string): AnyHistoryEntry => {
    const e: AnyHistoryEntry = { id: `log-${++seq}`, at: new Date(at).toISOString(), dealId, type, data };
    if (ruleId) e.ruleId = ruleId;
    return e;
  };
  for (let i = 0; i < dealCount; i++) {
    const id = `D-${i}`;
    const created = START + Math.floor((i / dealCount) * 360 * 24) * HOUR + (i % 60) * 60_000;
    const entries: AnyHistoryEntry[] = [];
    let stage = r() < 0.1 ? 'unsorted' : 'new';
    const first = { id, pipelineId: 'sales', stageId: stage, ownerId: OWNERS[i % OWNERS.length]! };
    entries.push(entry(created, id, 'deal.created', { deal: first }));
    let at = created;
    let closedAt: number | null = null;
    let enteredAt = created;
    for (let step = 0; step < 6; step++) {
      at += Math.floor((0.5 + r() * 10) * 24) * HOUR;
      const pos = STAGES.indexOf(stage);
      const roll = r();
      const to = roll < 0.6 ? STAGES[pos + 1]! : roll < 0.75 ? 'lost' : roll < 0.82 && pos > 1 ? STAGES[pos - 1]! : null;
      if (!to) break;
      entries.push(entry(at, id, 'stage.changed', { from: stage, to, by: 'command' }));
      stage = to;
      enteredAt = at;
      if (to === 'won' || to === 'lost') {
        closedAt = at;
        break;
      }
    }
    const amount = 1000 + Math.floor(r() * 40) * 500;
    if (amount < 10_000) {
      const jobId = `job-${i}`;
      entries.push(
        entry(
          created,
          id,
          'job.scheduled',
          { jobId, actionId: 'record', type: 'recordViolation', dueAt: new Date(created + 120 * HOUR).toISOString() },
          'proposal-5-days',
        ),
      );
      const outcome = r();
      const endAt = created + 120 * HOUR;
      if (outcome < 0.6) entries.push(entry(endAt, id, 'job.cancelled', { jobId, actionId: 'record', reason: 'until-met' }, 'proposal-5-days'));
      else if (outcome < 0.9) entries.push(entry(endAt, id, 'job.ran', { jobId, actionId: 'record' }, 'proposal-5-days'));
    }
    const complex = r() < 0.2;
    if (complex) {
      records.push({
        kind: 'exception',
        id: `exc-${i}`,
        dealId: id,
        at: new Date(created + HOUR).toISOString(),
        data: { flag: 'complex', reason: 'payment-terms', requestedBy: first.ownerId, approvalId: `apr-${i}`, status: 'approved' },
      });
      records.push({
        kind: 'approval',
        id: `apr-${i}`,
        dealId: id,
        at: new Date(created + HOUR).toISOString(),
        data: { status: 'approved', requesterId: first.ownerId, decidedBy: 'manager', exceptionId: `exc-${i}` },
      });
    }
    const iso = (t: number) => new Date(t).toISOString();
    deals.push({
      ...first,
      title: `Deal ${i}`,
      amount,
      currency: 'EUR',
      fields: {},
      flags: { complex },
      stageId: stage,
      createdAt: iso(created),
      stageEnteredAt: iso(enteredAt),
      updatedAt: iso(enteredAt),
      closedAt: closedAt === null ? null : iso(closedAt),
      version: entries.length,
    });
    perDeal.push(entries);
  }
  // Chatter up to the target size, then everything in time order as the engine appends it.
  const core = perDeal.reduce((n, e) => n + e.length, 0);
  for (let k = 0; k < logTarget - core; k++) {
    const i = k % dealCount;
    perDeal[i]!.push(entry(Date.parse(deals[i]!.createdAt) + (k % 97) * 60_000, deals[i]!.id, FILLER[k % FILLER.length]!, {}));
  }
  const log = perDeal.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { deals, log, records };
}

const OPTIONS: { [N in ReportName]: unknown } = {
  slaCompliance: { groupBy: 'owner' },
  exceptions: {},
  flagShare: { flag: 'complex' },
  funnel: { groupBy: 'owner' },
  timeInStage: {},
  stale: { idleFor: { days: 30 } },
  velocity: { groupBy: 'owner' },
};

export default {
  name: 'reports',
  async run({ quick }) {
    const dealCount = quick ? 10_000 : 100_000;
    const logCount = quick ? 100_000 : 1_000_000;
    const rounds = quick ? 3 : 5;
    const { deals, log, records } = history(dealCount, logCount);
    const byKind: Record<string, StoredRecord[]> = {
      exception: records.filter((x) => x.kind === 'exception'),
      approval: records.filter((x) => x.kind === 'approval'),
    };
    const asOf = new Date(START + 400 * 24 * HOUR).toISOString();
    const data: ReportData = { deals, log, records: byKind, pipelines: [pipeline], asOf, teamOf: (o) => `team-${Number(o.slice(7)) % 5}` };

    const storage = new InMemoryStorage();
    await storage.transaction(async (tx) => {
      for (const d of deals) await tx.putDeal(d);
      await tx.appendLog(log);
      for (const rec of records) await tx.putRecord(rec);
    });
    const host = {
      storage,
      clock: { now: () => new Date(asOf) },
      access: new AccessGuard(defaultAccessPolicy, new InMemoryDirectory()),
      pipelines: [pipeline],
    };

    const table: Array<Record<string, string | number>> = [];
    const keys: Record<string, number> = {};
    for (const name of Object.keys(REPORTS) as ReportName[]) {
      const run = REPORTS[name] as (d: ReportData, o: unknown) => { rows: unknown[] };
      const rows = run(data, OPTIONS[name]).rows.length;
      const pureMs = await medianMs(rounds, () => run(data, OPTIONS[name]));
      const loadMs = await medianMs(rounds, () => loadReportData(host, { log: REPORT_INPUTS[name].log, records: REPORT_INPUTS[name].records }));
      table.push({
        report: name,
        rows,
        'report ms': Math.round(pureMs),
        'load ms': Math.round(loadMs),
        'deals/s (report)': Math.round(dealCount / (pureMs / 1000)),
      });
      keys[`reports.${name}_ms`] = Math.round(pureMs * 10) / 10;
      keys[`reports.${name}_load_ms`] = Math.round(loadMs * 10) / 10;
    }
    return {
      table,
      keys,
      notes: [
        `${dealCount.toLocaleString('en-US')} deals, ${log.length.toLocaleString('en-US')} log entries, ${records.length.toLocaleString('en-US')} records, 50 owners in 5 teams; median of ${rounds} rounds.`,
        '"report ms": the pure function on loaded data. "load ms": loadReportData from an InMemoryStorage (the log entry types and record kinds that report reads), as engine.report does before it.',
      ],
    };
  },
} satisfies Workload;
