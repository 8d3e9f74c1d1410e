import { useContext, useState } from 'preact/hooks';
import type { PipelineView } from '../../views.js';
import { post, refusal } from '../api.js';
import { Shell } from '../shell.js';

/** The "New deal" form: title, amount, currency, first stage; the engine decides whether the user may. */
export function NewDealForm({ pipeline, onDone }: { pipeline: PipelineView; onDone: () => void }) {
  const { changed, announce } = useContext(Shell);
  const open = pipeline.stages.filter((s) => s.kind === 'inbox' || s.kind === 'open');
  const [title, setTitle] = useState('');
  const [amount, setAmount] = useState('0');
  const [currency, setCurrency] = useState('EUR');
  const [stageId, setStageId] = useState(open[0]?.id ?? '');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const made = await post<{ id: string }>('deals', { pipelineId: pipeline.id, title, amount: Number(amount), currency, stageId });
      announce(`Created “${title}” (${made.id}).`);
      changed();
      onDone();
    } catch (err) {
      setProblem(refusal(err));
    }
  };

  return (
    <form class="new-deal" onSubmit={submit} aria-label="New deal">
      <label>
        Title
        <input required maxLength={200} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Amount
        <input type="number" min="0" step="1" value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Currency
        <input maxLength={3} size={4} value={currency} onInput={(e) => setCurrency((e.target as HTMLInputElement).value.toUpperCase())} />
      </label>
      <label>
        Stage
        <select value={stageId} onChange={(e) => setStageId((e.target as HTMLSelectElement).value)}>
          {open.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="primary">
        Create
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
    </form>
  );
}
