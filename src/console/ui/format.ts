/** Formatting for the browser: instants in the pipeline's zone, durations, money. */
import type { NumberFormat } from '../views.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/** "Mon 2 Mar, 14:00" in the zone. */
export function when(iso: string | null, zone: string): string {
  if (!iso) return '—';
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: zone });
    formats.set(zone, f);
  }
  return f.format(new Date(iso));
}

/** A duration in the largest units that matter: "3d 4h", "5h 10m", "12m". */
export function span(ms: number): string {
  const m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m % 60 > 0 ? `${h}h ${m % 60}m` : `${h}h`;
  return `${m}m`;
}

/** An amount with its currency, without cents. */
export function money(amount: number, currency: string | null): string {
  try {
    return currency
      ? new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount)
      : new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${amount} ${currency ?? ''}`.trim();
  }
}

/** A report's number as the charts and their tables show it: a count, a share (0..1), a duration (ms), an amount. */
export function formatValue(value: number | null | undefined, format: NumberFormat): string {
  if (value === null || value === undefined) return '—';
  switch (format) {
    case 'percent':
      return `${Math.round(value * 1000) / 10}%`;
    case 'duration':
      return span(value);
    case 'money':
      return money(value, null);
    case 'number':
      return String(Math.round(value * 100) / 100);
    default:
      return String(value);
  }
}
