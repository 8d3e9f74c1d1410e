import { useContext, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { ClockView } from '../../views.js';
import { BASE, post, refusal } from '../api.js';
import { when } from '../format.js';
import { Shell } from '../shell.js';

/** The top bar: where you are, who you are (and whom a demo may switch to), and the clock control on a fake clock. */
export function Header() {
  const { session, changed, announce } = useContext(Shell);
  const { path } = useLocation();
  const zone = session.pipelines[0]?.timezone ?? 'UTC';
  const links = [
    { href: `${BASE}/`, label: 'Board', active: path === (BASE || '/') || path === `${BASE}/` || path.startsWith(`${BASE}/deals`) },
    { href: `${BASE}/approvals`, label: 'Approvals', active: path.startsWith(`${BASE}/approvals`) },
    { href: `${BASE}/operations`, label: 'Operations', active: path.startsWith(`${BASE}/operations`) },
    ...(session.can.reports ? [{ href: `${BASE}/reports`, label: 'Reports', active: path.startsWith(`${BASE}/reports`) }] : []),
    ...(session.can.rules ? [{ href: `${BASE}/rules`, label: 'Rules', active: path.startsWith(`${BASE}/rules`) }] : []),
  ];

  const switchTo = async (userId: string) => {
    try {
      await post('session', { userId });
      changed();
      announce(`Signed in as ${session.switchUsers?.find((u) => u.id === userId)?.name ?? userId}`);
    } catch (e) {
      announce(refusal(e), 'error');
    }
  };

  return (
    <header class="top">
      <a class="brand" href={`${BASE}/`}>
        dealflow
      </a>
      <nav aria-label="Pages">
        {links.map((l) => (
          <a key={l.href} href={l.href} aria-current={l.active ? 'page' : undefined}>
            {l.label}
          </a>
        ))}
      </nav>
      {session.clock.control && <ClockControl clock={session.clock} zone={zone} />}
      <div class="who">
        {session.switchUsers ? (
          <label>
            <span class="sr-only">Signed in as</span>
            <select aria-label="Switch user" value={session.user.id} onChange={(e) => switchTo((e.target as HTMLSelectElement).value)}>
              {session.switchUsers.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span>{session.user.name}</span>
        )}
      </div>
    </header>
  );
}

function ClockControl({ clock, zone }: { clock: ClockView; zone: string }) {
  const { changed, announce } = useContext(Shell);
  const [busy, setBusy] = useState(false);
  const advance = async (step: Record<string, unknown>, label: string) => {
    setBusy(true);
    try {
      const now = await post<ClockView>('clock/advance', step);
      changed();
      announce(`Clock moved ${label}: now ${when(now.now, zone)}`);
    } catch (e) {
      announce(refusal(e), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="clock" aria-label="Clock (a fake clock: demos and tests)">
      <time dateTime={clock.now} data-testid="clock-now">
        {when(clock.now, zone)}
      </time>
      <button type="button" disabled={busy} onClick={() => advance({ hours: 1 }, 'an hour')}>
        +1 hour
      </button>
      <button type="button" disabled={busy} onClick={() => advance({ days: 1 }, 'a day')}>
        +1 day
      </button>
      <button
        type="button"
        disabled={busy || clock.nextDueAt === null}
        onClick={() => advance({ next: true }, 'to the next due job')}
        title={clock.nextDueAt ? `next due ${when(clock.nextDueAt, zone)}` : 'nothing is due'}
      >
        Next due
      </button>
    </section>
  );
}
