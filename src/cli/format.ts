/** Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function heading(text: string): string {
  return `\n${text}\n${'='.repeat(text.length)}`;
}

export function percent(n: number | null): string {
  return n === null ? '–' : `${(n * 100).toFixed(1)}%`;
}

/** `{ "until-met": 3, "left-stage": 1 }` → `until-met 3, left-stage 1`. */
export function counts(o: Record<string, number>): string {
  const entries = Object.entries(o).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
