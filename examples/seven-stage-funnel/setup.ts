import { InMemoryDirectory, type HostFacts, type PipelineInput, type PlaybookInput, type SlaInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import playbooks from './playbooks.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };
import slas from './slas.json' with { type: 'json' };

/** Scenario 001's configuration: seven stages, each with its robots (rules, SLAs, tasks, a goal, a playbook). */
export const pipelineConfig = pipeline as PipelineInput;
export const ruleConfig: unknown = rules;
export const slaConfig = slas as SlaInput[];
export const playbookConfig = playbooks as PlaybookInput[];

/** The host CRM's contacts; titles and texts read them as the `contact` host fact. */
export const contacts: Record<string, { name: string; company: string; phone: string }> = {
  'C-1': { name: 'Eva Adler', company: 'Hotel Adler', phone: '+49 30 555 0101' },
  'C-2': { name: 'Karl Klein', company: 'Bakery Klein', phone: '+49 30 555 0202' },
};

export const facts: HostFacts = {
  contact: ({ deal }) => (deal && typeof deal.fields.contactId === 'string' ? contacts[deal.fields.contactId] : undefined),
};

export function directory(): InMemoryDirectory {
  return new InMemoryDirectory([
    { id: 'anna', name: 'Anna (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'boris', name: 'Boris (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'carl', name: 'Carl (sales)', managerId: 'maria', roles: ['seller'], teamId: 'north' },
    { id: 'maria', name: 'Maria (head of department)', roles: ['manager'], teamId: 'north' },
    { id: 'tim', name: 'Tim (installer)', roles: ['service'] },
  ]);
}

export const actors = {
  anna: { id: 'anna', roles: ['seller'], teamId: 'north' },
  boris: { id: 'boris', roles: ['seller'], teamId: 'north' },
  maria: { id: 'maria', roles: ['manager'], teamId: 'north' },
  tim: { id: 'tim', roles: ['service'] },
};
