import type { PipelineInput, RuleInput } from '../../src/index.js';

/** The `sql` bench's pipeline and rule: each deal gets one scheduled action a day after it is created. */
export const SQL_BENCH_PIPELINE: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  stages: [
    { id: 'new', name: 'New' },
    { id: 'won', name: 'Won', kind: 'won' },
  ],
  fields: { note: { type: 'string' } },
};

/** A job that only changes the deal (a flag): what is timed is firing jobs, not delivering messages. */
export const SQL_BENCH_RULES: RuleInput[] = [
  { id: 'follow-up', trigger: { type: 'deal.created' }, actions: [{ id: 'mark', type: 'setFlag', after: { days: 1 }, params: { flag: 'followedUp' } }] },
];
