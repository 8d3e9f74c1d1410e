import { DealflowError } from '../model/errors.js';
import type { PipelineInput } from '../model/pipeline.js';
import type { HistoryEvent } from './history.js';

/**
 * The pipeline generated histories use: the seed scenario's (examples/proposal-deadline),
 * with a `proposalSentAt` date field the 5-day rule watches.
 */
export const GENERATED_PIPELINE: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'Europe/Berlin',
  stages: [
    { id: 'unsorted', name: 'Unsorted', kind: 'inbox' },
    { id: 'new', name: 'New', kind: 'open' },
    { id: 'proposal', name: 'Proposal', kind: 'open' },
    { id: 'negotiation', name: 'Negotiation', kind: 'open' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: { proposalSentAt: { type: 'date' } },
};

/**
 * The size and seed of a generated history (`generateHistory`, `dealflow generate`): test data for
 * simulations and benchmarks when there is no real export to hand, the same for the same options.
 */
export interface GenerateOptions {
  /** How many deals to open over the period (0 or more). */
  deals: number;
  /** The length of the history; deals are opened over these days and nothing happens after them. */
  days: number;
  /** The same seed gives the same history, line for line. */
  seed: number | string;
  /** The first day. Default 2025-01-06 (a Monday). */
  start?: string;
  /** How many sales reps own the deals. Default 12. */
  owners?: number;
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). Good enough for test data, not for secrets. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a number or any string (FNV-1a). */
export function seedOf(seed: number | string): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return seed >>> 0;
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A realistic, deterministic sales history for the generated pipeline: deals opened on working
 * days in office hours, amounts spread log-normally around 6,000 (most under 10,000), proposals
 * sent after a delay that sometimes misses 5 days (and sometimes never comes), some deals marked
 * complex (a few reps far more often), then negotiation, won or lost, and `invoice.paid` events
 * after wins. Nothing is generated after the last day.
 */
export function generateHistory(options: GenerateOptions): HistoryEvent[] {
  const { deals, days } = options;
  if (!Number.isInteger(deals) || deals < 0) throw new DealflowError('INVALID_INPUT', `deals must be a whole number, 0 or more (got ${deals})`);
  if (!Number.isInteger(days) || days < 1) throw new DealflowError('INVALID_INPUT', `days must be a whole number, 1 or more (got ${days})`);
  const startMs = Date.parse(options.start ?? '2025-01-06T00:00:00.000Z');
  if (Number.isNaN(startMs)) throw new DealflowError('INVALID_INPUT', `start is not a valid date: ${options.start}`);
  const endMs = startMs + days * DAY;
  const random = mulberry32(seedOf(options.seed));
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  const chance = (p: number) => random() < p;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const exponential = (mean: number) => -mean * Math.log(1 - random());

  const ownerCount = Math.max(1, options.owners ?? 12);
  const owners = Array.from({ length: ownerCount }, (_, i) => ({
    id: `rep-${String(i + 1).padStart(2, '0')}`,
    // Most reps mark a deal complex now and then; every fifth one does it for almost half their deals.
    complexShare: i % 5 === 4 ? 0.45 : 0.08,
    // How quickly the rep sends proposals, in days on average.
    pace: 1.5 + 2.5 * random(),
  }));
  const workingDays: number[] = [];
  for (let d = 0; d < days; d++) {
    const weekday = new Date(startMs + d * DAY).getUTCDay();
    if (weekday !== 0 && weekday !== 6) workingDays.push(d);
  }
  if (workingDays.length === 0) workingDays.push(0);

  const out: Array<{ event: HistoryEvent; ms: number; seq: number }> = [];
  let seq = 0;
  const push = (ms: number, event: WithoutAt<HistoryEvent>) => {
    if (ms < endMs) out.push({ event: { at: new Date(Math.round(ms / 1000) * 1000).toISOString(), ...event } as HistoryEvent, ms, seq: seq++ });
  };
  const width = String(deals).length;
  for (let n = 0; n < deals; n++) {
    const id = `D-${String(n + 1).padStart(width, '0')}`;
    const owner = owners[Math.floor(random() * owners.length)]!;
    const day = workingDays[Math.floor((n / Math.max(1, deals)) * workingDays.length)]!;
    const opened = startMs + day * DAY + between(7, 17) * HOUR;
    const amount = Math.max(500, Math.round(Math.exp(Math.log(6000) + 0.8 * normal()) / 50) * 50);
    push(opened, {
      type: 'created',
      deal: { id, pipelineId: 'sales', ownerId: owner.id, title: `Deal ${n + 1}`, amount, currency: 'EUR', fields: {}, flags: {} },
    });

    if (chance(owner.complexShare)) push(opened + between(1, 30) * HOUR, { type: 'updated', dealId: id, patch: { flags: { complex: true } } });

    let t = opened;
    if (chance(0.88)) {
      t = opened + exponential(owner.pace) * DAY + between(0, 2) * HOUR;
      push(t, { type: 'updated', dealId: id, patch: { fields: { proposalSentAt: new Date(Math.round(t / 1000) * 1000).toISOString() } } });
      push(t + between(1, 30) * 60_000, { type: 'moved', dealId: id, stage: 'proposal' });
      if (chance(0.65)) {
        t += between(2, 12) * DAY;
        push(t, { type: 'moved', dealId: id, stage: 'negotiation' });
      }
      t += between(3, 25) * DAY;
      if (chance(0.5)) {
        push(t, { type: 'moved', dealId: id, stage: 'won' });
        if (chance(0.9)) push(t + between(2, 20) * DAY, { type: 'event', name: 'invoice.paid', dealId: id, payload: { amount } });
      } else if (chance(0.8)) {
        push(t, { type: 'moved', dealId: id, stage: 'lost' });
      }
    } else if (chance(0.7)) {
      push(opened + between(6, 40) * DAY, { type: 'moved', dealId: id, stage: 'lost' });
    }
  }
  out.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
  return out.map((o) => o.event);
}
