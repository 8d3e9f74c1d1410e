import { z } from 'zod';
import { JsonSchema } from './deal.js';

export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deal.created') }).strict(),
  z.object({ type: z.literal('stage.entered'), stage: z.string().min(1) }).strict(),
  z.object({ type: z.literal('stage.left'), stage: z.string().min(1) }).strict(),
  z
    .object({
      type: z.literal('field.changed'),
      /** A deal path: `amount`, `ownerId`, `title`, `fields.<name>` or `flags.<name>`. */
      field: z.string().min(1),
      from: JsonSchema.optional(),
      to: JsonSchema.optional(),
    })
    .strict(),
  z.object({ type: z.literal('event'), name: z.string().min(1) }).strict(),
  z.object({ type: z.literal('manual') }).strict(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export type TriggerType = Trigger['type'];
