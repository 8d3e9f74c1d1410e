import { z } from 'zod';
import { CalendarRefSchema } from './calendar.js';
import { GoalSchema } from './goal.js';
import { didYouMean, hinted } from './hints.js';
import { oneOf, strictObject } from './objects.js';

/** A stage's kind: `open`, `inbox`, or a closing kind, `won` / `lost`. */
export const StageKindSchema = oneOf(['open', 'inbox', 'won', 'lost']).describe('open, inbox ("Unsorted"), or a closing kind: won, lost.');
/** A stage's kind: `open`, `inbox`, `won` or `lost`. */
export type StageKind = z.infer<typeof StageKindSchema>;

/** One stage of a pipeline. */
export const StageSchema = strictObject({
  id: z.string().min(1).describe('The stage id rules name; unique in the pipeline.'),
  name: z.string().min(1).describe('A name for people.'),
  kind: StageKindSchema.default('open'),
  goals: z.array(GoalSchema).optional().describe('Goals reachable in this stage, each leading to its own stage (docs/goals.md).'),
}).describe('A stage of the pipeline.');
/** One stage of a pipeline. */
export type Stage = z.infer<typeof StageSchema>;

/** The type of a custom deal field the pipeline declares; updates are checked against it. */
export const FieldTypeSchema = oneOf(['string', 'number', 'boolean', 'date', 'json']).describe('The field’s type: string, number, boolean, date or json.');
/** The type of a custom deal field. */
export type FieldType = z.infer<typeof FieldTypeSchema>;

/** The declaration of a custom deal field: its type and, optionally, the allowed string options. */
export const FieldDefinitionSchema = strictObject({
  type: FieldTypeSchema,
  options: z.array(z.string()).optional().describe('The values a string field may take.'),
}).describe('A declared custom field.');
/** The declaration of a custom deal field. */
export type FieldDefinition = z.infer<typeof FieldDefinitionSchema>;

const OPEN = { anyOf: [{ not: { required: ['kind'] } }, { properties: { kind: { enum: ['open', 'inbox'], description: 'An open or inbox stage.' } } }] };

/** A pipeline: its stages, custom fields, timezone and calendar; checked for consistency when parsed. */
export const PipelineSchema = strictObject({
  id: z.string().min(1).describe('The pipeline id.'),
  name: z.string().min(1).describe('A name for people.'),
  timezone: z.string().default('UTC').describe('IANA timezone of the pipeline: its calendar’s default, and how times are shown.'),
  calendar: CalendarRefSchema.optional().describe(
    'The business calendar (inline, or the name of one in createEngine({ calendars })); its timezone defaults to timezone. Without one: Monday–Friday 09:00–18:00, no holidays.',
  ),
  stages: z.array(StageSchema).min(1).describe('The stages, in order; at least one open or inbox stage.').meta({ contains: OPEN }),
  fields: z
    .record(z.string(), FieldDefinitionSchema)
    .optional()
    .describe('Declared custom fields: deals must use these names and types, and a declared field that is not set reads as null in criteria.'),
})
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    const ids = p.stages.map((x) => x.id);
    p.stages.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'id'], message: `duplicate stage id "${s.id}"`, params: { code: 'duplicate-id' } });
      seen.add(s.id);
    });
    p.stages.forEach((s, i) => {
      const goalIds = new Set<string>();
      s.goals?.forEach((g, j) => {
        const at = ['stages', i, 'goals', j];
        if (goalIds.has(g.id))
          ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `duplicate goal id "${g.id}" in stage "${s.id}"`, params: { code: 'duplicate-id' } });
        goalIds.add(g.id);
        if (!seen.has(g.moveTo)) {
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'moveTo'],
            message: hinted(`unknown stage "${g.moveTo}"`, didYouMean(g.moveTo, ids, 'the stages are')),
            params: { code: 'unknown-stage' },
          });
        } else if (g.moveTo === s.id) {
          ctx.addIssue({ code: 'custom', path: [...at, 'moveTo'], message: `goal "${g.id}" leads to its own stage "${s.id}"; name another stage` });
        }
      });
    });
    if (!p.stages.some((s) => s.kind === 'open' || s.kind === 'inbox')) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'a pipeline needs at least one open or inbox stage' });
    }
  })
  .describe('A pipeline: its stages in order, declared fields, timezone and calendar.');
/** A parsed pipeline; see PipelineSchema. */
export type Pipeline = z.infer<typeof PipelineSchema>;
/** A pipeline as written, before defaults are filled in. */
export type PipelineInput = z.input<typeof PipelineSchema>;

/** Whether a stage closes the deal (kind `won` or `lost`). */
export function isClosedStage(stage: Stage): boolean {
  return stage.kind === 'won' || stage.kind === 'lost';
}
