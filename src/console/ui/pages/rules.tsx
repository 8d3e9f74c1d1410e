import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ActivationView, RuleChangePreview, RuleCheckView, RulesView } from '../../views.js';
import { BASE, post, refusal, useApi } from '../api.js';
import type { CheckedDocument, RulesEditor } from '../editor/rules-editor.js';
import { DryRunPanel } from '../parts/dry-run.js';
import { RuleVersions } from '../parts/rule-versions.js';
import { Shell } from '../shell.js';

const pretty = (rules: unknown) => `${JSON.stringify(rules, null, 2)}\n`;

/**
 * The rule set as JSON in an editor that checks as you type (the schema, then `check` on the
 * server), a dry run of the edited rules against the ones in force over a history, activation
 * for those allowed, and the rules' versions and changes.
 */
export function RulesPage() {
  const { session, changed, announce } = useContext(Shell);
  const { data, error, reload } = useApi<RulesView>('rules');
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<RulesEditor | null>(null);
  const [checked, setChecked] = useState<CheckedDocument | null>(null);
  const [dirty, setDirty] = useState(false);
  const [activation, setActivation] = useState<ActivationView | null>(null);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const loaded = useRef<RulesView | null>(null);

  // The editor is made once the rules are in (its module loads on demand); a reload after activating refills it.
  useEffect(() => {
    if (!data || !host.current) return;
    if (editor.current) {
      if (loaded.current?.revision !== data.revision) editor.current.setText(pretty(data.rules));
      loaded.current = data;
      return;
    }
    loaded.current = data;
    let live = true;
    import('../editor/rules-editor.js').then(
      (m) => {
        if (!live || !host.current) return;
        host.current.replaceChildren();
        editor.current = m.createRulesEditor({
          parent: host.current,
          doc: pretty(data.rules),
          schema: data.schema,
          stages: data.stages,
          fields: data.fields,
          check: (json) => post<RuleCheckView>('rules/check', { rules: json }),
          onChecked: setChecked,
          onChange: () => setDirty(true),
        });
      },
      (e: unknown) => live && setFailed(String(e)),
    );
    return () => {
      live = false;
    };
  }, [data]);
  useEffect(
    () => () => {
      editor.current?.destroy();
      editor.current = null;
    },
    [],
  );

  if (error)
    return (
      <p role="alert" class="error page">
        {refusal(error)}
      </p>
    );

  const check = checked?.check ?? null;
  const problems = checked ? (checked.syntaxError ? 1 : checked.schema.length + (check?.errors ?? 0)) : 0;
  const valid = checked !== null && checked.syntaxError === null && checked.schema.length === 0 && check !== null && check.errors === 0;
  const changes = valid ? (check?.changes ?? []) : [];

  const activate = async () => {
    if (!editor.current || !data) return;
    setBusy(true);
    try {
      const result = await post<ActivationView>('rules/activate', { rules: JSON.parse(editor.current.text()), revision: data.revision });
      setActivation(result);
      setDirty(false);
      announce(`Activated revision ${result.revision}: ${result.changes.map((c) => `${c.ruleId} ${c.kind}`).join(', ') || 'no rule changed'}.`);
      reload();
      changed();
    } catch (e) {
      announce(refusal(e), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page rules">
      <h1>
        Rules{' '}
        {data && (
          <span class="muted" data-testid="revision">
            revision {data.revision}
          </span>
        )}
      </h1>
      <section aria-labelledby="h-editor" class="panel">
        <h2 id="h-editor">The rule set</h2>
        <p id="rules-editor-help" class="muted">
          Checked as you type against the rule language’s schema, then by <code>check</code> on the server; problems are underlined where they are. Hover a key
          for what it means; Ctrl+Space offers keys, types, stages and fields. Tab leaves the editor.
        </p>
        <div class="editor" ref={host} data-testid="editor">
          {!editor.current && <p class="loading">{failed ? `The editor could not load: ${failed}` : 'Loading the editor…'}</p>}
        </div>
        <p class={`check-status ${problems > 0 ? 'error' : ''}`} data-testid="check-status" role="status">
          {!checked
            ? 'Checking…'
            : checked.syntaxError
              ? `Not valid JSON: ${checked.syntaxError}`
              : problems === 0
                ? `No problems${check && check.warnings > 0 ? `; ${check.warnings} warning(s)` : ''}.`
                : `${problems} problem(s)${check && check.warnings > 0 ? `, ${check.warnings} warning(s)` : ''}: fix them before a dry run or activating.`}
        </p>
        {checked && (checked.schema.length > 0 || (check?.findings.length ?? 0) > 0) && (
          <ul class="findings" data-testid="findings">
            {checked.schema.map((p) => {
              const path = `$${p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
              return (
                <li key={`s${path}${p.message}`} class="error">
                  <button type="button" class="link" onClick={() => editor.current?.reveal(path.replace(/^\$\.rules/, '$'))}>
                    {path}
                  </button>{' '}
                  {p.message} <span class="muted">(schema)</span>
                </li>
              );
            })}
            {check?.findings.map((f) => (
              <li key={`c${f.path}${f.message}`} class={f.severity === 'error' ? 'error' : 'warn'}>
                <button type="button" class="link" onClick={() => editor.current?.reveal(f.path)}>
                  {f.path}
                </button>{' '}
                {f.message}
                {f.hint && <span class="hint"> {f.hint}</span>} <span class="muted">(check: {f.code})</span>
              </li>
            ))}
          </ul>
        )}
        {dirty && data && (
          <button
            type="button"
            onClick={() => {
              editor.current?.setText(pretty(data.rules));
              setDirty(false);
            }}
          >
            Back to the rules in force
          </button>
        )}
      </section>

      <DryRunPanel rules={() => (editor.current && valid ? JSON.parse(editor.current.text()) : null)} valid={valid} />

      <section aria-labelledby="h-activate" class="panel">
        <h2 id="h-activate">Activate</h2>
        {!valid ? (
          <p class="muted">The edited rules can be activated once they have no problems.</p>
        ) : changes.length === 0 ? (
          <p class="muted">The edited rules are the rules in force: nothing to activate.</p>
        ) : (
          <>
            <p>Activating makes these changes (revision {(data?.revision ?? 0) + 1}):</p>
            <Changes changes={changes} testid="preview" />
            {session.can.activateRules ? (
              <button type="button" class="primary" disabled={busy} onClick={activate}>
                Activate
              </button>
            ) : (
              <p class="muted">Only someone allowed to change the rules may activate them (the policy’s rules.change).</p>
            )}
          </>
        )}
        {activation && (
          <div data-testid="activation" class="activation">
            <p>
              <strong>Activated revision {activation.revision}.</strong>
            </p>
            <Changes changes={activation.changes} testid="activated" />
          </div>
        )}
      </section>

      {data && <RuleVersions view={data} zone={session.pipelines[0]?.timezone ?? 'UTC'} />}
    </div>
  );
}

/** Rule changes: which rule, from which version to which, and what its onChange policy does to pending jobs (with the deals they are on). */
function Changes({ changes, testid }: { changes: RuleChangePreview[]; testid: string }) {
  if (changes.length === 0) return <p class="muted">No rule changed.</p>;
  return (
    <table data-testid={testid}>
      <thead>
        <tr>
          <th scope="col">Rule</th>
          <th scope="col">Change</th>
          <th scope="col">Version</th>
          <th scope="col">onChange</th>
          <th scope="col">Pending jobs of earlier versions</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((c) => (
          <tr key={c.ruleId} data-rule={c.ruleId}>
            <td>{c.ruleId}</td>
            <td>{c.kind}</td>
            <td data-testid="version">
              {c.from === null ? '—' : `v${c.from}`} → {c.to === null ? '—' : `v${c.to}`}
            </td>
            <td>{c.policy}</td>
            <td>
              {c.effect}
              {c.deals.length > 0 && (
                <span class="deals">
                  {' '}
                  on{' '}
                  {c.deals.map((d, i) => (
                    <span key={d}>
                      {i > 0 && ', '}
                      <a href={`${BASE}/deals/${encodeURIComponent(d)}`}>{d}</a>
                    </span>
                  ))}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
