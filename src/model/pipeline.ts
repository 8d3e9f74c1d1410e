import { z } from 'zod';
import { GoalSchema } from './goal.js';
import { CalendarRefSchema } from './calendar.js';

/** A stage's kind: `open`, `inbox`, or a closing kind, `won` / `lost`. */
export const StageKindSchema = z.enum(['open', 'inbox', 'won', 'lost']);
/** A stage's kind: `open`, `inbox`, `won` or `lost`. */
export type StageKind = z.infer<typeof StageKindSchema>;

/** One stage of a pipeline. */
export const StageSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    kind: StageKindSchema.default('open'),
    /** Goals reachable in this stage, each leading to its own stage (docs/goals.md). */
    goals: z.array(GoalSchema).optional(),
  })
  .strict();
/** One stage of a pipeline. */
export type Stage = z.infer<typeof StageSchema>;

/** The type of a custom deal field the pipeline declares; updates are checked against it. */
export const FieldTypeSchema = z.enum(['string', 'number', 'boolean', 'date', 'json']);
/** The type of a custom deal field. */
export type FieldType = z.infer<typeof FieldTypeSchema>;

/** The declaration of a custom deal field: its type and, optionally, the allowed string options. */
export const FieldDefinitionSchema = z
  .object({
    type: FieldTypeSchema,
    options: z.array(z.string()).optional(),
  })
  .strict();
/** The declaration of a custom deal field. */
export type FieldDefinition = z.infer<typeof FieldDefinitionSchema>;

/** A pipeline: its stages, custom fields, timezone and calendar; checked for consistency when parsed. */
export const PipelineSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    timezone: z.string().default('UTC'),
    /**
     * The business calendar (inline, or the name of one in `createEngine({ calendars })`); its
     * timezone defaults to `timezone`. Without one: Monday–Friday 09:00–18:00, no holidays.
     */
    calendar: CalendarRefSchema.optional(),
    stages: z.array(StageSchema).min(1),
    /**
     * Declared custom fields. When present, `fields` on deals of this pipeline must use these
     * names and types, and a declared field that is not set reads as `null` in criteria.
     */
    fields: z.record(z.string(), FieldDefinitionSchema).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.stages.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['stages', i, 'id'], message: `duplicate stage id "${s.id}"` });
      seen.add(s.id);
    });
    p.stages.forEach((s, i) => {
      const goalIds = new Set<string>();
      s.goals?.forEach((g, j) => {
        const at = ['stages', i, 'goals', j];
        if (goalIds.has(g.id)) ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `duplicate goal id "${g.id}" in stage "${s.id}"` });
        goalIds.add(g.id);
        if (!seen.has(g.moveTo)) {
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'moveTo'],
            message: `unknown stage "${g.moveTo}"; the stages are ${p.stages.map((x) => x.id).join(', ')}`,
          });
        } else if (g.moveTo === s.id) {
          ctx.addIssue({ code: 'custom', path: [...at, 'moveTo'], message: `goal "${g.id}" leads to its own stage "${s.id}"; name another stage` });
        }
      });
    });
    if (!p.stages.some((s) => s.kind === 'open' || s.kind === 'inbox')) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'a pipeline needs at least one open or inbox stage' });
    }
  });
/** A parsed pipeline; see PipelineSchema. */
export type Pipeline = z.infer<typeof PipelineSchema>;
/** A pipeline as written, before defaults are filled in. */
export type PipelineInput = z.input<typeof PipelineSchema>;

/** Whether a stage closes the deal (kind `won` or `lost`). */
export function isClosedStage(stage: Stage): boolean {
  return stage.kind === 'won' || stage.kind === 'lost';
}
