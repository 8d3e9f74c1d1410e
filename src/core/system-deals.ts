import { z } from 'zod';
import { JsonSchema, type Json } from '../model/deal.js';
import { DealflowError } from '../model/errors.js';
import type { ExternalEvent } from '../model/event.js';
import { parsePath, resolvePath } from '../model/path.js';
import type { Pipeline } from '../model/pipeline.js';
import { defineAction, type AnyActionDefinition } from './actions.js';
import type { RuleBook } from './rulebook.js';
import { TemplateString } from './templates.js';

/** The record that maps an external id (a call id, an order number) to the deal it created. */
export const EXTERNAL_DEAL_RECORD = 'external-deal';

/** A path into the event's payload (`$.callId`, `$.customer.name`), checked when rules are parsed. */
const EventPath = z.string().superRefine((path, ctx) => {
  try {
    parsePath(path);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** A value taken from the event: `{ "fromEvent": "$.answeredBy" }`. */
const FromEventSchema = z.object({ fromEvent: EventPath }).strict();
type FromEvent = z.infer<typeof FromEventSchema>;

const isFromEvent = (v: unknown): v is FromEvent => typeof v === 'object' && v !== null && !Array.isArray(v) && 'fromEvent' in v;

function paramsSchema(pipelines: ReadonlyArray<Pipeline>) {
  return z
    .object({
      pipeline: z.string().min(1),
      /** Default: the pipeline's inbox stage ("Unsorted"), else its first open stage. */
      stage: z.string().min(1).optional(),
      /** A user id, or taken from the event (the seller who answered the call), with a fallback. */
      owner: z.union([z.string().min(1), FromEventSchema.extend({ default: z.string().min(1).optional() }).strict()]),
      /** A template over the event and host facts (`Call from {{event.phone}}`). */
      title: TemplateString.optional(),
      amount: z.union([z.number().finite(), FromEventSchema]).optional(),
      currency: z.string().min(1).optional(),
      fields: z.record(z.string(), z.union([FromEventSchema, JsonSchema])).optional(),
      flags: z.record(z.string(), z.boolean()).optional(),
      /** Where the event carries its external id; a second event with the same id creates nothing. */
      externalId: EventPath.optional(),
    })
    .strict()
    .superRefine((p, ctx) => {
      const pipeline = pipelines.find((x) => x.id === p.pipeline);
      if (!pipeline) {
        ctx.addIssue({
          code: 'custom',
          path: ['pipeline'],
          message: `unknown pipeline "${p.pipeline}"; the pipelines are ${pipelines.map((x) => x.id).join(', ')}`,
        });
      } else if (p.stage !== undefined && !pipeline.stages.some((s) => s.id === p.stage)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stage'],
          message: `unknown stage "${p.stage}" in pipeline "${p.pipeline}"; its stages are ${pipeline.stages.map((s) => s.id).join(', ')}`,
        });
      }
    });
}
/** The params of the `createDeal` action (a deal created by an event, e.g. an incoming call). */
export type CreateDealParams = z.infer<ReturnType<typeof paramsSchema>>;

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
    params: paramsSchema(pipelines),
    needsDeal: false,
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
        throw new DealflowError('INVALID_INPUT', `createDeal (rule "${ctx.rule.id}"): the event's amount ${JSON.stringify(amount)} is not a number`);
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
