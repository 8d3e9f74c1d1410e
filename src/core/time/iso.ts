/**
 * ISO 8601 instants to and from epoch milliseconds, as `Date#toISOString` and `Date.parse` give
 * them, but cheaper where the core calls them on every scheduled action: `toIsoString` formats
 * with integer arithmetic (about a third of `toISOString`'s cost, and as flat a string); both
 * remember their last answer (a command's `now` is formatted and parsed several times).
 */

import { civilDate } from './local.js';

const DAY_MS = 86_400_000;
/** 0000-01-01 and 9999-12-31T23:59:59.999Z: outside, toISOString writes six-digit signed years. */
const MIN_FOUR_DIGIT_YEAR_MS = -62_167_219_200_000;
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/** The characters of one instant, reused: `String.fromCharCode` of them makes one flat string (a template literal would make a tree of ~15 parts). */
const chars: number[] = [48, 48, 48, 48, 45, 48, 48, 45, 48, 48, 84, 48, 48, 58, 48, 48, 58, 48, 48, 46, 48, 48, 48, 90];

function put2(at: number, n: number): void {
  chars[at] = 48 + ((n / 10) | 0);
  chars[at + 1] = 48 + (n % 10);
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
  put2(0, (year / 100) | 0);
  put2(2, year % 100);
  put2(5, month);
  put2(8, day);
  put2(11, hours);
  put2(14, minutes);
  put2(17, seconds);
  chars[20] = 48 + ((millis / 100) | 0);
  put2(21, millis % 100);
  lastFormattedMs = ms;
  lastFormatted = String.fromCharCode.apply(null, chars);
  return lastFormatted;
}

let lastText: string | undefined;
let lastMs = Number.NaN;

/** `Date.parse(text)`, remembering the last answer. */
export function parseIso(text: string): number {
  if (text === lastText) return lastMs;
  const ms = Date.parse(text);
  lastText = text;
  lastMs = ms;
  return ms;
}
