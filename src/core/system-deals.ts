import { z } from 'zod';
import { JsonSchema, type Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import { shown } from '../model/hints.js';
import type { ExternalEvent } from '../model/event.js';
import { strictObject } from '../model/objects.js';
import { parsePath, PathSchema, resolvePath } from '../model/path.js';
import type { Pipeline } from '../model/pipeline.js';
import { defineAction, type AnyActionDefinition } from './actions.js';
import type { RuleBook } from './rulebook.js';
import { TemplateString } from './templates.js';

/** The record that maps an external id (a call id, an order number) to the deal it created. */
export const EXTERNAL_DEAL_RECORD = 'external-deal';

/** A path into the event's payload (`$.callId`, `$.customer.name`), checked when rules are parsed. */
const EventPath = PathSchema.describe('A path into the event’s payload: $.callId, $.customer.name.');

/** A value taken from the event: `{ "fromEvent": "$.answeredBy" }`. */
const FromEventSchema = strictObject({ fromEvent: EventPath }).describe('A value taken from the event: { "fromEvent": "$.path" }.');
type FromEvent = z.infer<typeof FromEventSchema>;

const isFromEvent = (v: unknown): v is FromEvent => typeof v === 'object' && v !== null && !Array.isArray(v) && 'fromEvent' in v;

/** The params of `createDeal`; the pipeline and stage are names checked against the pipelines (`references`). */
const CreateDealParamsSchema = strictObject({
  pipeline: z.string().min(1).describe('The pipeline of the new deal.'),
  stage: z.string().min(1).optional().describe('Its stage. Default: the pipeline’s inbox stage ("Unsorted"), else its first open stage.'),
  owner: z
    .union([
      z.string().min(1).describe('A user id.'),
      strictObject({ fromEvent: EventPath, default: z.string().min(1).optional().describe('The owner when the event has none.') }),
    ])
    .describe('The owner: a user id, or taken from the event (the seller who answered the call) with a fallback.'),
  title: TemplateString.optional(),
  amount: z.union([z.number().finite(), FromEventSchema]).optional().describe('The amount, or taken from the event.'),
  currency: z.string().min(1).optional().describe('The currency. Default USD.'),
  fields: z
    .record(z.string(), z.union([FromEventSchema, JsonSchema]))
    .optional()
    .describe('Custom fields: values, or taken from the event.'),
  flags: z.record(z.string(), z.boolean()).optional().describe('Flags of the new deal.'),
  externalId: EventPath.optional().describe('Where the event carries its external id; a second event with the same id creates nothing.'),
}).describe('createDeal: on an event without a deal, creates it.');

/** The params of the `createDeal` action (a deal created by an event, e.g. an incoming call). */
export type CreateDealParams = z.infer<typeof CreateDealParamsSchema>;

function read(event: Readonly<Record<string, Json>> | null, path: string): Json | undefined {
  return resolvePath(event ?? {}, parsePath(path)) as Json | undefined;
}

/** The key of the external-deal record: external ids are unique per pipeline. */
export function externalDealKey(pipelineId: string, externalId: string): string {
  return `${pipelineId}:${externalId}`;
}

function externalIdOf(params: CreateDealParams, event: Readonly<Record<string, Json>> | null): string | undefined {
  if (!params.externalId) return undefined;
  const v = read(event, params.externalId);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * `createDeal`: a rule on an external event (an incoming call, a web order) creates the deal.
 * It runs only for events with no `dealId`; the new deal becomes the command's deal, so its
 * `deal.created` and `stage.entered` rules run in the same cascade, and later actions of the same
 * rule (a `launchPlaybook`, a `setTitle`) act on it.
 */
export function createDealAction(pipelines: ReadonlyArray<Pipeline>): AnyActionDefinition {
  return defineAction({
    type: 'createDeal',
    params: CreateDealParamsSchema,
    needsDeal: false,
    references: (p) => [
      { kind: 'pipeline', name: p.pipeline, path: ['pipeline'] },
      ...(p.stage === undefined || !pipelines.some((x) => x.id === p.pipeline)
        ? []
        : [{ kind: 'stage' as const, name: p.stage, path: ['stage'], pipeline: p.pipeline }]),
    ],
    apply(ctx, p) {
      const event = ctx.event;
      if (ctx.deal) {
        ctx.log('deal.notCreated', { reason: `the command already has deal "${ctx.deal.id}"; createDeal runs on events without a dealId` });
        return;
      }
      const pipeline = pipelines.find((x) => x.id === p.pipeline)!;
      let ownerId: string | undefined;
      if (typeof p.owner === 'string') ownerId = p.owner;
      else {
        const v = read(event, p.owner.fromEvent);
        ownerId = typeof v === 'string' && v !== '' ? v : p.owner.default;
      }
      if (ownerId === undefined) {
        ctx.log('deal.notCreated', { reason: `the event has no owner at ${(p.owner as FromEvent).fromEvent} and no default is given` });
        return;
      }
      const fields: Record<string, Json> = {};
      for (const [name, value] of Object.entries(p.fields ?? {})) {
        const v = isFromEvent(value) ? read(event, value.fromEvent) : value;
        if (v !== undefined) fields[name] = v;
      }
      const amount = p.amount === undefined ? 0 : isFromEvent(p.amount) ? (read(event, p.amount.fromEvent) ?? 0) : p.amount;
      const amountNumber = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount;
      if (typeof amountNumber !== 'number' || !Number.isFinite(amountNumber)) {
        throw new DealflowError('INVALID_INPUT', `createDeal (rule "${ctx.rule.id}"): the event's amount ${shown(amount)} is not a number`);
      }
      const stageId = p.stage ?? pipeline.stages.find((s) => s.kind === 'inbox')?.id ?? pipeline.stages.find((s) => s.kind === 'open')!.id;
      const externalId = externalIdOf(p, event);
      if (p.externalId && externalId === undefined)
        ctx.log('deal.noExternalId', { path: p.externalId, reason: 'the event carries no external id there; duplicates cannot be detected' });
      ctx.createDeal(
        {
          pipelineId: p.pipeline,
          stageId,
          ownerId,
          title: p.title === undefined ? '' : ctx.render(p.title),
          amount: amountNumber,
          currency: p.currency ?? 'USD',
          fields,
          flags: { ...(p.flags ?? {}) },
        },
        externalId === undefined ? {} : { externalId },
      );
    },
  });
}

/**
 * The external-deal keys an event would look up: the engine loads these records before the
 * command, so the pure core can tell a duplicate event from a new one.
 */
export function externalDealKeys(rules: RuleBook, event: ExternalEvent): string[] {
  const keys: string[] = [];
  for (const cr of rules.match({ type: 'event', name: event.name }, null)) {
    for (const action of cr.actions) {
      if (action.spec.type !== 'createDeal') continue;
      const params = action.params as CreateDealParams;
      const id = externalIdOf(params, event.payload);
      if (id !== undefined) keys.push(externalDealKey(params.pipeline, id));
    }
  }
  return keys;
}
