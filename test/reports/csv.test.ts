import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCsv, type ReportCell } from '../../src/index.js';

/** RFC 4180 back to rows of cells, to check what a spreadsheet would see in each cell. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
    i++;
  }
  return rows;
}

const report = (rows: Array<Record<string, ReportCell>>, keys = Object.keys(rows[0] ?? {})) => ({
  title: 't',
  notes: [],
  columns: keys.map((key) => ({ key, label: key, format: 'text' as const })),
  rows,
});

const FORMULA = /^[=+\-@\t\r]/;

describe('CSV export guards every cell against formula injection', () => {
  // Regression: only plain string cells were guarded; a list cell (deal ids, owners) went out as is.
  it('guards list cells and header keys, not numbers', () => {
    const csv = toCsv(report([{ ids: ['=HYPERLINK("http://x")', 'd2'], name: '@SUM(A1)', n: -5, ok: true, '+cmd': 'x' }]), { columns: 'all' });
    const [header, row] = parseCsv(csv);
    expect(header).toEqual(['ids', 'name', 'n', 'ok', "'+cmd"]);
    expect(row).toEqual([`'=HYPERLINK("http://x");d2`, "'@SUM(A1)", '-5', 'true', 'x']);
    expect(parseCsv(toCsv(report([{ a: '\tcmd', b: ['-1'], c: '\r=1' }])))[1]).toEqual(["'\tcmd", "'-1", "'\r=1"]);
  });

  it('no text cell a spreadsheet reads starts a formula, whatever the values (fast-check)', () => {
    const text = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', '"', ','), fc.string()).map(([a, b]) => a + b),
    );
    const cell = fc.oneof(text, fc.array(text, { maxLength: 4 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null));
    let cells = 0;
    fc.assert(
      fc.property(fc.array(fc.dictionary(text, cell, { minKeys: 1, maxKeys: 5 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const csv = toCsv(report(rows), { columns: 'all' });
        const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
        const parsed = parseCsv(csv);
        expect(parsed).toHaveLength(rows.length + 1);
        parsed.forEach((line, r) =>
          line.forEach((out, c) => {
            cells++;
            const value = r === 0 ? keys[c] : rows[r - 1]![keys[c]!];
            if (typeof value === 'number') expect(out).toBe(String(value));
            else if (FORMULA.test(out)) throw new Error(`cell ${JSON.stringify(out)} from ${JSON.stringify(value)} starts a formula`);
          }),
        );
      }),
      { numRuns: 500 },
    );
    expect(cells).toBeGreaterThan(1000);
  });
});
