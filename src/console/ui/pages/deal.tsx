import { useContext, useState } from 'preact/hooks';
import type { DealView, ExplainView } from '../../views.js';
import { BASE, get, post, refusal, useApi } from '../api.js';
import { money, span, when } from '../format.js';
import { ApprovalRow } from '../parts/approval.js';
import { Shell } from '../shell.js';

/** One deal: fields and flags, the history as a timeline in words, pending jobs, tasks, deadlines, exceptions and approvals, explain. */
export function DealPage({ id }: { id: string }) {
  const { session, changed, announce } = useContext(Shell);
  const { data, error } = useApi<DealView>(`deals/${encodeURIComponent(id)}`);
  if (error)
    return (
      <p role="alert" class="error page">
        {refusal(error)}
      </p>
    );
  if (!data) return <p class="loading">Loading the deal…</p>;
  const { deal } = data;
  const pipeline = session.pipelines.find((p) => p.id === deal.pipelineId);
  const zone = pipeline?.timezone ?? 'UTC';

  const act = async (what: string, path: string, body: unknown) => {
    try {
      await post(path, body);
      announce(what);
      changed();
    } catch (e) {
      announce(refusal(e), 'error');
    }
  };

  const fields = Object.entries(deal.fields);
  const flags = Object.entries(deal.flags).filter(([, on]) => on);
  return (
    <div class="page deal">
      <p>
        <a href={`${BASE}/`}>← Board</a>
      </p>
      <h1>{deal.title || deal.id}</h1>
      <dl class="facts">
        <dt>Stage</dt>
        <dd data-testid="stage">
          {deal.stageName} <span class="muted">for {span(Date.parse(session.clock.now) - Date.parse(deal.stageEnteredAt))}</span>
        </dd>
        <dt>Owner</dt>
        <dd>{deal.owner.name}</dd>
        <dt>Amount</dt>
        <dd>{money(deal.amount, deal.currency)}</dd>
        <dt>Created</dt>
        <dd>{when(deal.createdAt, zone)}</dd>
        {fields.map(([k, v]) => [<dt key={`k-${k}`}>{k}</dt>, <dd key={`v-${k}`}>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>])}
        <dt>Flags</dt>
        <dd>
          {flags.length === 0
            ? '—'
            : flags.map(([f]) => (
                <span key={f} class="badge flag">
                  {f}
                </span>
              ))}
        </dd>
      </dl>
      {data.can.move && pipeline && (
        <label class="inline">
          Move to{' '}
          <select
            value=""
            onChange={(e) => {
              const stageId = (e.target as HTMLSelectElement).value;
              if (stageId)
                act(`Moved to ${pipeline.stages.find((s) => s.id === stageId)?.name}.`, `deals/${encodeURIComponent(deal.id)}/move`, {
                  stageId,
                  expectedVersion: deal.version,
                });
            }}
          >
            <option value="">choose a stage…</option>
            {pipeline.stages
              .filter((s) => s.id !== deal.stageId)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
          </select>
        </label>
      )}

      <div class="columns-2">
        <section aria-labelledby="h-timeline">
          <h2 id="h-timeline">History</h2>
          <ol class="timeline" data-testid="timeline">
            {[...data.timeline].reverse().map((t) => (
              <li key={t.id} class={`tone-${t.tone}`}>
                <time dateTime={t.at}>{when(t.at, zone)}</time> <span>{t.text}</span>
              </li>
            ))}
          </ol>
        </section>
        <div>
          <section aria-labelledby="h-deadlines">
            <h2 id="h-deadlines">Deadlines</h2>
            {data.deadlines.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul class="plain" data-testid="deadlines">
                {data.deadlines.map((d) => (
                  <li key={d.id}>
                    <strong>{d.name}</strong>: {d.status}
                    {d.dueAt && `, due ${when(d.dueAt, zone)}`}
                    {d.originalDueAt && d.originalDueAt !== d.dueAt && <span class="muted"> (was {when(d.originalDueAt, zone)})</span>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="h-approvals">
            <h2 id="h-approvals">Exceptions and approvals</h2>
            {data.exceptions.map((x) => (
              <p key={x.id}>
                <span class="badge flag">{x.flag}</span> {x.reason ?? x.note} — {x.status}
                {x.requestedBy && <span class="muted"> (marked by {x.requestedBy.name})</span>}
              </p>
            ))}
            <ul class="plain">
              {data.approvals.map((a) => (
                <ApprovalRow key={a.id} approval={a} />
              ))}
            </ul>
            {data.can.markException && data.exceptionFlags.length > 0 && <ExceptionForm view={data} onMark={act} />}
          </section>
          <section aria-labelledby="h-jobs">
            <h2 id="h-jobs">Pending jobs</h2>
            {data.jobs.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul class="plain" data-testid="jobs">
                {data.jobs.map((j) => (
                  <li key={j.id}>
                    {when(j.dueAt, zone)}: {j.what}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="h-tasks">
            <h2 id="h-tasks">Tasks</h2>
            {data.tasks.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul class="plain">
                {data.tasks.map((t) => (
                  <li key={t.id} class={t.overdue ? 'tone-warn' : ''}>
                    {t.title} — {t.status}
                    {t.assignee && `, ${t.assignee.name}`}
                    {t.dueAt && `, due ${when(t.dueAt, zone)}`}{' '}
                    {t.canComplete && (
                      <button type="button" onClick={() => act(`Completed “${t.title}”.`, `tasks/${encodeURIComponent(t.id)}/complete`, {})}>
                        Complete
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <Explain dealId={deal.id} />
        </div>
      </div>
    </div>
  );
}

function ExceptionForm({ view, onMark }: { view: DealView; onMark: (what: string, path: string, body: unknown) => Promise<void> }) {
  const first = view.exceptionFlags[0]!;
  const [flag, setFlag] = useState(first.flag);
  const [reason, setReason] = useState(first.reasons[0] ?? '');
  const reasons = view.exceptionFlags.find((f) => f.flag === flag)?.reasons ?? [];
  return (
    <form
      class="inline-form"
      aria-label="Mark an exception"
      onSubmit={(e) => {
        e.preventDefault();
        onMark(`Marked “${flag}”.`, `deals/${encodeURIComponent(view.deal.id)}/exception`, { flag, reason });
      }}
    >
      <label>
        Exception{' '}
        <select value={flag} onChange={(e) => setFlag((e.target as HTMLSelectElement).value)}>
          {view.exceptionFlags.map((f) => (
            <option key={f.flag}>{f.flag}</option>
          ))}
        </select>
      </label>{' '}
      <label>
        Reason{' '}
        <select value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
          {reasons.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>{' '}
      <button type="submit">Mark</button>
    </form>
  );
}

/** "Why didn't this rule fire?": each rule's verdict and reason, loaded on request. */
function Explain({ dealId }: { dealId: string }) {
  const [view, setView] = useState<ExplainView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = () => get<ExplainView>(`deals/${encodeURIComponent(dealId)}/explain`).then(setView, (e: unknown) => setProblem(refusal(e)));
  return (
    <section aria-labelledby="h-explain">
      <h2 id="h-explain">Rules</h2>
      {!view && (
        <button type="button" onClick={load}>
          Why did a rule fire or not?
        </button>
      )}
      {problem && <p class="error">{problem}</p>}
      {view && (
        <ul class="plain explain" data-testid="explain">
          {view.rules.map((r) => (
            <li key={r.ruleId}>
              <details>
                <summary>
                  <span class={`verdict v-${r.verdict}`}>{r.verdict}</span> {r.name}
                </summary>
                <p>{r.why}</p>
                {r.matches.map((m) => (
                  <ul key={m.at} class="conditions">
                    {m.conditions.map((c) => (
                      <li key={c.text} class={c.ok ? 'tone-good' : 'tone-bad'}>
                        {c.ok ? '✓' : '✗'} {c.text}
                      </li>
                    ))}
                  </ul>
                ))}
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
