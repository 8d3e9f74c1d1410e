import { addBusinessDays, addBusinessHours, compileCalendar, type BusinessCalendar } from '../../src/core/time/index.js';
import { medianMs, type Workload } from '../harness.js';

/** Start instants spread over 2026 (every 7 h 13 min), so weekends, holidays and DST changes all come up. */
function starts(count: number): string[] {
  const first = Date.parse('2026-01-01T00:00:00.000Z');
  return Array.from({ length: count }, (_, i) => new Date(first + i * 26_000_000).toISOString());
}

/** Adding 10 business days and 40 business hours with the public ISO-string API. */
export default {
  name: 'time',
  async run({ quick }) {
    const calendars: Array<[string, BusinessCalendar]> = [
      ['Berlin, DE-BE public holidays', compileCalendar({ timezone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BE' } })],
      [
        'New York, US holidays, lunch break',
        compileCalendar({
          timezone: 'America/New_York',
          hours: [
            { from: '09:00', to: '12:30' },
            { from: '13:30', to: '18:00' },
          ],
          publicHolidays: { country: 'US' },
        }),
      ],
    ];
    const inputs = starts(quick ? 2_000 : 10_000);
    const rounds = quick ? 3 : 7;
    const table: Array<Record<string, string | number>> = [];
    const keys: Record<string, number> = {};
    for (const [name, cal] of calendars) {
      // Warm up: load the years' holidays and the day caches once, as a running engine would have.
      for (const t of inputs) addBusinessDays(cal, t, 10);
      const days = await rate(rounds, inputs, (t) => addBusinessDays(cal, t, 10));
      const hours = await rate(rounds, inputs, (t) => addBusinessHours(cal, t, 40));
      table.push({ calendar: name, '+10 business days ops/s': Math.round(days), '+40 business hours ops/s': Math.round(hours) });
      if (keys['time.add_10_business_days_ops_per_s'] === undefined) {
        keys['time.add_10_business_days_ops_per_s'] = Math.round(days);
        keys['time.add_40_business_hours_ops_per_s'] = Math.round(hours);
      } else {
        keys['time.lunch.add_10_business_days_ops_per_s'] = Math.round(days);
        keys['time.lunch.add_40_business_hours_ops_per_s'] = Math.round(hours);
      }
    }
    return {
      table,
      keys,
      notes: [
        `${inputs.length.toLocaleString()} start instants spread over 2026 per round, median of ${rounds} rounds; ISO strings in and out (addBusinessDays / addBusinessHours).`,
        'Holidays are loaded a year at a time and working periods cached per local day, as in a long-running engine.',
      ],
    };
  },
} satisfies Workload;

async function rate(rounds: number, inputs: string[], op: (t: string) => string): Promise<number> {
  let sink = 0;
  const ms = await medianMs(rounds, () => {
    for (const t of inputs) sink += op(t).length;
  });
  if (sink === 0) throw new Error('nothing computed');
  return (inputs.length / ms) * 1000;
}
