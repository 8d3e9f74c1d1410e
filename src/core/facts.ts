import type { Deal, Json } from '../model/deal.js';
import type { Pipeline } from '../model/pipeline.js';
import type { FactSource } from './criteria.js';

/** What a host fact is computed from. Host facts must be synchronous and pure. */
export interface FactInput {
  deal: Readonly<Deal> | null;
  previous: Readonly<Deal> | null;
  event: Readonly<Record<string, Json>> | null;
  now: string;
}

export type HostFact = (input: FactInput) => unknown;
export type HostFacts = Readonly<Record<string, HostFact>>;

export const BUILTIN_FACTS = ['deal', 'previous', 'event', 'now'] as const;

/**
 * The deal as criteria see it: declared custom fields that are not set read as `null`, so
 * "`fields.proposalSentAt` notEqual null" means "was sent" whether or not the key exists.
 */
export function dealFact(deal: Readonly<Deal> | null, pipeline: Pipeline | null | undefined): unknown {
  if (!deal || !pipeline?.fields) return deal;
  let fields: Record<string, Json> | undefined;
  for (const name of Object.keys(pipeline.fields)) {
    if (!Object.hasOwn(deal.fields, name)) {
      fields ??= { ...deal.fields };
      fields[name] = null;
    }
  }
  return fields ? { ...deal, fields } : deal;
}

/** Facts for one evaluation; host facts are computed on first read and cached. */
export function makeFacts(input: FactInput, pipeline: Pipeline | null | undefined, host: HostFacts): FactSource {
  const cache = new Map<string, unknown>();
  let dealValue: unknown;
  let dealDone = false;
  return {
    get(id) {
      switch (id) {
        case 'deal':
          if (!dealDone) {
            dealValue = dealFact(input.deal, pipeline);
            dealDone = true;
          }
          return dealValue;
        case 'previous':
          return input.previous;
        case 'event':
          return input.event;
        case 'now':
          return input.now;
      }
      if (cache.has(id)) return cache.get(id);
      const fn = Object.hasOwn(host, id) ? host[id] : undefined;
      const v = fn ? fn(input) : undefined;
      cache.set(id, v);
      return v;
    },
  };
}
