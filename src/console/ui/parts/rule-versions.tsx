import { useEffect, useRef, useState } from 'preact/hooks';
import type { RulesView, RuleVersionsView } from '../../views.js';
import { get, refusal } from '../api.js';
import { when } from '../format.js';

/**
 * Each rule's versions (those this engine has loaded) with a side-by-side comparison of any two,
 * and the rule set's changes, newest first.
 */
export function RuleVersions({ view, zone }: { view: RulesView; zone: string }) {
  const [ruleId, setRuleId] = useState<string | null>(null);
  const [versions, setVersions] = useState<RuleVersionsView | null>(null);
  const [pick, setPick] = useState<[number, number] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!ruleId) return;
    let live = true;
    get<RuleVersionsView>(`rules/${encodeURIComponent(ruleId)}/versions`).then(
      (v) => {
        if (!live) return;
        setVersions(v);
        const n = v.versions.map((x) => x.version);
        setPick([n[Math.max(0, n.length - 2)]!, n[n.length - 1]!]);
      },
      (e: unknown) => live && setProblem(refusal(e)),
    );
    return () => {
      live = false;
    };
  }, [ruleId, view.revision]);

  // The comparison (its module loads on demand), redrawn whenever the two versions change.
  useEffect(() => {
    if (!versions || !pick || !host.current) return;
    const [a, b] = pick.map((n) => versions.versions.find((v) => v.version === n));
    if (!a || !b) return;
    let destroy: (() => void) | undefined;
    let live = true;
    import('../editor/compare.js').then(
      (m) => {
        if (!live || !host.current) return;
        host.current.replaceChildren();
        destroy = m.compare(host.current, `${JSON.stringify(a.rule, null, 2)}\n`, `${JSON.stringify(b.rule, null, 2)}\n`, [
          `${versions.ruleId} version ${a.version}`,
          `${versions.ruleId} version ${b.version}`,
        ]);
      },
      (e: unknown) => live && setProblem(String(e)),
    );
    return () => {
      live = false;
      destroy?.();
    };
  }, [versions, pick]);

  const choose = (i: 0 | 1) => (e: Event) => {
    if (!pick) return;
    const next: [number, number] = [...pick];
    next[i] = Number((e.target as HTMLSelectElement).value);
    setPick(next);
  };

  return (
    <section aria-labelledby="h-versions" class="panel">
      <h2 id="h-versions">Versions</h2>
      <table data-testid="versions">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Versions</th>
            <th scope="col">In force</th>
            <th scope="col">
              <span class="sr-only">Compare</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.versions.map((r) => (
            <tr key={r.ruleId} data-rule={r.ruleId}>
              <td>
                {r.ruleId}
                {r.name && <span class="muted"> — {r.name}</span>}
              </td>
              <td>{r.versions.map((v) => `v${v}`).join(', ')}</td>
              <td>{r.current === null ? 'removed' : `v${r.current}`}</td>
              <td>
                {r.versions.length > 1 && (
                  <button type="button" onClick={() => setRuleId(r.ruleId)} aria-pressed={ruleId === r.ruleId}>
                    Compare
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      {versions && pick && (
        <div class="compare" data-testid="compare">
          <h3>{versions.ruleId}</h3>
          <label>
            Older{' '}
            <select aria-label="Older version" value={String(pick[0])} onChange={choose(0)}>
              {versions.versions.map((v) => (
                <option key={v.version} value={String(v.version)}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            Newer{' '}
            <select aria-label="Newer version" value={String(pick[1])} onChange={choose(1)}>
              {versions.versions.map((v) => (
                <option key={v.version} value={String(v.version)}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
          <div ref={host} class="merge" />
        </div>
      )}
      <h3>Changes to the rule set</h3>
      {view.activations.length === 0 ? (
        <p class="muted">The rules have not changed since this store began.</p>
      ) : (
        <ol class="activations" data-testid="activations" reversed>
          {view.activations.map((a) => (
            <li key={a.revision}>
              Revision {a.revision}, {when(a.at, zone)}:{' '}
              {a.changes.map((c) => `${c.ruleId} ${c.kind} (${c.from ?? '—'} → ${c.to ?? '—'}, ${c.policy})`).join('; ')}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
