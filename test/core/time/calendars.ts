import { compileCalendar } from '../../../src/core/time/index.js';

/** Calendars the time tests share. */
export const berlin = compileCalendar({ timezone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BE' } });
export const newYork = compileCalendar({ timezone: 'America/New_York', publicHolidays: { country: 'US' } });
export const kolkata = compileCalendar({ timezone: 'Asia/Kolkata', hours: [{ from: '09:30', to: '18:30' }] });
/** Berlin office hours with a lunch break. */
export const withLunch = compileCalendar({
  timezone: 'Europe/Berlin',
  hours: [
    { from: '09:00', to: '13:00' },
    { from: '14:00', to: '18:00' },
  ],
  publicHolidays: { country: 'DE', state: 'BE' },
});
