import type { Condition } from '../../src/model/condition.js';
import type { Json } from '../../src/model/deal.js';
import { Random } from './random.js';

/**
 * Criteria as sales rules have them, from five templates with seeded parameters, each with the
 * hand-written JavaScript predicate a developer would write for the same condition.
 */
export interface BenchDeal {
  id: string;
  amount: number;
  stageId: string;
  ownerId: string;
  fields: { source: string; score: number; tags: string[]; region: string };
  flags: { complex: boolean; vip: boolean };
}

export interface CriteriaCase {
  condition: Condition;
  handwritten: (deal: BenchDeal) => boolean;
}

export const STAGES = ['new', 'qualification', 'proposal', 'negotiation', 'invoice'];
export const SOURCES = ['web', 'referral', 'partner', 'event', 'cold', 'ads'];
export const TAGS = ['smb', 'enterprise', 'renewal', 'upsell', 'urgent', 'trial'];
export const REGIONS = ['emea', 'na', 'latam', 'apac'];
export const OWNERS = Array.from({ length: 20 }, (_, i) => `rep-${i}`);

const f = (path: string, operator: string, value: Json): Condition => ({ fact: 'deal', path, operator, value });

export function criteriaCases(count: number, seed: number): CriteriaCase[] {
  const r = new Random(seed);
  const out: CriteriaCase[] = [];
  for (let i = 0; i < count; i++) {
    switch (i % 5) {
      case 0: {
        const max = r.int(2, 40) * 1000;
        const stage = r.pick(STAGES);
        out.push({
          condition: { all: [f('$.amount', 'lessThan', max), f('$.stageId', 'equal', stage)] },
          handwritten: (d) => d.amount < max && d.stageId === stage,
        });
        break;
      }
      case 1: {
        const sources = [r.pick(SOURCES), r.pick(SOURCES)];
        out.push({
          condition: { any: [f('$.fields.source', 'in', sources), f('$.flags.vip', 'equal', true)] },
          handwritten: (d) => sources.includes(d.fields.source) || d.flags.vip === true,
        });
        break;
      }
      case 2: {
        const min = r.int(10, 90);
        out.push({
          condition: { all: [f('$.fields.score', 'greaterThanInclusive', min), { not: f('$.flags.complex', 'equal', true) }] },
          handwritten: (d) => d.fields.score >= min && !(d.flags.complex === true),
        });
        break;
      }
      case 3: {
        const tag = r.pick(TAGS);
        const min = r.int(1, 30) * 1000;
        out.push({
          condition: { all: [f('$.fields.tags', 'contains', tag), f('$.amount', 'greaterThan', min)] },
          handwritten: (d) => d.fields.tags.includes(tag) && d.amount > min,
        });
        break;
      }
      default: {
        const owners = [r.pick(OWNERS), r.pick(OWNERS), r.pick(OWNERS)];
        const region = r.pick(REGIONS);
        const max = r.int(5, 50) * 1000;
        out.push({
          condition: { all: [f('$.ownerId', 'in', owners), f('$.fields.region', 'notEqual', region), f('$.amount', 'lessThanInclusive', max)] },
          handwritten: (d) => owners.includes(d.ownerId) && d.fields.region !== region && d.amount <= max,
        });
      }
    }
  }
  return out;
}

export function benchDeals(count: number, seed: number): BenchDeal[] {
  const r = new Random(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `deal-${i}`,
    amount: r.int(1, 60) * 1000,
    stageId: r.pick(STAGES),
    ownerId: r.pick(OWNERS),
    fields: {
      source: r.pick(SOURCES),
      score: r.int(0, 100),
      tags: TAGS.filter(() => r.chance(0.3)),
      region: r.pick(REGIONS),
    },
    flags: { complex: r.chance(0.2), vip: r.chance(0.1) },
  }));
}
