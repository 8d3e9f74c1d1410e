import { z } from 'zod';
import { DealflowError, issuesFromZod } from '../model/errors.js';
import type { Cell, ColumnFormat, Report } from './types.js';

/** What the renderers read of a report, checked first: a caller may pass anything. */
const RenderableSchema = z.looseObject({
  title: z.string(),
  notes: z.array(z.string()),
  columns: z.array(z.looseObject({ key: z.string(), label: z.string(), format: z.string() })),
  // Cells as the Cell type says (a scalar, or a list of them): a cell nested 10,000 deep passed
  // `unknown` and overflowed the stack when joined (bad-input suite, seed 1306061652); now its
  // first inner list is refused, without reading further in.
  rows: z.array(z.record(z.string(), z.custom<Cell | undefined>(isCell, 'expected a cell: text, a number, true or false, null, or a list of them'))),
});

/** Any number (Infinity and NaN included: a report may hold them), text, a boolean, null, nothing. */
function isScalar(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** A cell as Cell says: a scalar or a list of scalars, never read further in. */
function isCell(v: unknown): boolean {
  return isScalar(v) || (Array.isArray(v) && v.every((x) => x !== undefined && isScalar(x)));
}

function checkReport(report: unknown, fn: string): void {
  const parsed = RenderableSchema.safeParse(report);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new DealflowError('INVALID_INPUT', `${fn} needs a report (title, notes, columns, rows): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      issues,
    });
  }
}

type AnyReport = Pick<Report, 'title' | 'notes'> & {
  columns: ReadonlyArray<{ key: string; label: string; format: ColumnFormat }>;
  rows: ReadonlyArray<object>;
};

const RIGHT: ReadonlySet<ColumnFormat> = new Set(['int', 'number', 'money', 'percent', 'duration']);

/** A cell as a person reads it: 41.7%, 3d 4h, 12,500.00, 2026-03-02 08:00, – for none. */
export function formatCell(value: Cell | undefined, format: ColumnFormat): string {
  if (value === null || value === undefined) return '–';
  if (Array.isArray(value)) return value.join(', ');
  switch (format) {
    case 'percent':
      return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : String(value);
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : String(value);
    case 'money':
      return typeof value === 'number' ? groupThousands(value.toFixed(2)) : String(value);
    case 'number':
      return typeof value === 'number' ? String(Math.round(value * 100) / 100) : String(value);
    case 'instant':
      return typeof value === 'string' ? value.slice(0, 16).replace('T', ' ') : String(value);
    case 'flag':
      return value === true ? 'yes' : value === false ? '' : String(value);
    default:
      return String(value);
  }
}

/** Milliseconds as the largest unit and the next one when not zero: 3d 4h, 3d, 5h 12m, 45m 10s, 30s. */
export function formatDuration(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const amounts: Array<[number, string]> = [
    [Math.floor(total / 86_400), 'd'],
    [Math.floor((total % 86_400) / 3_600), 'h'],
    [Math.floor((total % 3_600) / 60), 'm'],
    [total % 60, 's'],
  ];
  const first = amounts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  const parts = [amounts[first]!, amounts[first + 1]].filter((a): a is [number, string] => a !== undefined && a[0] > 0);
  return (ms < 0 ? '-' : '') + parts.map(([n, u]) => `${n}${u}`).join(' ');
}

function groupThousands(fixed: string): string {
  const [int, frac] = fixed.split('.') as [string, string | undefined];
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** Any report as a plain-text table with its title and notes, for a terminal or a log. */
export function toTextTable(report: AnyReport): string {
  checkReport(report, 'toTextTable');
  const cols = report.columns;
  const cells = report.rows.map((row) => cols.map((c) => formatCell((row as Record<string, Cell>)[c.key], c.format)));
  const widths = cols.map((c, i) => Math.max(c.label.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (RIGHT.has(cols[i]!.format) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [report.title, line(cols.map((c) => c.label)), widths.map((w) => '-'.repeat(w)).join('  ')];
  if (cells.length === 0) out.push('(no rows)');
  for (const r of cells) out.push(line(r));
  for (const n of report.notes) out.push(n);
  return out.join('\n');
}

/** Options for rendering a report as CSV. */
export interface CsvOptions {
  /** `shown` (default): the report's columns; `all`: every field of the rows, deal lists included. */
  columns?: 'shown' | 'all';
}

/**
 * Any report as CSV (RFC 4180, CRLF line ends): a header of field keys, raw values (shares as
 * 0..1, durations in ms), lists joined with `;`. Every cell that is not a number or a boolean, the
 * header and list cells included, is guarded against formula injection: one that starts with a
 * character a spreadsheet would run as a formula (= + - @, tab or carriage return) is prefixed
 * with a quote (OWASP's advice for CSV injection).
 */
export function toCsv(report: AnyReport, options: CsvOptions = {}): string {
  checkReport(report, 'toCsv');
  if (options?.columns !== undefined && options.columns !== 'shown' && options.columns !== 'all') {
    throw new DealflowError('INVALID_INPUT', "toCsv's columns option is 'shown' or 'all'");
  }
  const keys = options.columns === 'all' ? [...new Set(report.rows.flatMap((r) => Object.keys(r)))] : report.columns.map((c) => c.key);
  const lines = [keys.map(csvCell).join(',')];
  for (const row of report.rows) lines.push(keys.map((k) => csvCell((row as Record<string, Cell>)[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** What a spreadsheet would read as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  let text = Array.isArray(value) ? value.join(';') : String(value);
  // A number is written as itself (-5 stays a number); anything else, list cells included, is text.
  if (typeof value !== 'number' && typeof value !== 'boolean' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
