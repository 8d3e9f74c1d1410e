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
