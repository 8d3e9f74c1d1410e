import type { ApprovalView } from '../../views.js';
import { refusal, useApi } from '../api.js';
import { ApprovalRow } from '../parts/approval.js';

/** Pending approvals on the deals the user may read; approve / reject where they may decide. */
export function ApprovalsPage() {
  const { data, error } = useApi<ApprovalView[]>('approvals');
  if (error)
    return (
      <p role="alert" class="error page">
        {refusal(error)}
      </p>
    );
  if (!data) return <p class="loading">Loading…</p>;
  return (
    <div class="page">
      <h1>Pending approvals</h1>
      {data.length === 0 ? (
        <p class="muted">Nothing waits for a decision.</p>
      ) : (
        <ul class="plain">
          {data.map((a) => (
            <ApprovalRow key={a.id} approval={a} showDeal />
          ))}
        </ul>
      )}
    </div>
  );
}
