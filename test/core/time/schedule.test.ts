import { describe, expect, it } from 'vitest';
import { computeDueAt } from '../../../src/core/schedule.js';
import type { Deal } from '../../../src/model/deal.js';
import { berlin } from './calendars.js';

const deal = (fields: Deal['fields']): Deal => ({
  id: 'D-1',
  pipelineId: 'sales',
  stageId: 'new',
  ownerId: 'anna',
  title: 'Deal',
  amount: 1,
  currency: 'EUR',
  fields,
  flags: {},
  createdAt: '2026-06-01T08:00:00.000Z',
  stageEnteredAt: '2026-06-01T08:00:00.000Z',
  updatedAt: '2026-06-01T08:00:00.000Z',
  closedAt: null,
  version: 1,
});
const now = '2026-06-01T08:00:00.000Z';
const due = (at: object, d: Deal, policy?: 'postpone' | 'bring-forward' | 'exact') => computeDueAt({ at: at as never, policy }, d, now, berlin);

describe('due times relative to a date field (computeDueAt)', () => {
  it('counts business days before a date-only close date as working dates, like WORKDAY', () => {
    const d = deal({ closeDate: '2026-04-10' }); // a Friday
    expect(due({ field: 'fields.closeDate', offset: { businessDays: -2 }, time: '09:00' }, d)).toEqual({ dueAt: '2026-04-08T07:00:00.000Z' }); // Wednesday 09:00
    // Without a time the day starts at 00:00, which postpone moves to the opening.
    expect(due({ field: 'fields.closeDate', offset: { businessDays: -2 } }, d)).toEqual({ dueAt: '2026-04-08T07:00:00.000Z' });
    // Over Easter: 2 working days before Tuesday 2026-04-07 is Wednesday 2026-04-01.
    expect(due({ field: 'fields.closeDate', offset: { businessDays: -2 }, time: '10:00' }, deal({ closeDate: '2026-04-07' }))).toEqual({
      dueAt: '2026-04-01T08:00:00.000Z',
    });
  });

  it('applies the policy to a calendar offset landing on a weekend', () => {
    const d = deal({ closeDate: '2026-06-15' }); // Monday; two days before is Saturday
    const at = { field: 'fields.closeDate', offset: { days: -2 }, time: '10:00' };
    expect(due(at, d)).toEqual({ dueAt: '2026-06-13T08:00:00.000Z' }); // exact by default for calendar units
    expect(due(at, d, 'postpone')).toEqual({ dueAt: '2026-06-15T07:00:00.000Z' }); // Monday 09:00
    expect(due(at, d, 'bring-forward')).toEqual({ dueAt: '2026-06-12T16:00:00.000Z' }); // Friday 18:00
  });

  it('moves an instant by business days, then sets the time of day, then adds business hours', () => {
    const d = deal({ meetingAt: '2026-06-12T13:00:00.000Z' }); // Friday 15:00 CEST
    expect(due({ field: 'fields.meetingAt', offset: { businessDays: 1 } }, d)).toEqual({ dueAt: '2026-06-15T13:00:00.000Z' });
    expect(due({ field: 'fields.meetingAt', offset: { businessDays: 1, businessHours: 4 }, time: '16:00' }, d)).toEqual({ dueAt: '2026-06-16T09:00:00.000Z' }); // Mon 16:00 + 4 h: 16–18, Tue 09–11
  });

  it('says why it cannot schedule when the field is not a date', () => {
    expect(due({ field: 'fields.closeDate' }, deal({}))).toEqual({ skip: 'anchor field fields.closeDate is not set to a date' });
    expect(due({ field: 'fields.closeDate' }, deal({ closeDate: 'soon' }))).toEqual({ skip: 'anchor field fields.closeDate is not set to a date' });
  });

  it('"the next working day at 09:00" skips weekends and holidays', () => {
    expect(computeDueAt({ at: { nextWorkingTime: '09:00' } }, deal({}), '2026-04-02T17:00:00.000Z', berlin)).toEqual({ dueAt: '2026-04-07T07:00:00.000Z' });
  });
});
