/**
 * ISO 8601 instants to and from epoch milliseconds, as `Date#toISOString` and `Date.parse` give
 * them, but cheaper where the core calls them on every scheduled action: `toIsoString` formats
 * with integer arithmetic (about a third of `toISOString`'s cost, and as flat a string); both
 * remember their last answer (a command's `now` is formatted and parsed several times).
 */

import { civilDate, dayNumber } from './local.js';

const DAY_MS = 86_400_000;
/** 0000-01-01 and 9999-12-31T23:59:59.999Z: outside, toISOString writes six-digit signed years. */
const MIN_FOUR_DIGIT_YEAR_MS = -62_167_219_200_000;
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** The tens digit of a two-digit number, as a character code. */
function tens(n: number): number {
  return 48 + ((n / 10) | 0);
}

/** The units digit, as a character code. (`| 0` first: `%` of a double is a call into C, of an int32 one instruction.) */
function units(n: number): number {
  return 48 + ((n | 0) % 10);
}

let lastFormattedMs = Number.NaN;
let lastFormatted = '';

/**
 * Exactly `new Date(ms).toISOString()` (which throws a RangeError for an invalid time). Remembers
 * the last answer: a command formats its own instant several times (its env, history, delivery).
 */
export function toIsoString(ms: number): string {
  if (ms === lastFormattedMs) return lastFormatted;
  if (!(ms >= MIN_FOUR_DIGIT_YEAR_MS && ms <= MAX_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const { year, month, day } = civilDate(days);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const century = (year / 100) | 0;
  const yy = (year | 0) % 100;
  const ms2 = (millis | 0) % 100;
  lastFormattedMs = ms;
  // One call with the 24 codes as arguments makes one flat string and nothing else: `apply` over a
  // reused array (as before) copied the array into an argument list and, once the array held a
  // double, boxed every element (~600 bytes of garbage per call; a job scheduled calls this).
  // biome-ignore format: the 24 characters in order, as they read
  lastFormatted = String.fromCharCode(
    tens(century), units(century), tens(yy), units(yy), 45, tens(month), units(month), 45, tens(day), units(day), 84,
    tens(hours), units(hours), 58, tens(minutes), units(minutes), 58, tens(seconds), units(seconds), 46,
    48 + ((millis / 100) | 0), tens(ms2), units(ms2), 90,
  );
  return lastFormatted;
}

let lastText: string | undefined;
let lastMs = Number.NaN;

/** The value of the digit at `i`, or NaN. */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/**
 * Exactly `Date.parse(text)`, about a fifth of its cost for the form `toIsoString` writes
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`): every job, delivery and due time the stores keep is in that form
 * and is parsed when it is queued. Any other text, or a field where Date.parse rolls over (a day
 * past the 28th, hour 24), goes to Date.parse.
 */
export function isoToMs(text: string): number {
  if (
    text.length === 24 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 &&
    text.charCodeAt(23) === 90
  ) {
    const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
    const month = digit(text, 5) * 10 + digit(text, 6);
    const day = digit(text, 8) * 10 + digit(text, 9);
    const hours = digit(text, 11) * 10 + digit(text, 12);
    const minutes = digit(text, 14) * 10 + digit(text, 15);
    const seconds = digit(text, 17) * 10 + digit(text, 18);
    const millis = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
    // NaN (a non-digit) fails every comparison and falls through.
    if (month >= 1 && month <= 12 && day >= 1 && day <= 28 && hours <= 23 && minutes <= 59 && seconds <= 59 && year >= 0 && millis >= 0) {
      return dayNumber(year, month, day) * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + millis;
    }
  }
  return Date.parse(text);
}

/** `Date.parse(text)`, remembering the last answer. */
export function parseIso(text: string): number {
  if (text === lastText) return lastMs;
  const ms = isoToMs(text);
  lastText = text;
  lastMs = ms;
  return ms;
}
