import { InMemoryDirectory, type PipelineInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };

/** The seed scenario's configuration, shared by the demo and the tests. */
export const proposalPipeline = pipeline as PipelineInput;
export const proposalRules: unknown = rules;

export function proposalDirectory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', email: 'anna@example.test', managerId: 'maria', roles: ['seller'] },
    { id: 'boris', name: 'Boris (sales)', email: 'boris@example.test', managerId: 'maria', roles: ['seller'] },
    { id: 'maria', name: 'Maria (head of sales)', email: 'maria@example.test', roles: ['manager'] },
  ]);
}
