import { z } from 'zod';
import { defineAction } from '../../src/index.js';

/** What the action needs from your accounting system's client. */
export interface Accounting {
  /** Creates an invoice; a repeat with the same idempotency key returns the first one. */
  createInvoice(invoice: InvoiceRequest, options: { idempotencyKey: string }): Promise<{ number: string }>;
}

export interface InvoiceRequest {
  dealId: string;
  customer: string;
  amount: number;
  currency: string;
  dueInDays: number;
}

/**
 * `createInvoice`: bills a deal in the accounting system. Rules use it like a built-in action:
 * `{ "type": "createInvoice", "params": { "dueInDays": 30 } }`.
 */
export function invoiceAction(accounting: Accounting) {
  return defineAction({
    type: 'createInvoice',
    // Checked when the rules are loaded: a rule with `dueInDays: 0` or a typo in a key is
    // rejected then, with its JSON path, not when a deal is won.
    params: z
      .object({
        dueInDays: z.number().int().min(1).max(90).default(14),
      })
      .strict(),
    // Runs after the command commits, through the outbox, with retries.
    async execute(ctx, params) {
      const deal = ctx.deal!; // the deal as it was when the rule fired (actions need one unless needsDeal: false)
      await accounting.createInvoice(
        { dealId: deal.id, customer: deal.title, amount: deal.amount, currency: deal.currency, dueInDays: params.dueInDays },
        { idempotencyKey: ctx.idempotencyKey },
      );
    },
    // The accounting system refused the invoice itself: retrying will not change its mind.
    isPermanentError: (error) => (error as { status?: number }).status === 422,
  });
}
