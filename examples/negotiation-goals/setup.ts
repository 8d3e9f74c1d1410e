import { InMemoryDirectory, type PipelineInput, type PlaybookInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import playbooks from './playbooks.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };

/** Scenario 002's configuration: a negotiation stage that branches by goal, and what each branch starts. */
export const pipelineConfig = pipeline as PipelineInput;
export const ruleConfig: unknown = rules;
export const playbookConfig = playbooks as PlaybookInput[];

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', name: 'Boris (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', name: 'Maria (head of sales)', roles: ['manager'], teamId: 'north' },
    { id: 'olga', name: 'Olga (accounting)', roles: ['accounting'] },
    { id: 'tim', name: 'Tim (installer)', roles: ['service'] },
  ]);
}

export const actors = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
};
