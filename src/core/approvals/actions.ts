import { z } from 'zod';
import { ApprovalRequestSchema } from '../../model/approval.js';
import { defineAction } from '../actions.js';
import { TemplateString } from '../templates.js';
import { APPROVAL_FEATURE, type ApprovalInput } from './feature.js';

/** The action's params: an approval request whose texts must parse as templates. */
export const RequestApprovalParams = ApprovalRequestSchema.extend({
  subject: TemplateString.pipe(z.string().min(1)),
  text: TemplateString.optional(),
  /** Who asks: the deal's owner (default; or whoever marked the linked exception), or a user id. */
  requester: z.union([z.literal('owner'), z.object({ user: z.string().min(1) }).strict()]).default('owner'),
}).strict();

/**
 * `requestApproval`: asks the approvers to approve something about the deal (more time on an SLA,
 * a discount, an exception). One pending request per name and deal; a repeat is skipped and logged.
 */
export const requestApproval = defineAction({
  type: 'requestApproval',
  params: RequestApprovalParams,
  apply(ctx, p) {
    const { requester, ...request } = p;
    const requesterId = requester === 'owner' ? null : requester.user;
    ctx.feature(APPROVAL_FEATURE, { op: 'request', request, requesterId, ruleId: ctx.rule.id } satisfies ApprovalInput);
  },
});
