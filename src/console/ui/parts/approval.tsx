import { useContext } from 'preact/hooks';
import type { ApprovalView } from '../../views.js';
import { BASE, post, refusal } from '../api.js';
import { Shell } from '../shell.js';

/** An approval with its state; approve / reject only for someone who may decide it. */
export function ApprovalRow({ approval: a, showDeal = false }: { approval: ApprovalView; showDeal?: boolean }) {
  const { changed, announce } = useContext(Shell);
  const decide = async (decision: 'approve' | 'reject') => {
    try {
      await post(`approvals/${encodeURIComponent(a.id)}/decide`, { decision });
      announce(`${decision === 'approve' ? 'Approved' : 'Rejected'}: ${a.subject}`);
      changed();
    } catch (e) {
      announce(refusal(e), 'error');
    }
  };
  return (
    <li class="approval" data-approval={a.id}>
      <strong>{a.subject}</strong> <span class={`badge ${a.status === 'approved' ? 'ok' : a.status === 'rejected' ? 'bad' : 'warn'}`}>{a.status}</span>
      <span class="muted">
        {a.requester && ` asked by ${a.requester.name}`}
        {a.decidedBy && `, decided by ${a.decidedBy.name}`}
      </span>
      {showDeal && a.dealId && (
        <>
          {' '}
          <a href={`${BASE}/deals/${encodeURIComponent(a.dealId)}`}>open the deal</a>
        </>
      )}
      {a.canDecide && (
        <span class="actions">
          <button type="button" class="primary" onClick={() => decide('approve')}>
            Approve
          </button>
          <button type="button" onClick={() => decide('reject')}>
            Reject
          </button>
        </span>
      )}
    </li>
  );
}
