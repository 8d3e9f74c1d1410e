import { useContext } from 'preact/hooks';
import type { JobView, MessageView, OperationsView } from '../../views.js';
import { BASE, post, refusal, useApi } from '../api.js';
import { when } from '../format.js';
import { Shell } from '../shell.js';

/** Pending and failed work: the outbox by status (dead letters with retry and discard), due and upcoming jobs, the runner's counters. */
export function OperationsPage() {
  const { session, changed, announce } = useContext(Shell);
  const { data, error } = useApi<OperationsView>('operations');
  if (error)
    return (
      <p role="alert" class="error page">
        {refusal(error)}
      </p>
    );
  if (!data) return <p class="loading">Loading…</p>;
  const zone = session.pipelines[0]?.timezone ?? 'UTC';

  const manage = async (m: MessageView, what: 'retry' | 'discard') => {
    try {
      const after = await post<{ status: string }>(`outbox/${encodeURIComponent(m.id)}/${what}`, {});
      announce(`${what === 'retry' ? 'Retried' : 'Discarded'} the message to ${m.recipient ?? '—'}: now ${after.status}.`);
      changed();
    } catch (e) {
      announce(refusal(e), 'error');
    }
  };

  const messages = (title: string, list: MessageView[], testid: string, empty: string) => (
    <section aria-labelledby={`h-${testid}`}>
      <h2 id={`h-${testid}`}>
        {title} <span class="count">{list.length}</span>
      </h2>
      {list.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <table data-testid={testid}>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">To</th>
              <th scope="col">Message</th>
              <th scope="col">Deal</th>
              <th scope="col">Attempts</th>
              {testid === 'dead' && <th scope="col">Error</th>}
              {testid === 'dead' && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((m) => (
              <tr key={m.id} data-message={m.id}>
                <td>{when(m.createdAt, zone)}</td>
                <td>{m.recipient ?? '—'}</td>
                <td>
                  {m.text ?? m.template ?? m.kind}
                  {m.template && <span class="muted"> ({m.template})</span>}
                </td>
                <td>{m.dealId ? <a href={`${BASE}/deals/${encodeURIComponent(m.dealId)}`}>{m.dealId}</a> : '—'}</td>
                <td>{m.attempts}</td>
                {testid === 'dead' && <td class="error">{m.lastError}</td>}
                {testid === 'dead' && (
                  <td>
                    {m.canManage && (
                      <span class="actions">
                        <button type="button" class="primary" onClick={() => manage(m, 'retry')}>
                          Retry
                        </button>
                        <button type="button" onClick={() => manage(m, 'discard')}>
                          Discard
                        </button>
                      </span>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );

  const jobs = (title: string, list: JobView[], testid: string, empty: string) => (
    <section aria-labelledby={`h-${testid}`}>
      <h2 id={`h-${testid}`}>
        {title} <span class="count">{list.length}</span>
      </h2>
      {list.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <table data-testid={testid}>
          <thead>
            <tr>
              <th scope="col">Due</th>
              <th scope="col">Deal</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {list.map((j) => (
              <tr key={j.id}>
                <td>{when(j.dueAt, zone)}</td>
                <td>
                  <a href={`${BASE}/deals/${encodeURIComponent(j.dealId)}`}>{j.dealTitle ?? j.dealId}</a>
                </td>
                <td>{j.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );

  const r = data.runner;
  return (
    <div class="page operations">
      <h1>Operations</h1>
      <p>
        Clock: {when(data.clock.now, zone)}
        {data.clock.nextDueAt && <> · next due {when(data.clock.nextDueAt, zone)}</>}
      </p>
      {messages('Dead letters', data.outbox.dead, 'dead', 'No dead letters.')}
      {messages('Pending', data.outbox.pending, 'pending', 'Nothing waits to be sent.')}
      {messages('Held for a digest', data.outbox.held, 'held', 'No digest is collecting.')}
      {jobs('Jobs due now', data.jobs.due, 'jobs-due', 'Nothing is due.')}
      {jobs('Jobs in the next 7 days', data.jobs.upcoming, 'jobs-upcoming', 'Nothing is scheduled.')}
      {messages('Delivered (newest)', data.outbox.delivered, 'delivered', 'Nothing delivered yet.')}
      <section aria-labelledby="h-runner">
        <h2 id="h-runner">Runner</h2>
        {r ? (
          <dl class="facts" data-testid="runner">
            <dt>Jobs run</dt>
            <dd>{r.jobsRun}</dd>
            <dt>Jobs failed</dt>
            <dd>{r.jobsFailed}</dd>
            <dt>Jobs skipped</dt>
            <dd>{r.jobsSkipped}</dd>
            <dt>Delivered</dt>
            <dd>{r.delivered}</dd>
            <dt>Deliveries failed</dt>
            <dd>{r.deliveriesFailed}</dd>
            <dt>Errors</dt>
            <dd>{r.errors}</dd>
          </dl>
        ) : (
          <p class="muted">
            No runner is attached to this console (createConsole’s runner option); due work runs when the clock moves or the host calls runDue.
          </p>
        )}
      </section>
    </div>
  );
}
