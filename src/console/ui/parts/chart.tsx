import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChartView } from '../../views.js';
import { formatValue } from '../format.js';

/** The chart module (uPlot), loaded once, when the first chart is shown. */
let loading: Promise<typeof import('../charts/plot.js')> | undefined;

/**
 * A chart and the numbers behind it: the canvas (drawn once the chart module has loaded) and a
 * table of exactly what it plots, which screen readers read instead of the picture.
 */
export function Chart({ view }: { view: ChartView }) {
  const host = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    if (view.empty || !host.current) return;
    let destroy: (() => void) | undefined;
    let live = true;
    loading ??= import('../charts/plot.js');
    loading.then(
      (m) => {
        if (!live || !host.current) return;
        host.current.replaceChildren();
        const drawn = m.plot(host.current, view);
        destroy = drawn.destroy;
        // What the chart plots, for tests and anyone checking it against the table.
        host.current.dataset.plotted = JSON.stringify(drawn.plotted.map((s) => s.map((v) => (v === null ? null : Math.round(v * 1e6) / 1e6))));
      },
      (e: unknown) => live && setFailed(String(e)),
    );
    return () => {
      live = false;
      destroy?.();
    };
  }, [view]);

  const id = `chart-${view.id}`;
  return (
    <figure class="chart" data-chart={view.id} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{view.title}</figcaption>
      {view.empty ? (
        <p class="muted">{view.empty}</p>
      ) : (
        <div class="plot" ref={host} role="img" aria-label={`${view.title}: the numbers are in the table below`} />
      )}
      {failed && (
        <p role="alert" class="error">
          The chart could not be drawn: {failed}
        </p>
      )}
      {view.markedLabel && <p class="marked">{view.markedLabel}</p>}
      {!view.empty && (
        <details class="numbers">
          <summary>The numbers</summary>
          <div class="scroll">
            <table data-testid={`numbers-${view.id}`}>
              <thead>
                <tr>
                  <th scope="col">{view.xLabel}</th>
                  {view.series.map((s) => (
                    <th key={s.label} scope="col">
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {view.x.map((x, i) => (
                  <tr key={x} class={view.marked.includes(i) ? 'marked' : undefined}>
                    <th scope="row">{x}</th>
                    {view.series.map((s) => (
                      <td key={s.label}>{formatValue(s.values[i], s.format)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}
