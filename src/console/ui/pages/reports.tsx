import type { ReportView } from '../../views.js';
import { BASE, refusal, useApi } from '../api.js';
import { money, span } from '../format.js';

/** Renders a cell by its column's format (durations are ms, shares 0..1). */
function cell(value: unknown, format: string): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') {
    if (format === 'percent') return `${Math.round(value * 100)}%`;
    if (format === 'duration') return span(value);
    if (format === 'money') return money(value, null);
    if (format === 'number') return String(Math.round(value * 100) / 100);
  }
  if (typeof value === 'boolean') return value ? 'yes' : '';
  return String(value);
}

/** The engine's reports as tables, over the deals the user may read; one page per report. */
export function ReportsPage({ name }: { name?: string }) {
  const { data: list } = useApi<Array<{ name: string }>>('reports');
  const current = name ?? list?.[0]?.name ?? null;
  const { data, error } = useApi<ReportView>(current ? `reports/${encodeURIComponent(current)}` : null);
  return (
    <div class="page">
      <h1>Reports</h1>
      <nav aria-label="Reports" class="tabs">
        {list?.map((r) => (
          <a key={r.name} href={`${BASE}/reports/${r.name}`} aria-current={r.name === current ? 'page' : undefined}>
            {r.name}
          </a>
        ))}
      </nav>
      {error && (
        <p role="alert" class="error">
          {refusal(error)}
        </p>
      )}
      {data && (
        <section aria-labelledby="h-report">
          <h2 id="h-report">{data.title}</h2>
          <div class="scroll">
            <table data-testid="report">
              <thead>
                <tr>
                  {data.columns.map((c) => (
                    <th key={c.key} scope="col">
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row, i) => (
                  <tr key={i}>
                    {data.columns.map((c) => (
                      <td key={c.key}>{cell(row[c.key], c.format)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.notes.map((n) => (
            <p key={n} class="muted">
              {n}
            </p>
          ))}
        </section>
      )}
    </div>
  );
}
