import { z } from 'zod';
import { approvalStageReferences, ApprovalRequestSchema } from '../../model/approval.js';
import { strictObject } from '../../model/objects.js';
import { defineAction } from '../actions.js';
import { TemplateString } from '../templates.js';
import { APPROVAL_FEATURE, type ApprovalInput } from './feature.js';

/** The action's params: an approval request whose texts must parse as templates. */
export const RequestApprovalParams = ApprovalRequestSchema.extend({
  subject: TemplateString.min(1),
  text: TemplateString.optional(),
  requester: z
    .union([
      z.literal('owner').describe('The deal’s owner, or whoever marked the linked exception.'),
      strictObject({ user: z.string().min(1).describe('A user id.') }),
    ])
    .default('owner')
    .describe('Who asks: "owner" (default: the owner, or whoever marked the linked exception) or { "user": id }.'),
})
  .strict()
  .describe('requestApproval: asks the approvers to approve something about the deal.');

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
  references: (p) => approvalStageReferences(p),
});
