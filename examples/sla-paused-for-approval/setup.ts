import { InMemoryDirectory, type PipelineInput, type SlaInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };
import plainRules from './rules-plain.json' with { type: 'json' };
import slas from './slas.json' with { type: 'json' };

/** The 5-day proposal SLA that stops its clock while an extension request is pending. */
export const pipelineConfig = pipeline as PipelineInput;
export const slaConfig = slas as SlaInput[];
export const ruleConfig: unknown = rules;
/** The same process as plain rules: the countdown stops at the request and the decision starts the right one. */
export const plainRuleConfig: unknown = plainRules;

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', email: 'anna@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', name: 'Boris (sales)', email: 'boris@example.test', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', name: 'Maria (head of sales)', email: 'maria@example.test', roles: ['manager'], teamId: 'north' },
  ]);
}

/** The people of the scenario as actors. */
export const actors = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
};
