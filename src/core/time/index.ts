export { BusinessCalendar, compileCalendar, DEFAULT_CALENDAR, MAX_SCAN_DAYS, type CompileCalendarOptions, type WorkingPeriod } from './calendar.js';
export { CalendarBook, type ResolvedCalendar, type UserTimes } from './calendars.js';
export {
  addBusinessDays,
  addBusinessHours,
  addBusinessMinutes,
  addDurationIn,
  applyDuePolicy,
  businessMinutesBetween,
  defaultPolicy,
  isWorkingTime,
  nextWorkingDateAt,
  nextWorkingTime,
  previousWorkingTime,
  addDurationMs,
  addWorkingDaysMs,
  addWorkingTimeMs,
  applyPolicyMs,
  isWorkingMs,
  nextWorkingMs,
  previousWorkingMs,
  workingTimeBetweenMs,
} from './business.js';
export { localToInstant, localPosition, dayNumber, civilDate, formatIsoDate, parseIsoDate } from './local.js';
export { CronSchedule, MAX_CRON_LENGTH, type CronScheduleOptions } from './cron.js';
