import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoToMs, parseIso, toIsoString } from '../../../src/core/time/iso.js';

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

describe('isoToMs', () => {
  it('is Date.parse for every instant toISOString writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const text = new Date(ms).toISOString();
        expect(isoToMs(text)).toBe(Date.parse(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('is Date.parse for any text in that shape, digits out of range and non-digits included', () => {
    const d = () => fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '9', 'x', ' ');
    const shaped = fc
      .tuple(
        fc.array(d(), { minLength: 4, maxLength: 4 }),
        fc.array(d(), { minLength: 2, maxLength: 2 }),
        fc.array(d(), { minLength: 2, maxLength: 2 }),
        fc.array(d(), { minLength: 6, maxLength: 6 }),
        fc.array(d(), { minLength: 3, maxLength: 3 }),
      )
      .map(([y, mo, dd, hms, ms]) => `${y.join('')}-${mo.join('')}-${dd.join('')}T${hms[0]}${hms[1]}:${hms[2]}${hms[3]}:${hms[4]}${hms[5]}.${ms.join('')}Z`);
    fc.assert(
      fc.property(fc.oneof(shaped, fc.string(), fc.constant('2026-02-30T00:00:00.000Z'), fc.constant('2026-01-01T24:00:00.000Z')), (text) => {
        const expected = Date.parse(text);
        if (Number.isNaN(expected)) expect(isoToMs(text)).toBeNaN();
        else expect(isoToMs(text)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
