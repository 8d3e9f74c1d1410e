import type { CardView, PipelineView } from '../../views.js';
import { BASE } from '../api.js';
import { money, span, when } from '../format.js';

interface CardProps {
  card: CardView;
  asOf: string;
  zone: string;
  stages: PipelineView['stages'];
  stageId: string;
  pending: boolean;
  onMove: (stageId: string, how: string) => void;
  onStep: (step: 1 | -1) => void;
}

/** The deadline badge: due in…, overdue, breached, met. */
export function deadline(card: CardView, asOf: string): { text: string; tone: string } | null {
  const { state, nextDueAt } = card.sla;
  if (state === 'breached') return { text: 'breached', tone: 'bad' };
  if (state === 'overdue') return { text: 'overdue', tone: 'bad' };
  if (state === 'running' && nextDueAt) {
    const left = Date.parse(nextDueAt) - Date.parse(asOf);
    return { text: `due in ${span(left)}`, tone: left < 24 * 3_600_000 ? 'warn' : 'ok' };
  }
  if (state === 'met') return { text: 'met', tone: 'ok' };
  return null;
}

/** One deal on the board: draggable, focusable, movable by keyboard or its "Move to" list. */
export function Card({ card, asOf, zone, stages, stageId, pending, onMove, onStep }: CardProps) {
  const due = deadline(card, asOf);
  const overdueTasks = card.openTasks.filter((t) => t.overdue).length;
  const stageName = stages.find((s) => s.id === stageId)?.name ?? stageId;
  return (
    <li
      class={`card${pending ? ' pending' : ''}`}
      draggable
      data-deal={card.dealId}
      aria-busy={pending}
      onDragStart={(e) => {
        e.dataTransfer?.setData('text/plain', card.dealId);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      }}
    >
      {/* The title is the card's focus: Enter opens the deal, Alt+→ / Alt+← move it a column. */}
      <a
        class="title"
        href={`${BASE}/deals/${encodeURIComponent(card.dealId)}`}
        draggable={false}
        aria-describedby={`about-${card.dealId} board-hint`}
        onKeyDown={(e) => {
          if (e.altKey && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
            e.preventDefault();
            onStep(e.key === 'ArrowRight' ? 1 : -1);
          }
        }}
      >
        {card.title || card.dealId}
      </a>
      <span class="sr-only" id={`about-${card.dealId}`}>
        {`${card.ownerName}, ${money(card.amount, card.currency)}, in ${stageName} for ${span(card.timeInStageMs)}${due ? `, deadline ${due.text}` : ''}`}
      </span>
      <div class="meta">
        <span class="owner">{card.ownerName}</span>
        <span class="amount">{money(card.amount, card.currency)}</span>
      </div>
      <div class="badges">
        <span class="badge" title={`in this stage since ${when(card.stageEnteredAt, zone)}`}>
          {span(card.timeInStageMs)} in stage
        </span>
        {due && (
          <span class={`badge ${due.tone}`} data-testid="deadline" title={card.sla.nextDueAt ? `due ${when(card.sla.nextDueAt, zone)}` : undefined}>
            {due.text}
          </span>
        )}
        {card.openTasks.length > 0 && (
          <span class={`badge ${overdueTasks > 0 ? 'warn' : ''}`} title={card.openTasks.map((t) => t.title).join('\n')}>
            {card.openTasks.length} task{card.openTasks.length === 1 ? '' : 's'}
            {overdueTasks > 0 ? ` (${overdueTasks} overdue)` : ''}
          </span>
        )}
        {Object.entries(card.flags)
          .filter(([, on]) => on)
          .map(([flag]) => (
            <span key={flag} class="badge flag">
              {flag}
            </span>
          ))}
      </div>
      <select
        class="move"
        aria-label={`Move “${card.title}” to stage`}
        value=""
        onChange={(e) => {
          const to = (e.target as HTMLSelectElement).value;
          if (to) onMove(to, '');
        }}
      >
        <option value="">Move to…</option>
        {stages
          .filter((s) => s.id !== stageId)
          .map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
      </select>
    </li>
  );
}
