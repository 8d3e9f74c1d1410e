import { z } from 'zod';
import { JsonSchema } from './deal.js';

/**
 * An external event fed to `engine.emit`: an invoice paid, an incoming call, a web order.
 * `dealId` ties it to a deal; without one, only rules that need no deal (such as creating one) run.
 */
export const ExternalEventSchema = z
  .object({
    name: z.string().min(1),
    id: z.string().min(1).optional(),
    dealId: z.string().min(1).optional(),
    payload: z.record(z.string(), JsonSchema).default({}),
  })
  .strict();
/** A parsed external event; see ExternalEventSchema. */
export type ExternalEvent = z.infer<typeof ExternalEventSchema>;
/** An external event as passed to `emit`. */
export type ExternalEventInput = z.input<typeof ExternalEventSchema>;
