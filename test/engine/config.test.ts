import { describe, expect, it } from 'vitest';
import { checkRules, createEngine, InMemoryDirectory } from '../../src/index.js';

describe('engine.config', () => {
  it('is the configuration the engine was created with, so a tool can check rules under the same settings', async () => {
    const directory = new InMemoryDirectory([{ id: 'anna' }]);
    const config = {
      pipelines: [{ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New' }] }],
      rules: [{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't' } }] }],
      calendars: { office: {} },
      directory,
    };
    const engine = createEngine(config);
    expect(engine.config.pipelines).toBe(config.pipelines);
    expect(engine.config.calendars).toBe(config.calendars);
    expect(engine.config.directory).toBe(directory);
    // A rule on the engine's named calendar is valid under its configuration, and not without it.
    const rules = [
      { id: 'office-hours', calendar: 'office', trigger: { type: 'deal.created' }, actions: [{ type: 'notify', params: { to: 'owner', template: 't' } }] },
    ];
    const { pipelines, rules: _first, ...engineConfig } = engine.config;
    expect(checkRules(rules, { pipelines, engine: engineConfig }).errors).toBe(0);
    expect(checkRules(rules, { pipelines }).errors).toBeGreaterThan(0);
    // setRules changes the rules in force, not the configuration it was given.
    await engine.setRules([]);
    expect(engine.config.rules).toBe(config.rules);
    expect(engine.rules).toEqual([]);
  });
});
