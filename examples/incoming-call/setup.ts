import { InMemoryDirectory, type PipelineInput, type PlaybookInput, type SlaInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import playbooks from './playbooks.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };
import slas from './slas.json' with { type: 'json' };

/** Scenario 003's configuration: deals the system creates from calls and web orders. */
export const pipelineConfig = pipeline as PipelineInput;
export const ruleConfig: unknown = rules;
export const slaConfig = slas as SlaInput[];
export const playbookConfig = playbooks as PlaybookInput[];

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', name: 'Boris (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', name: 'Maria (head of sales)', roles: ['manager'], teamId: 'north' },
    { id: 'tim', name: 'Tim (warehouse)', roles: ['warehouse'] },
  ]);
}

export const actors = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
};
