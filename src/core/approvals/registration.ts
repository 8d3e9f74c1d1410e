import type { FeatureRegistration } from '../features.js';
import { SLA_FEATURE } from '../sla/book.js';
import { SlaFeature } from '../sla/feature.js';
import { requestApproval } from './actions.js';
import { APPROVAL_FEATURE, APPROVAL_RECORD, ApprovalFeature, EXCEPTION_RECORD } from './feature.js';

/**
 * Approvals and exceptions: `requestApproval`, approval and exception records. An approval
 * pauses, extends or exempts SLAs, so it is built with the SLA feature registered before it.
 */
export const APPROVALS: FeatureRegistration = {
  name: APPROVAL_FEATURE,
  recordKinds: [APPROVAL_RECORD, EXCEPTION_RECORD],
  actions: () => [requestApproval],
  build: (_setup, built) => {
    const slas = built.get(SLA_FEATURE);
    return new ApprovalFeature(slas instanceof SlaFeature ? slas : null);
  },
};
