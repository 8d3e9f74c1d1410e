import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIso, toIsoString } from '../../../src/core/time/iso.js';

describe('toIsoString', () => {
  it('writes exactly what Date#toISOString writes, for any instant in years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(toIsoString(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('gets the edges right: the epoch, leap days, century years, the first and last four-digit years', () => {
    for (const text of [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00.001Z',
      '2100-02-28T23:59:59.999Z',
      '2100-03-01T00:00:00.000Z',
      '2024-02-29T00:00:00.010Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      expect(toIsoString(Date.parse(text))).toBe(text);
    }
  });

  it('leaves six-digit years, fractions of a millisecond and invalid times to Date (same text, same RangeError)', () => {
    expect(toIsoString(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(toIsoString(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(toIsoString(0.5)).toBe(new Date(0.5).toISOString());
    expect(() => toIsoString(Number.NaN)).toThrow(RangeError);
  });
});

describe('parseIso', () => {
  it('parses like Date.parse, also when the same text comes twice or another comes between', () => {
    expect(parseIso('2026-03-02T08:00:00.000Z')).toBe(Date.parse('2026-03-02T08:00:00.000Z'));
    expect(parseIso('2026-03-02T08:00:00.000Z')).toBe(Date.parse('2026-03-02T08:00:00.000Z'));
    expect(parseIso('2026-03-03T08:00:00.000Z')).toBe(Date.parse('2026-03-03T08:00:00.000Z'));
    expect(parseIso('not a date')).toBeNaN();
    expect(parseIso('2026-03-02T08:00:00.000Z')).toBe(Date.parse('2026-03-02T08:00:00.000Z'));
  });
});
