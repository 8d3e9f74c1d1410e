import { describe, expect, it } from 'vitest';
import { rulesJsonSchema, TriggerSchema } from '../../src/index.js';

describe('rulesJsonSchema', () => {
  it('describes rules, triggers and each action type with its params', () => {
    const schema = rulesJsonSchema() as any;
    expect(schema.$schema).toMatch(/2020-12/);
    expect(schema.type).toBe('array');
    const rule = schema.items;
    expect(rule.required).toEqual(expect.arrayContaining(['id', 'trigger', 'actions']));
    const triggerTypes = rule.properties.trigger.oneOf.map((t: any) => t.properties.type.const);
    const declared = TriggerSchema.options.map((o) => (o.shape.type as { value: string }).value);
    expect(triggerTypes).toEqual(declared);
    expect(triggerTypes).toEqual(expect.arrayContaining(['deal.created', 'stage.entered', 'stage.left', 'field.changed', 'event', 'manual']));
    const action = rule.properties.actions.items;
    expect(action.properties.type.enum).toEqual(expect.arrayContaining(['notify', 'setField', 'setFlag', 'moveStage', 'recordViolation']));
    const notify = action.allOf.find((c: any) => c.if.properties.type.const === 'notify');
    expect(notify.then.properties.params.required).toEqual(['to', 'template']);
  });

  it('is plain JSON an editor can load', () => {
    const schema = rulesJsonSchema();
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
