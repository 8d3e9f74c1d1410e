/**
 * Russia's official production calendar for 2026 as an overlay on date-holidays' public holidays.
 * date-holidays follows the fixed rules of the holidays and has 9 March (Women's Day moved off a
 * Sunday), but not the transfers the government decrees each year: 9 January, 11 May and
 * 31 December 2026. The overlay adds them; business time then skips them.
 * Run with `npx tsx examples/production-calendar/main.ts`.
 */
import { addDurationIn, compileCalendar, type ProductionCalendarInput } from '../../src/index.js';
import ru2026 from './ru-2026.json' with { type: 'json' };

const base = { timezone: 'Europe/Moscow', publicHolidays: { country: 'RU' } };
const library = compileCalendar(base);
const official = compileCalendar({ ...base, productionCalendars: [ru2026 as ProductionCalendarInput] });

const days: string[] = [];
for (let d = new Date('2026-01-01T00:00:00Z'); d.getUTCFullYear() === 2026; d.setUTCDate(d.getUTCDate() + 1)) days.push(d.toISOString().slice(0, 10));
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const working = (cal: typeof official) => days.filter((d) => cal.isWorkingDate(dayNumber(d)));

console.log(`Working days in 2026, date-holidays alone: ${working(library).length}`);
console.log(`Working days in 2026, with the production calendar: ${working(official).length}`);
const differ = days.filter((d) => library.isWorkingDate(dayNumber(d)) !== official.isWorkingDate(dayNumber(d)));
console.log(`Days off only the decree has: ${differ.join(', ')}`);

// "Call the client back within 2 working hours", asked on Friday 8 May at 17:00 in Moscow.
const asked = '2026-05-08T14:00:00.000Z';
const due = (cal: typeof official) => addDurationIn(cal, asked, { businessHours: 2 }, 'exact');
console.log(`2 working hours from Friday 8 May 17:00: ${due(library)} with date-holidays alone, ${due(official)} with the production calendar`);
