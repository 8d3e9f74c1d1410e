import { InMemoryDirectory, type PipelineInput } from '../../src/index.js';
import pipeline from './pipeline.json' with { type: 'json' };
import rules from './rules.json' with { type: 'json' };

/** Berlin sales (the pipeline's calendar: Berlin public holidays) and one seller in New York. */
export const callAgainPipeline = pipeline as PipelineInput;
export const callAgainRules: unknown = rules;

export function callAgainDirectory(): InMemoryDirectory {
  return new InMemoryDirectory([
    // No calendar of her own: the pipeline's, in her timezone.
    { id: 'anna', name: 'Anna (Berlin)', timezone: 'Europe/Berlin' },
    // Works New York hours with US federal holidays.
    { id: 'jake', name: 'Jake (New York)', timezone: 'America/New_York', calendar: { publicHolidays: { country: 'US' } } },
  ]);
}
