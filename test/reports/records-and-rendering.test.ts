import { describe, expect, it } from 'vitest';
import type { AnyHistoryEntry, StoredRecord } from '../../src/core/types.js';
import type { Deal } from '../../src/model/deal.js';
import { PipelineSchema } from '../../src/model/pipeline.js';
import { isDealflowError } from '../../src/model/errors.js';
import { exceptions, flagShare, formatDuration, funnel, slaCompliance, stale, toCsv, toTextTable, type ReportData } from '../../src/reports/index.js';

const pipeline = PipelineSchema.parse({
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
});

function deal(id: string, ownerId: string, extra: Partial<Deal> = {}): Deal {
  return {
    id,
    pipelineId: 'sales',
    stageId: 'new',
    ownerId,
    title: `Deal ${id}`,
    amount: 1000,
    currency: 'EUR',
    fields: {},
    flags: {},
    createdAt: '2026-03-02T09:00:00.000Z',
    stageEnteredAt: '2026-03-02T09:00:00.000Z',
    updatedAt: '2026-03-02T09:00:00.000Z',
    closedAt: null,
    version: 1,
    ...extra,
  };
}

function data(deals: Deal[], records: Record<string, StoredRecord[]> = {}, log: AnyHistoryEntry[] = []): ReportData {
  return { deals, log, records, pipelines: [pipeline], asOf: '2026-03-20T09:00:00.000Z', teamOf: (o) => (o === 'anna' ? 'north' : 'south') };
}

/** An `sla` record as the SLA feature writes it (src/model/sla.ts SlaInstance). */
function sla(id: string, dealId: string, status: string, extended = false): StoredRecord {
  return {
    kind: 'sla',
    id,
    dealId,
    at: '2026-03-02T09:00:00.000Z',
    data: {
      slaId: 'first-call',
      name: 'First call within a day',
      ownerId: 'anna',
      status,
      startedAt: '2026-03-02T09:00:00.000Z',
      dueAt: extended ? '2026-03-05T09:00:00.000Z' : '2026-03-03T09:00:00.000Z',
      originalDueAt: '2026-03-03T09:00:00.000Z',
      extended,
      extensions: extended
        ? [
            {
              at: '2026-03-02T12:00:00.000Z',
              by: 'maria',
              approvalId: 'a1',
              from: '2026-03-03T09:00:00.000Z',
              to: '2026-03-05T09:00:00.000Z',
              duration: { days: 2 },
            },
          ]
        : [],
      breachedAt: null,
      endedAt: status === 'open' ? null : '2026-03-03T08:00:00.000Z',
    },
  };
}

describe('slaCompliance over SLA records', () => {
  it('counts each status, extensions apart from the outcome, and compliance over decided runs', () => {
    const deals = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((id) => deal(id, 'anna'));
    const records = {
      sla: [
        sla('s1', 'd1', 'met'),
        sla('s2', 'd2', 'met', true),
        sla('s3', 'd3', 'breached'),
        sla('s4', 'd4', 'exempt'),
        sla('s5', 'd5', 'open', true),
        sla('s6', 'd6', 'cancelled'),
      ],
    };
    const [row] = slaCompliance(data(deals, records)).rows;
    expect(row).toMatchObject({
      slaId: 'first-call',
      started: 6,
      met: 2,
      breached: 1,
      exempt: 1,
      cancelled: 1,
      open: 1,
      extended: 2,
      compliance: 2 / 3,
      metDeals: ['d1', 'd2'],
      extendedDeals: ['d2', 'd5'],
      openDeals: ['d5'],
    });
  });

  it('reads a plain rule that stops applying (criteria no longer hold) as exempt', () => {
    const entry = (type: string, at: string, data: Record<string, unknown>): AnyHistoryEntry => ({
      id: `${type}-${at}`,
      at,
      dealId: 'd1',
      type,
      ruleId: 'proposal-5-days',
      data,
    });
    const log = [
      entry('job.scheduled', '2026-03-02T09:00:00.000Z', { jobId: 'j1', actionId: 'record', type: 'recordViolation', dueAt: '2026-03-07T09:00:00.000Z' }),
      entry('job.cancelled', '2026-03-07T09:00:00.000Z', { jobId: 'j1', actionId: 'record', reason: 'criteria-no-longer-hold' }),
    ];
    const [row] = slaCompliance(data([deal('d1', 'anna')], {}, log)).rows;
    expect(row).toMatchObject({ slaId: 'proposal-5-days', started: 1, exempt: 1, exemptDeals: ['d1'], compliance: null });
  });
});

describe('exceptions over the workflow feature records', () => {
  it('shows a noted exception without an approval, and one decided through its approval', () => {
    const exception = (id: string, dealId: string, extra: Record<string, unknown>): StoredRecord => ({
      kind: 'exception',
      id,
      dealId,
      at: '2026-03-03T10:00:00.000Z',
      data: {
        flag: 'complex',
        reason: null,
        note: null,
        requestedBy: 'anna',
        requestedAt: '2026-03-02T10:00:00.000Z',
        status: 'noted',
        approvalId: null,
        decidedBy: null,
        decidedAt: null,
        slas: [],
        ...extra,
      },
    });
    const records = {
      exception: [
        exception('e1', 'd1', { reason: 'payment-terms' }),
        exception('e2', 'd2', {
          note: 'client wants 24 months warranty',
          status: 'approved',
          approvalId: 'a2',
          decidedBy: 'maria',
          slas: [{ sla: 'proposal', effect: 'extended', dueAt: '2026-03-10T10:00:00.000Z' }],
        }),
      ],
      approval: [
        {
          kind: 'approval',
          id: 'a2',
          dealId: 'd2',
          at: '2026-03-03T10:00:00.000Z',
          data: { status: 'approved', requesterId: 'anna', decidedBy: 'maria', decidedAt: '2026-03-03T10:00:00.000Z', exceptionId: 'e2' },
        },
      ],
    };
    const report = exceptions(data([deal('d1', 'anna'), deal('d2', 'anna')], records), {
      period: { from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' },
    });
    expect(report.rows.map((r) => [r.dealId, r.at, r.flag, r.reason, r.reasonText, r.requestedBy, r.approval, r.approvedBy, r.rules])).toEqual([
      ['d1', '2026-03-02T10:00:00.000Z', 'complex', 'payment-terms', null, 'anna', null, null, []],
      ['d2', '2026-03-02T10:00:00.000Z', 'complex', null, 'client wants 24 months warranty', 'anna', 'approved', 'maria', ['proposal']],
    ]);
  });
});

describe('rendering', () => {
  const report = flagShare(data([deal('d1', 'anna', { flags: { complex: true } }), deal('d2', 'anna'), deal('d3', 'boris', { title: '=HYPERLINK("x")' })]), {
    flag: 'complex',
  });

  it('draws a plain-text table with the title and the notes', () => {
    expect(toTextTable(report)).toBe(
      [
        'Share of deals flagged "complex"',
        'Owner  Deals  Flagged  Share  At/over threshold',
        '-----  -----  -------  -----  -----------------',
        'anna       2        1  50.0%  yes',
        'boris      1        0   0.0%',
        'at or over 40%: anna',
      ].join('\n'),
    );
  });

  it('writes CSV with raw values, quoting, and every field on request', () => {
    expect(toCsv(report)).toBe('group,deals,flagged,share,atOrOverThreshold\r\nanna,2,1,0.5,true\r\nboris,1,0,0,false\r\n');
    expect(toCsv(report, { columns: 'all' }).split('\r\n')[1]).toBe('anna,2,1,0.5,true,d1');
    const stalled = stale(data([deal('d3', 'boris', { title: '=HYPERLINK("x"), now' })]), { idleFor: { days: 1 } });
    expect(toCsv(stalled).split('\r\n')[1]).toContain(`"'=HYPERLINK(""x""), now"`);
  });

  it('formats durations as the two largest units', () => {
    expect([
      formatDuration(0),
      formatDuration(45_000),
      formatDuration(3_600_000 * 5 + 60_000 * 12),
      formatDuration(86_400_000 * 3),
      formatDuration(86_400_000 * 3 + 3_600_000 * 4 + 60_000),
    ]).toEqual(['0s', '45s', '5h 12m', '3d', '3d 4h']);
  });
});

describe('bad report options', () => {
  const one = data([deal('d1', 'anna')]);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return isDealflowError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    return 'no error';
  };

  it('are refused with INVALID_INPUT and say what to fix', () => {
    expect(code(() => funnel(one, { period: { from: 'yesterday' } }))).toMatch(/^INVALID_INPUT: period.from is not a valid instant/);
    expect(code(() => funnel(one, { period: { from: '2026-03-05T00:00:00Z', to: '2026-03-01T00:00:00Z' } }))).toMatch(
      /INVALID_INPUT: period.from .* is after period.to/,
    );
    expect(code(() => funnel(one, { groupBy: 'colour' as never }))).toMatch(/INVALID_INPUT: groupBy must be/);
    expect(code(() => flagShare(one, { flag: 'complex', threshold: 40 }))).toMatch(/INVALID_INPUT: threshold is a share between 0 and 1/);
    expect(code(() => flagShare(one, {} as never))).toMatch(/INVALID_INPUT: flagShare needs the flag/);
    expect(code(() => stale(one, { idleFor: {} }))).toMatch(/INVALID_INPUT: stale needs idleFor/);
  });

  // The bad-input suite (seed 1305882967) passed a BigInt as groupBy: the refusal's own message
  // called JSON.stringify on it, which throws a TypeError for a bigint, so the caller got a
  // TypeError instead of INVALID_INPUT. Messages show the value with describeValue now.
  it('are refused with INVALID_INPUT whatever the value, a bigint included', () => {
    expect(code(() => funnel(one, { groupBy: 12345678901234567890n as never }))).toBe(
      'INVALID_INPUT: groupBy must be none, owner, team or pipeline, not the bigint 12345678901234567890',
    );
    expect(code(() => stale(one, { idleFor: { days: 1 }, since: 1n as never }))).toMatch(
      /^INVALID_INPUT: since must be "change" or "stage", not the bigint 1$/,
    );
  });

  // The bad-input suite (seed 1306061652) handed toCsv a row whose cell was a list nested 10,000
  // deep: the schema took any cell, and joining it overflowed the stack (a RangeError). Cells are
  // checked as the Cell type now, and the first inner list is refused.
  it('a cell that is not a Cell is refused with INVALID_INPUT, however deep it goes', () => {
    let deep: unknown = [];
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const report = { title: 't', notes: [], columns: [{ key: 'a', label: 'A', format: 'text' }], rows: [{ a: deep }] };
    expect(code(() => toCsv(report as never))).toMatch(/^INVALID_INPUT: toCsv needs a report/);
    expect(code(() => toTextTable(report as never))).toMatch(/^INVALID_INPUT: toTextTable needs a report/);
    // Every cell the Cell type allows still renders: Infinity (zod's number refuses it), lists, nothing.
    expect(code(() => toCsv({ ...report, rows: [{ a: Number.POSITIVE_INFINITY }, { a: ['x', 'y'] }, { a: null }, {}] } as never))).toBe('no error');
  });
});
