import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { BoardView, CardView, ColumnView, PipelineView } from '../../views.js';
import { BASE, post, refusal, useApi } from '../api.js';
import { money } from '../format.js';
import { Card } from '../parts/card.js';
import { NewDealForm } from '../parts/new-deal.js';
import { Shell } from '../shell.js';

/** A move the browser shows before the server answers; undone (the card snaps back) if refused. */
type Pending = { dealId: string; toStageId: string };

let firstRender = true;

/**
 * The kanban board: a column per stage, inbox first. Cards move by drag and drop (native HTML5),
 * by keyboard (Alt+→ / Alt+← on a focused card) or with the card's "Move to" list; each way asks
 * the engine, and a refused move snaps back and says why.
 */
export function BoardPage() {
  const { session, changed, announce } = useContext(Shell);
  const [pipelineId, setPipelineId] = useState(session.pipelines[0]?.id ?? '');
  const [owner, setOwner] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const [creating, setCreating] = useState(false);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const focusAfter = useRef<string | null>(null);
  const query = `board?pipeline=${encodeURIComponent(pipelineId)}${owner ? `&owner=${encodeURIComponent(owner)}` : ''}`;
  const { data: board, error, reload } = useApi<BoardView>(query);
  const pipeline = session.pipelines.find((p) => p.id === pipelineId);

  useEffect(() => {
    if (!board) return;
    if (firstRender) {
      firstRender = false;
      // The board's time to first render, for the browser test (and anyone's devtools).
      performance.mark('dealflow:board-rendered');
    }
    if (focusAfter.current) {
      document.querySelector<HTMLElement>(`[data-deal="${CSS.escape(focusAfter.current)}"] a.title`)?.focus();
      focusAfter.current = null;
    }
  }, [board]);

  if (error)
    return (
      <p role="alert" class="error page">
        {refusal(error)}
      </p>
    );
  if (!board || !pipeline) return <p class="loading">Loading the board…</p>;

  const move = async (card: CardView, to: ColumnView, how: string) => {
    if (card.dealId === pending?.dealId || to.cards.some((c) => c.dealId === card.dealId)) return;
    setPending({ dealId: card.dealId, toStageId: to.stageId });
    focusAfter.current = card.dealId;
    try {
      await post(`deals/${encodeURIComponent(card.dealId)}/move`, { stageId: to.stageId, expectedVersion: card.version });
      announce(`Moved “${card.title}” to ${to.name}${how}.`);
      changed();
    } catch (e) {
      announce(`Could not move “${card.title}” to ${to.name}: ${refusal(e)}`, 'error');
      reload();
    } finally {
      setPending(null);
    }
  };

  // The pending move is shown at once: the card leaves its column and joins the target's top.
  const columns = board.columns.map((col) => {
    if (!pending) return col;
    const moving = board.columns.flatMap((c) => c.cards).find((c) => c.dealId === pending.dealId);
    const cards = col.cards.filter((c) => c.dealId !== pending.dealId);
    if (moving && col.stageId === pending.toStageId) cards.unshift(moving);
    return { ...col, cards };
  });
  const neighbour = (card: CardView, step: number) => {
    const at = columns.findIndex((c) => c.cards.some((x) => x.dealId === card.dealId));
    return columns[at + step];
  };

  return (
    <div class="board-page">
      <div class="toolbar">
        <h1>{pipeline.name}</h1>
        {session.pipelines.length > 1 && (
          <select aria-label="Pipeline" value={pipelineId} onChange={(e) => setPipelineId((e.target as HTMLSelectElement).value)}>
            {session.pipelines.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        )}
        {(board.owners.length > 1 || owner) && (
          <select aria-label="Filter by owner" value={owner} onChange={(e) => setOwner((e.target as HTMLSelectElement).value)}>
            <option value="">Everyone</option>
            {board.owners.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        )}
        <button type="button" class="primary" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New deal
        </button>
      </div>
      {creating && <NewDealForm pipeline={pipeline} onDone={() => setCreating(false)} />}
      <p class="hint" id="board-hint">
        Drag a card to another column, or focus its title and press Alt+→ / Alt+← (or use its “Move to” list); open a card for its history.
      </p>
      <div class="board">
        {columns.map((col) => (
          <section
            key={col.stageId}
            class={`column kind-${col.kind}${dropTarget === col.stageId ? ' drop' : ''}`}
            aria-labelledby={`col-${col.stageId}`}
            data-stage={col.stageId}
            onDragOver={(e) => {
              e.preventDefault();
              if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
              setDropTarget(col.stageId);
            }}
            onDragLeave={(e) => {
              if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setDropTarget(null);
            }}
            onDrop={(e) => {
              e.preventDefault();
              setDropTarget(null);
              const id = e.dataTransfer?.getData('text/plain');
              const card = board.columns.flatMap((c) => c.cards).find((c) => c.dealId === id);
              if (card) move(card, col, '');
            }}
          >
            <ColumnHead column={col} pipeline={pipeline} />
            <ul class="cards">
              {col.cards.map((card) => (
                <Card
                  key={card.dealId}
                  card={card}
                  asOf={board.asOf}
                  zone={pipeline.timezone}
                  stages={pipeline.stages}
                  stageId={col.stageId}
                  pending={pending?.dealId === card.dealId}
                  onMove={(stageId, how) => {
                    const to = columns.find((c) => c.stageId === stageId);
                    if (to) move(card, to, how);
                  }}
                  onStep={(step) => {
                    const to = neighbour(card, step);
                    if (to) move(card, to, ' (keyboard)');
                  }}
                />
              ))}
            </ul>
          </section>
        ))}
      </div>
      <p class="asof">
        <a href={`${BASE}/operations`}>Operations</a> · board as of {new Date(board.asOf).toISOString().slice(0, 16).replace('T', ' ')} UTC
      </p>
    </div>
  );
}

function ColumnHead({ column, pipeline }: { column: ColumnView; pipeline: PipelineView }) {
  const currencies = new Set(column.cards.map((c) => c.currency));
  const currency = currencies.size === 1 ? [...currencies][0]! : null;
  const stage = pipeline.stages.find((s) => s.id === column.stageId);
  return (
    <header class="column-head">
      <h2 id={`col-${column.stageId}`}>{stage?.name ?? column.name}</h2>
      <span class="count" data-testid="count">
        {column.count}
        <span class="sr-only"> deals</span>
      </span>
      <span class="sum">
        <span class="sr-only">total </span>
        {money(column.totalAmount, currency)}
      </span>
    </header>
  );
}
