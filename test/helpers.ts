import type { PipelineInput, RuleInput } from '../src/index.js';
import { InMemoryDirectory } from '../src/index.js';
import { createTestEngine, type TestEngineConfig } from '../src/testing/index.js';

export const salesPipeline: PipelineInput = {
  id: 'sales',
  name: 'Sales',
  timezone: 'UTC',
  stages: [
    { id: 'unsorted', name: 'Unsorted', kind: 'inbox' },
    { id: 'new', name: 'New' },
    { id: 'qualification', name: 'Qualification' },
    { id: 'proposal', name: 'Proposal' },
    { id: 'negotiation', name: 'Negotiation' },
    { id: 'won', name: 'Won', kind: 'won' },
    { id: 'lost', name: 'Lost', kind: 'lost' },
  ],
  fields: {
    proposalSentAt: { type: 'date' },
    invoiceStatus: { type: 'string', options: ['draft', 'sent', 'paid'] },
    score: { type: 'number' },
    note: { type: 'string' },
  },
};

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', managerId: 'maria', roles: ['seller'] },
    { id: 'boris', managerId: 'maria', roles: ['seller'] },
    { id: 'maria', roles: ['manager'] },
  ]);
}

export function engineWith(rules: RuleInput[], extra: Partial<TestEngineConfig> = {}) {
  return createTestEngine({ pipelines: [salesPipeline], rules, directory: directory(), start: '2026-03-02T09:00:00.000Z', ...extra });
}

export const notifyOwner = (template: string, timing: Record<string, unknown> = {}) => ({
  type: 'notify',
  params: { to: 'owner', template },
  ...timing,
});

export const newDeal = { pipelineId: 'sales', ownerId: 'anna', title: 'Deal', amount: 1000 };
