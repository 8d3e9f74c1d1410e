import type { PipelineInput } from '../../src/model/pipeline.js';
import type { RuleInput } from '../../src/model/rule.js';
import type { NewDeal } from '../../src/model/deal.js';
import { benchDeals, criteriaCases } from './criteria-rules.js';

/** The pipeline the engine workloads run on: declared fields, UTC. */
export const benchPipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'UTC',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'qualification', name: 'Qualification' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'invoice', name: 'Invoice' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: {
    source: { type: 'string' },
    score: { type: 'number' },
    tags: { type: 'json' },
    region: { type: 'string' },
    touchedBy: { type: 'string' },
    proposalSentAt: { type: 'date' },
  },
};

export const EVENT_NAMES = Array.from({ length: 10 }, (_, i) => `signal.${i}`);

/**
 * Rules triggered by external events, spread over the 10 event names, with criteria from the
 * criteria templates and one action: a field update for most, a notification for every third.
 */
export function eventRules(count: number, seed: number, names: ReadonlyArray<string> = EVENT_NAMES): RuleInput[] {
  return criteriaCases(count, seed).map((c, i) => ({
    id: `rule-${i}`,
    trigger: { type: 'event', name: names[i % names.length]! },
    when: c.condition,
    actions: [
      i % 3 === 0
        ? { type: 'notify', params: { to: 'owner', template: `rule-${i}` } }
        : { type: 'setField', params: { field: 'fields.touchedBy', value: `rule-${i}` } },
    ],
  })) as RuleInput[];
}

/** Deals for the workloads, with the fields the criteria read. */
export function newDeals(count: number, seed: number): NewDeal[] {
  return benchDeals(count, seed).map((d) => ({
    id: d.id,
    pipelineId: 'sales',
    stageId: d.stageId,
    ownerId: d.ownerId,
    title: d.id,
    amount: d.amount,
    fields: { source: d.fields.source, score: d.fields.score, tags: d.fields.tags, region: d.fields.region },
    flags: d.flags,
  }));
}
