import { describe, expect, it } from 'vitest';
import { SchemaHelp } from '../../../../src/console/ui/editor/schema-help.js';
import { rulesJsonSchema } from '../../../../src/index.js';

/** The editor's schema help on the rule language's own schema (what `GET api/rules` serves). */
const help = new SchemaHelp(rulesJsonSchema());
const rule = (extra: Record<string, unknown> = {}) => ({
  id: 'r',
  trigger: { type: 'stage.entered', stage: 'new' },
  actions: [{ type: 'notify', params: { to: 'owner', template: 't' } }],
  ...extra,
});

describe('SchemaHelp', () => {
  it('a valid rule set has no problems', () => {
    expect(help.validate([rule()])).toEqual([]);
  });

  it('a typo in a trigger type: the problem is the type, and the message lists the types', () => {
    const problems = help.validate([rule({ trigger: { type: 'stage.enterd', stage: 'new' } })]);
    expect(problems).toEqual([{ path: [0, 'trigger', 'type'], key: false, message: expect.stringMatching(/^type must be one of .*"stage\.entered"/) }]);
  });

  it('a union whose branch the value picks: its own problems, under the union’s path', () => {
    // stage.entered needs a stage.
    const problems = help.validate([rule({ trigger: { type: 'stage.entered' } })]);
    expect(problems).toEqual([{ path: [0, 'trigger'], key: false, message: expect.stringContaining('stage') }]);
  });

  it('a key the schema does not allow is the key’s problem, with the keys it allows', () => {
    const [p] = help.validate([rule({ colour: 'red' })]);
    expect(p).toMatchObject({ path: [0, 'colour'], key: true });
    expect(p!.message).toMatch(/^colour is not allowed here; allowed: id, name/);
  });

  it('an action’s params are checked by its type: notify needs a template', () => {
    const problems = help.validate([rule({ actions: [{ type: 'notify', params: { to: 'owner' } }] })]);
    expect(problems).toEqual([{ path: [0, 'actions', 0, 'params'], key: false, message: expect.stringContaining('template') }]);
  });

  it('offers the trigger types whatever is typed in the type (it does not narrow its own union); the other keys do', () => {
    const values = (trigger: Record<string, unknown>) => help.values([0, 'trigger', 'type'], [rule({ trigger })]).map((v) => v.label);
    expect(values({ type: 'deal.craeted' })).toEqual(expect.arrayContaining(['"deal.created"', '"stage.entered"', '"field.changed"', '"manual"']));
    // A trigger with a stage: the types that take one.
    expect(values({ type: 'stage.enterd', stage: 'new' })).toEqual(['"stage.entered"', '"stage.left"', '"stage.idle"']);
  });

  it('offers the keys of the branch the value is on: a stage.entered trigger has a stage; notify params have a template', () => {
    const doc = [rule()];
    expect(help.keys([0, 'trigger'], doc).map((k) => k.label)).toEqual(['type', 'stage']);
    expect(help.keys([0, 'actions', 0, 'params'], doc).map((k) => k.label)).toEqual(expect.arrayContaining(['to', 'template', 'text']));
    expect(help.keys([0], doc).map((k) => k.label)).toEqual(expect.arrayContaining(['id', 'trigger', 'when', 'until', 'actions', 'onChange']));
  });

  it('describes a place by what it may hold', () => {
    expect(help.describe([0, 'onChange'], [rule()])).toContain('One of: "keep", "recheck", "cancel"');
    expect(help.describe([0, 'actions', 0, 'params', 'to'], [rule()])).toContain('"owner", "manager"');
  });
});
