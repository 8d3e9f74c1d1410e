import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { proposalRules } from '../../examples/proposal-deadline/setup.js';
import { generateHistory, GENERATED_PIPELINE } from '../../src/simulation/generate.js';
import type { HistoryEvent } from '../../src/simulation/history.js';
import { simulate } from '../../src/simulation/simulate.js';

/**
 * The 5-day rule's outcome per deal, counted straight from the history — no engine — by the SLA
 * report's reading of a plain rule's deadline, which is decided when its job comes due: a deal
 * under 10,000 closed (won or lost) before five calendar days (Berlin time) passed is cancelled;
 * otherwise, once the five days have passed within the period, it met the deadline if its
 * proposal went out before them and breached it if not; before that it is still open.
 */
function countFromHistory(events: HistoryEvent[], end: string) {
  const opened = new Map<string, string>();
  const sent = new Map<string, number>();
  const closed = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'created' && e.deal.amount < 10_000) opened.set(e.deal.id, e.at);
    if (e.type === 'updated' && e.patch.fields?.proposalSentAt !== undefined && !sent.has(e.dealId)) sent.set(e.dealId, Date.parse(e.at));
    if (e.type === 'moved' && (e.stage === 'won' || e.stage === 'lost') && !closed.has(e.dealId)) closed.set(e.dealId, Date.parse(e.at));
  }
  const count = { met: 0, breached: 0, cancelled: 0, open: 0 };
  const endMs = Date.parse(end);
  for (const [dealId, at] of opened) {
    const due = DateTime.fromISO(at, { zone: 'Europe/Berlin' }).plus({ days: 5 }).toMillis();
    if ((closed.get(dealId) ?? Infinity) < due) count.cancelled++;
    else if (due > endMs) count.open++;
    else if ((sent.get(dealId) ?? Infinity) < due) count.met++;
    else count.breached++;
  }
  return count;
}

describe('a backtest over a generated year', () => {
  it('10,000 deals: the SLA report of the 5-day rule matches an independent count from the history', async () => {
    const events = generateHistory({ deals: 10_000, days: 365, seed: 42 });
    const end = '2026-01-06T00:00:00.000Z';
    const result = await simulate({ rules: proposalRules, pipelines: [GENERATED_PIPELINE], events, to: end });

    expect(result.errors).toEqual([]);
    expect(result.summary.deals).toBe(10_000);
    const expected = countFromHistory(events, end);
    // The generator makes a realistic mix, so every outcome occurs.
    expect(expected.met).toBeGreaterThan(1000);
    expect(expected.breached).toBeGreaterThan(500);
    expect(expected.open).toBeGreaterThan(0);
    expect(expected.cancelled).toBeGreaterThan(0);

    const [row, ...others] = result.reports.slaCompliance.rows;
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      slaId: 'proposal-within-5-days',
      ...expected,
      exempt: 0,
      started: expected.met + expected.breached + expected.cancelled + expected.open,
    });
    expect(result.summary.violations).toEqual([{ name: 'proposal-5-days', count: expected.breached }]);
  }, 180_000);
});
