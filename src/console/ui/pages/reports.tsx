import { useContext, useState } from 'preact/hooks';
import type { ReportView } from '../../views.js';
import { BASE, refusal, useApi } from '../api.js';
import { money, span } from '../format.js';
import { Chart } from '../parts/chart.js';
import { Shell } from '../shell.js';

/** The menu's names for the reports. */
const TITLES: Record<string, string> = {
  funnel: 'Funnel',
  slaCompliance: 'Deadlines',
  exceptions: 'Exceptions',
  flagShare: 'Flagged deals',
  timeInStage: 'Time in stage',
  stale: 'Stale deals',
  velocity: 'Velocity',
};

/** Renders a cell by its column's format (durations are ms, shares 0..1). */
function cell(value: unknown, format: string): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') {
    if (format === 'percent') return `${Math.round(value * 1000) / 10}%`;
    if (format === 'duration') return span(value);
    if (format === 'money') return money(value, null);
    if (format === 'number') return String(Math.round(value * 100) / 100);
  }
  if (typeof value === 'boolean') return value ? 'yes' : '';
  if (format === 'instant' && typeof value === 'string') return value.slice(0, 16).replace('T', ' ');
  return String(value);
}

/**
 * The engine's reports as charts, each with the numbers it plots in a table, then the report's own
 * table and a CSV download; over the deals the user may read, for a period and an owner.
 */
export function ReportsPage({ name }: { name?: string }) {
  const { session } = useContext(Shell);
  const { data: list } = useApi<Array<{ name: string }>>('reports');
  const [pipelineId, setPipelineId] = useState(session.pipelines[0]?.id ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [owner, setOwner] = useState('');
  const [idle, setIdle] = useState('3');
  const current = name ?? list?.[0]?.name ?? null;
  const query = new URLSearchParams({
    pipeline: pipelineId,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(owner ? { owner } : {}),
    ...(current === 'stale' ? { idle } : {}),
  }).toString();
  const { data, error } = useApi<ReportView>(current ? `reports/${encodeURIComponent(current)}?${query}` : null);
  const value = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;
  return (
    <div class="page reports">
      <h1>Reports</h1>
      <nav aria-label="Reports" class="tabs">
        {list?.map((r) => (
          <a key={r.name} href={`${BASE}/reports/${r.name}`} aria-current={r.name === current ? 'page' : undefined}>
            {TITLES[r.name] ?? r.name}
          </a>
        ))}
      </nav>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        {session.pipelines.length > 1 && (
          <label>
            Pipeline
            <select aria-label="Pipeline" value={pipelineId} onChange={(e) => setPipelineId(value(e))}>
              {session.pipelines.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          From
          <input type="date" aria-label="From" value={from} max={to || undefined} onChange={(e) => setFrom(value(e))} />
        </label>
        <label>
          To
          <input type="date" aria-label="To" value={to} min={from || undefined} onChange={(e) => setTo(value(e))} />
        </label>
        {data && data.owners.length > 1 && (
          <label>
            Owner
            <select aria-label="Owner" value={owner} onChange={(e) => setOwner(value(e))}>
              <option value="">Everyone</option>
              {data.owners.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {current === 'stale' && (
          <label>
            Idle for
            <select aria-label="Idle for" value={idle} onChange={(e) => setIdle(value(e))}>
              {[1, 2, 3, 5, 7, 14, 30].map((d) => (
                <option key={d} value={String(d)}>
                  {d === 1 ? '1 day' : `${d} days`}
                </option>
              ))}
            </select>
          </label>
        )}
        {current && (
          <a class="button" href={`${BASE}/api/reports/${encodeURIComponent(current)}.csv?${query}`} download>
            Download CSV
          </a>
        )}
      </form>
      {error && (
        <p role="alert" class="error">
          {refusal(error)}
        </p>
      )}
      {data && (
        <section aria-labelledby="h-report" data-report={data.name}>
          <h2 id="h-report">{data.title}</h2>
          {data.owners.length === 1 && <p class="muted">The deals of {data.owners[0]!.name}.</p>}
          <div class="charts">
            {data.charts.map((c) => (
              <Chart key={`${c.id}-${query}`} view={c} />
            ))}
          </div>
          {data.notes.map((n) => (
            <p key={n} class="muted">
              {n}
            </p>
          ))}
          <h3>The report</h3>
          {data.rows.length === 0 ? (
            <p class="muted">No rows for this period.</p>
          ) : (
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
          )}
        </section>
      )}
    </div>
  );
}
