import { InMemoryDirectory, type PipelineInput, type SlaInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };
import slas from './slas.json' with { type: 'json' };

/** Scenario 000's configuration: the 5-day proposal SLA, the complex exception and its approval. */
export const pipelineConfig = pipeline as PipelineInput;
export const slaConfig = slas as SlaInput[];
export const ruleConfig: unknown = rules;

/** The reasons a rep may give for "complex"; a note is required when none fits. */
export const exceptionReasons = { complex: { reasons: ['special-warranty', 'custom-payment-terms', 'custom-integration'] } };

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', email: 'anna@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', name: 'Boris (sales)', email: 'boris@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', name: 'Maria (head of sales)', email: 'maria@example.test', roles: ['manager'], teamId: 'north' },
    { id: 'viktor', name: 'Viktor (director)', email: 'viktor@example.test', roles: ['director'] },
  ]);
}

/** The people of the scenario as actors (who is asking, for the AccessPolicy and approvals). */
export const actors = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
};
