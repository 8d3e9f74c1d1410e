import { z } from 'zod';
import { DurationSchema } from '../../model/duration.js';
import { strictObject } from '../../model/objects.js';
import { defineAction } from '../actions.js';
import { SLA_FEATURE } from './book.js';
import type { SlaInput } from './feature.js';

/** `extendSla`: moves the due time of the deal's open instance of an SLA (e.g. on a rule after approval). */
export const extendSla = defineAction({
  type: 'extendSla',
  params: strictObject({
    sla: z.string().min(1).describe('The SLA id.'),
    by: DurationSchema.describe('How far to move the due time.'),
  }).describe('extendSla: moves the due time of the deal’s open instance of an SLA.'),
  apply(ctx, p) {
    ctx.feature(SLA_FEATURE, { op: 'extend', sla: p.sla, by: p.by, actorId: null } satisfies SlaInput);
  },
});

/** `exemptSla`: takes the deal out of an SLA; its running instance ends `exempt` with the reason. */
export const exemptSla = defineAction({
  type: 'exemptSla',
  params: strictObject({
    sla: z.string().min(1).describe('The SLA id.'),
    reason: z.string().min(1).default('rule').describe('Why, kept as the instance’s endReason.'),
  }).describe('exemptSla: takes the deal out of an SLA.'),
  apply(ctx, p) {
    ctx.feature(SLA_FEATURE, { op: 'exempt', sla: p.sla, reason: p.reason, actorId: null } satisfies SlaInput);
  },
});
