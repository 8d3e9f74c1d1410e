import { z } from 'zod';

/** Any JSON value; custom fields hold these. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** Validates any JSON value (finite numbers only). */
export const JsonSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(JsonSchema), z.record(z.string(), JsonSchema)]),
);

const IsoInstant = z.iso.datetime({ offset: true });

/** A deal as stored and returned by the engine. */
export const DealSchema = z
  .object({
    id: z.string().min(1),
    pipelineId: z.string().min(1),
    stageId: z.string().min(1),
    ownerId: z.string().min(1),
    title: z.string(),
    amount: z.number().finite(),
    currency: z.string(),
    fields: z.record(z.string(), JsonSchema),
    flags: z.record(z.string(), z.boolean()),
    createdAt: IsoInstant,
    stageEnteredAt: IsoInstant,
    updatedAt: IsoInstant,
    closedAt: IsoInstant.nullable(),
    version: z.number().int().nonnegative(),
  })
  .strict();
/** A deal as stored and returned by the engine: stage, owner, amount, custom fields and flags, timestamps and a version. */
export type Deal = z.infer<typeof DealSchema>;

/**
 * `deal` with some properties replaced: `{ ...deal, ...changes }`, but built as one literal in
 * the order the core creates deals in, so every deal it makes shares one hidden class. A spread
 * site that sees deals of several shapes goes megamorphic and copies through the V8 runtime
 * (~0.5 µs on Node 20); this is ~0.05 µs. Only the 14 properties of a Deal are kept.
 */
export function dealWith(deal: Deal, c: Partial<Deal>): Deal {
  return {
    id: c.id ?? deal.id,
    pipelineId: c.pipelineId ?? deal.pipelineId,
    stageId: c.stageId ?? deal.stageId,
    ownerId: c.ownerId ?? deal.ownerId,
    title: c.title ?? deal.title,
    amount: c.amount ?? deal.amount,
    currency: c.currency ?? deal.currency,
    fields: c.fields ?? deal.fields,
    flags: c.flags ?? deal.flags,
    createdAt: c.createdAt ?? deal.createdAt,
    stageEnteredAt: c.stageEnteredAt ?? deal.stageEnteredAt,
    updatedAt: c.updatedAt ?? deal.updatedAt,
    closedAt: c.closedAt !== undefined ? c.closedAt : deal.closedAt,
    version: c.version ?? deal.version,
  };
}

/** What a caller passes to `createDeal`; the engine fills in ids, times and the version. */
export const NewDealSchema = z
  .object({
    id: z.string().min(1).optional(),
    pipelineId: z.string().min(1),
    stageId: z.string().min(1).optional(),
    ownerId: z.string().min(1),
    title: z.string().default(''),
    amount: z.number().finite().default(0),
    currency: z.string().default('USD'),
    fields: z.record(z.string(), JsonSchema).default({}),
    flags: z.record(z.string(), z.boolean()).default({}),
  })
  .strict();
/** What a caller passes to `createDeal`; see NewDealSchema. */
export type NewDeal = z.input<typeof NewDealSchema>;

/** A partial change to a deal. In `fields`, `null` clears a field. Stage moves use `moveDeal`. */
export const DealPatchSchema = z
  .object({
    title: z.string().optional(),
    amount: z.number().finite().optional(),
    currency: z.string().optional(),
    ownerId: z.string().min(1).optional(),
    fields: z.record(z.string(), JsonSchema).optional(),
    flags: z.record(z.string(), z.boolean()).optional(),
  })
  .strict();
/** A partial change to a deal; see DealPatchSchema. */
export type DealPatch = z.infer<typeof DealPatchSchema>;

/** Top-level deal properties a rule may watch with `field.changed` or set with `setField`. */
export const WATCHABLE_DEAL_PROPERTIES = ['title', 'amount', 'currency', 'ownerId', 'stageId'] as const;
