import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuleInput } from '../../src/index.js';
import { diff } from '../../src/simulation/diff.js';
import { generateHistory, GENERATED_PIPELINE } from '../../src/simulation/generate.js';
import { historyEventJsonSchema, parseHistory, toJsonLines, type HistoryEventInput } from '../../src/simulation/history.js';
import { simulate } from '../../src/simulation/simulate.js';
import { proposalRules } from '../../examples/proposal-deadline/setup.js';

const pipelines = [GENERATED_PIPELINE];
const created = (at: string, id: string, amount = 4000): HistoryEventInput => ({
  at,
  type: 'created',
  deal: { id, pipelineId: 'sales', ownerId: 'anna', amount },
});
const events = (list: HistoryEventInput[]) => parseHistory(toJsonLines(list)).events;

describe('simulate', () => {
  it('replays in time order whatever the file order, firing jobs at their own times up to `to`', async () => {
    const history = events([
      { at: '2026-03-03T09:00:00Z', type: 'updated', dealId: 'D-1', patch: { fields: { proposalSentAt: '2026-03-03T09:00:00Z' } } },
      created('2026-03-02T09:00:00Z', 'D-1'),
      created('2026-03-02T09:00:00Z', 'D-2'),
    ]);
    const result = await simulate({ rules: proposalRules, pipelines, events: history, to: '2026-03-08T00:00:00Z' });
    expect(result.errors).toEqual([]);
    expect(result.from).toBe('2026-03-02T09:00:00.000Z');
    expect(result.deals.map((d) => d.id)).toEqual(['D-1', 'D-2']);
    // D-2 never sent a proposal: its escalation fired on day 5, after the last event.
    expect(result.timeline.filter((e) => e.dealId === 'D-2' && e.type === 'notification.queued').map((e) => [e.at, e.text])).toEqual([
      ['2026-03-02T09:00:00.000Z', 'notify owner: proposal.requested'],
      ['2026-03-03T09:00:00.000Z', 'notify owner: proposal.reminder'],
      ['2026-03-06T09:00:00.000Z', 'notify owner: proposal.reminder'],
      ['2026-03-07T09:00:00.000Z', 'notify manager: proposal.missed'],
    ]);
    expect(result.records.violation?.map((v) => v.dealId)).toEqual(['D-2']);
    expect(result.pendingJobs).toEqual([]);
  });

  it('leaves out events outside [from, to] and keeps going past events the engine refuses', async () => {
    const history = events([
      created('2026-03-01T09:00:00Z', 'D-0'),
      created('2026-03-02T09:00:00Z', 'D-1'),
      { at: '2026-03-02T10:00:00Z', type: 'moved', dealId: 'D-0', stage: 'proposal' },
      { at: '2026-03-02T11:00:00Z', type: 'moved', dealId: 'D-1', stage: 'archive' },
      { at: '2026-03-02T12:00:00Z', type: 'moved', dealId: 'D-1', stage: 'proposal' },
      created('2026-04-01T09:00:00Z', 'D-9'),
    ]);
    const result = await simulate({
      rules: proposalRules,
      pipelines,
      events: history,
      lines: [1, 2, 3, 4, 5, 6],
      from: '2026-03-02T00:00:00Z',
      to: '2026-03-03T00:00:00Z',
    });
    expect(result.events).toEqual({ total: 6, replayed: 2, failed: 2, outside: 2 });
    expect(result.errors.map((e) => [e.line, e.dealId, e.code])).toEqual([
      [3, 'D-0', 'NOT_FOUND'],
      [4, 'D-1', 'UNKNOWN_STAGE'],
    ]);
    expect(result.deals).toEqual([expect.objectContaining({ id: 'D-1', stageId: 'proposal' })]);
    expect(result.pendingJobs.map((j) => j.actionId)).toEqual(['remind-day-1', 'remind-day-4', 'escalate', 'record']);
  });

  it('is deterministic: the same rules and history give the same log, ids included', async () => {
    const history = generateHistory({ deals: 40, days: 20, seed: 3 });
    const a = await simulate({ rules: proposalRules, pipelines, events: history });
    const b = await simulate({ rules: proposalRules, pipelines, events: history });
    expect(JSON.stringify(b.log)).toBe(JSON.stringify(a.log));
    expect(a.log.length).toBeGreaterThan(100);
  });

  it('reports progress, ending with every event done at `to`', async () => {
    const history = generateHistory({ deals: 30, days: 10, seed: 1 });
    const seen: number[] = [];
    await simulate({ rules: proposalRules, pipelines, events: history, to: '2025-01-20T00:00:00Z', progressEvery: 25, onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(history.length);
    expect(seen.slice(0, -1).every((n) => n % 25 === 0)).toBe(true);
  });

  it('refuses an empty history without a period, and a period that ends before it starts', async () => {
    await expect(simulate({ rules: [], pipelines, events: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(simulate({ rules: [], pipelines, events: [], from: '2026-03-02', to: '2026-03-01' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const empty = await simulate({ rules: [], pipelines, events: [], from: '2026-03-01', to: '2026-03-02' });
    expect(empty.events.total).toBe(0);
  });
});

describe('parseHistory', () => {
  it('names the line of a malformed event and the JSON path in it', () => {
    const text = [
      toJsonLines([created('2026-03-02T09:00:00Z', 'D-1')]).trim(),
      '',
      '{"at":"2026-03-02T10:00:00Z","type":"moved","dealId":"D-1","stage":5}',
      '{oops',
    ].join('\n');
    expect(() => parseHistory(text)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/^line 3: \$\.stage: /), details: { line: 3 } }),
    );
    const skipped = parseHistory(text, { skipBad: true });
    expect(skipped.events).toHaveLength(1);
    expect(skipped.lines).toEqual([1]);
    expect(skipped.skipped.map((s) => s.line)).toEqual([3, 4]);
    expect(skipped.skipped[1]!.message).toMatch(/^not valid JSON/);
  });

  it('refuses an instant without an offset, an unknown type and unknown keys', () => {
    for (const line of [
      '{"at":"2026-03-02T10:00:00","type":"deleted","dealId":"D-1"}',
      '{"at":"2026-03-02T10:00:00Z","type":"archived","dealId":"D-1"}',
      '{"at":"2026-03-02T10:00:00Z","type":"deleted","dealId":"D-1","why":"x"}',
    ]) {
      expect(() => parseHistory(line), line).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('keeps docs/history-event.schema.json in step with the schema (regenerate: npm run dealflow -- schema history)', () => {
    const file = readFileSync(resolve(import.meta.dirname, '../../docs/history-event.schema.json'), 'utf8');
    expect(JSON.parse(file)).toEqual(historyEventJsonSchema());
  });

  it('has a JSON Schema with one branch per event type', () => {
    const schema = historyEventJsonSchema() as { oneOf?: Array<{ properties: { type: { const: string } }; required: string[] }>; anyOf?: unknown[] };
    const branches = (schema.oneOf ?? schema.anyOf) as Array<{ properties: { type: { const: string } }; required: string[] }>;
    expect(branches.map((b) => b.properties.type.const)).toEqual(['created', 'updated', 'moved', 'deleted', 'event', 'launched']);
    for (const b of branches) expect(b.required).toContain('at');
  });
});

describe('generateHistory', () => {
  it('is deterministic by seed, in time order, and inside its days', () => {
    const a = generateHistory({ deals: 300, days: 60, seed: 42 });
    expect(generateHistory({ deals: 300, days: 60, seed: 42 })).toEqual(a);
    expect(generateHistory({ deals: 300, days: 60, seed: 43 })).not.toEqual(a);
    expect(a.map((e) => e.at)).toEqual([...a.map((e) => e.at)].sort());
    expect(a.every((e) => e.at < '2025-03-07T00:00:00.000Z')).toBe(true);
  });

  it('looks like a sales team: most deals small, some proposals late or never, a few reps marking many deals complex', () => {
    const history = generateHistory({ deals: 2000, days: 365, seed: 7 });
    const deals = history.filter((e) => e.type === 'created');
    const small = deals.filter((e) => e.type === 'created' && e.deal.amount < 10_000).length / deals.length;
    expect(small).toBeGreaterThan(0.6);
    expect(small).toBeLessThan(0.95);
    const opened = new Map(deals.map((e) => [e.type === 'created' ? e.deal.id : '', Date.parse(e.at)]));
    const delays = history
      .filter((e) => e.type === 'updated' && e.patch.fields?.proposalSentAt)
      .map((e) => (Date.parse(e.at) - opened.get((e as { dealId: string }).dealId)!) / 86_400_000);
    expect(delays.filter((d) => d > 5).length).toBeGreaterThan(50);
    expect(delays.length).toBeLessThan(deals.length);
    const owners = new Map<string, { deals: number; complex: number }>();
    const ownerOf = new Map(deals.map((e) => (e.type === 'created' ? [e.deal.id, e.deal.ownerId] : ['', ''])));
    for (const e of deals) if (e.type === 'created') owners.set(e.deal.ownerId, { deals: (owners.get(e.deal.ownerId)?.deals ?? 0) + 1, complex: 0 });
    for (const e of history) if (e.type === 'updated' && e.patch.flags?.complex) owners.get(ownerOf.get(e.dealId)!)!.complex++;
    const shares = [...owners.values()].map((o) => o.complex / o.deals);
    expect(shares.filter((s) => s >= 0.4).length).toBeGreaterThanOrEqual(1);
    expect(shares.filter((s) => s < 0.15).length).toBeGreaterThanOrEqual(6);
  });
});

describe('diff', () => {
  it('finds nothing between a rule set and itself', async () => {
    const history = generateHistory({ deals: 30, days: 20, seed: 5 });
    const d = await diff(proposalRules, proposalRules, { pipelines, events: history });
    expect(d.deals).toEqual([]);
    expect(d.totals).toMatchObject({ dealsChanged: 0, notifications: { added: 0, removed: 0, retimed: 0 } });
  });

  it('sees stage moves a candidate rule adds', async () => {
    const history = generateHistory({ deals: 30, days: 20, seed: 5 });
    const autoLose: RuleInput = {
      id: 'lose-untouched',
      trigger: { type: 'deal.created' },
      until: { fact: 'deal', path: '$.fields.proposalSentAt', operator: 'notEqual', value: null },
      actions: [{ type: 'moveStage', after: { days: 7 }, params: { stage: 'lost' } }],
    };
    const d = await diff(proposalRules, [...(proposalRules as RuleInput[]), autoLose], { pipelines, events: history });
    expect(d.totals.stageMoves.added).toBeGreaterThan(0);
    expect(d.totals.stageMoves.removed).toBe(0);
    expect(d.deals.every((x) => x.stageMoves.added.every((m) => m.to === 'lost' && m.ruleId === 'lose-untouched'))).toBe(true);
  });
});
