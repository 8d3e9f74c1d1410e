import { z } from 'zod';
import { DigestPolicyConfigSchema } from '../core/digest-policy.js';
import { CalendarRefSchema, CalendarSchema } from '../model/calendar.js';
import { strictObject } from '../model/objects.js';
import { PipelineSchema } from '../model/pipeline.js';
import { SlaSchema } from '../model/sla.js';
import { PlaybookSchema } from '../model/task.js';
import { JSON_SCHEMA_DIALECT, toJsonSchemas } from './rules.js';

type Json = Record<string, unknown>;

const $schema = z.string().optional().describe('The JSON Schema this file follows, for editors; ignored by dealflow.');

/** A user of the directory, as a config file lists them. */
export const UserSchema = strictObject({
  id: z.string().min(1).describe('The user id deals and rules name.'),
  name: z.string().optional().describe('A name for people.'),
  email: z.string().optional().describe('Where notifications go.'),
  managerId: z.string().optional().describe('The user’s manager: who "manager" resolves to.'),
  roles: z.array(z.string()).optional().describe('Roles: { "role": name } recipients and the access policy read them.'),
  teamId: z.string().optional().describe('The team, for reports and the access policy.'),
  timezone: z.string().optional().describe('IANA timezone; an owner calendar reads its working hours in it.'),
  calendar: CalendarRefSchema.optional().describe('The user’s own working calendar (inline or a name); default the pipeline’s.'),
}).describe('A user: id, manager, roles, team, timezone, calendar.');

/** The reasons each exception flag may give (`createEngine({ exceptions })`, docs/approvals.md). */
export const ExceptionConfigSchema = z
  .record(
    z.string(),
    strictObject({
      reasons: z.array(z.string().min(1)).describe('The reasons a rep may pick.'),
      freeText: z.boolean().optional().describe('Whether a free-text note is allowed when no reason fits.'),
    }),
  )
  .describe('Per exception flag, the reasons it may give.');

/** A pipelines file: one pipeline, an array of them, or `{ "$schema"?, "pipelines": [...] }`. */
export const PipelinesFileSchema = z
  .union([
    z.array(PipelineSchema),
    strictObject({ $schema, pipelines: z.array(PipelineSchema).describe('The pipelines.') }).describe('A pipelines file that names its schema.'),
    PipelineSchema,
  ])
  .describe('Pipelines: one pipeline, an array of them, or { "$schema", "pipelines": [ … ] }.');

/**
 * The CLI's `--config` file: the engine's JSON-able configuration, as `createEngine` takes it, and
 * the directory's users. `pipelines` may be one pipeline or an array.
 */
export const CliConfigSchema = strictObject({
  $schema,
  pipelines: z
    .union([z.array(PipelineSchema), PipelineSchema])
    .optional()
    .describe('The pipelines (one or an array), if --pipelines is not given.'),
  playbooks: z.array(PlaybookSchema).optional().describe('Playbooks launchPlaybook may name (docs/tasks.md).'),
  slas: z.array(SlaSchema).optional().describe('SLAs (docs/slas.md).'),
  calendars: z.record(z.string(), CalendarSchema).optional().describe('Named business calendars rules, pipelines and users may name (docs/time.md).'),
  exceptions: ExceptionConfigSchema.optional(),
  digests: z.record(z.string(), DigestPolicyConfigSchema).optional().describe('Named digest policies notify may name (docs/delivery.md).'),
  users: z.array(UserSchema).optional().describe('The directory: who "manager", roles and owners resolve to.'),
}).describe('The dealflow CLI’s --config file (docs/cli.md).');

function document(title: string, description: string, schema: z.ZodType): Json {
  const { parts, defs } = toJsonSchemas({ root: schema });
  const root = parts.root;
  return { $schema: JSON_SCHEMA_DIALECT, title, ...root, description, ...(Object.keys(defs).length ? { $defs: defs } : {}) };
}

/** The JSON Schema of a pipelines file: one pipeline, an array, or `{ "$schema", "pipelines" }`; a single pipeline may name its `$schema` too. */
export function pipelinesJsonSchema(): Json {
  const schema = document(
    'dealflow pipelines',
    'Pipelines: one pipeline, an array of them, or { "$schema", "pipelines": [ … ] }. See docs/engine.md.',
    PipelinesFileSchema,
  );
  // A single pipeline object may name its schema as well.
  const single = (schema.anyOf as Json[]).at(-1) as Json & { properties: Json };
  single.properties = {
    $schema: { type: 'string', description: 'The JSON Schema this file follows, for editors; ignored by dealflow.' },
    ...single.properties,
  };
  return schema;
}

/** The JSON Schema of the CLI's `--config` file. */
export function configJsonSchema(): Json {
  return document(
    'dealflow CLI config',
    'The dealflow CLI’s --config file: pipelines, playbooks, SLAs, calendars, exceptions, digests and users. See docs/cli.md.',
    CliConfigSchema,
  );
}
