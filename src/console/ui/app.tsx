import type { AnyComponent } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import type { SessionView } from '../views.js';
import { ApiError, BASE, get } from './api.js';
import { ApprovalsPage } from './pages/approvals.js';
import { BoardPage } from './pages/board.js';
import { DealPage } from './pages/deal.js';
import { OperationsPage } from './pages/operations.js';
import { ReportsPage } from './pages/reports.js';
import { RulesPage } from './pages/rules.js';
import { Header } from './parts/header.js';
import { Shell, type ShellState } from './shell.js';

/** Pages by path under the base: add one here (and a link in the header) to add a page. */
const PAGES: Array<{ path: string; component: AnyComponent<any> }> = [
  { path: '/', component: BoardPage },
  { path: '/deals/:id', component: DealPage },
  { path: '/approvals', component: ApprovalsPage },
  { path: '/operations', component: OperationsPage },
  { path: '/reports/:name?', component: ReportsPage },
  { path: '/rules', component: RulesPage },
];

export function App() {
  const [session, setSession] = useState<SessionView | undefined>(undefined);
  const [failure, setFailure] = useState<ApiError | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<{ text: string; tone: 'ok' | 'error' } | null>(null);

  useEffect(() => {
    get<SessionView>('session').then(setSession, (e: unknown) => setFailure(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e))));
  }, [version]);

  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const announce = useCallback((text: string, tone: 'ok' | 'error' = 'ok') => setStatus({ text, tone }), []);
  const shell = useMemo<ShellState | undefined>(() => session && { session, version, changed, announce }, [session, version, changed, announce]);

  if (failure && !session) {
    return (
      <main class="page">
        <h1>dealflow console</h1>
        <p role="alert" class="error">
          {failure.status === 401 ? 'You are not signed in: the host gave no user for this request.' : failure.message}
        </p>
      </main>
    );
  }
  if (!shell) return <p class="loading">Loading…</p>;
  return (
    <Shell.Provider value={shell}>
      <LocationProvider scope={BASE || undefined}>
        <Header />
        <p class={`status ${status?.tone ?? ''}`} role={status?.tone === 'error' ? 'alert' : 'status'} aria-live="polite">
          {status?.text}
          {status && (
            <button type="button" class="link" aria-label="Dismiss" onClick={() => setStatus(null)}>
              ×
            </button>
          )}
        </p>
        <main id="main">
          <Router>
            {[
              ...PAGES.map((p) => <Route key={p.path} path={`${BASE}${p.path === '/' && BASE ? '' : p.path}`} component={p.component} />),
              <Route key="default" default component={NotFound} />,
            ]}
          </Router>
        </main>
      </LocationProvider>
    </Shell.Provider>
  );
}

function NotFound() {
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        <a href={`${BASE}/`}>Back to the board</a>
      </p>
    </div>
  );
}
