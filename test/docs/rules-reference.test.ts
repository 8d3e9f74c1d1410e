import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDealAction } from '../../src/core/system-deals.js';
import { taskActions } from '../../src/core/tasks/actions.js';
import { ActionSpecSchema, BUILTIN_ACTIONS, BUILTIN_OPERATORS, OPERATOR_DECORATORS, RuleSchema, TriggerSchema } from '../../src/index.js';

/** docs/rules.md is written by hand; these checks keep it from drifting away from the schemas. */
const doc = readFileSync(resolve(import.meta.dirname, '../../docs/rules.md'), 'utf8');

function objectKeys(schema: unknown): string[] {
  let s = schema as { shape?: Record<string, unknown>; def?: { in?: unknown; innerType?: unknown; schema?: unknown } };
  while (!s.shape && s.def) s = (s.def.in ?? s.def.innerType ?? s.def.schema) as typeof s;
  return Object.keys(s.shape ?? {});
}

describe('docs/rules.md matches the rule language', () => {
  it('documents every rule key', () => {
    for (const key of objectKeys(RuleSchema)) expect(doc, `rule key ${key}`).toContain(`| \`${key}\``);
  });

  it('documents every trigger type', () => {
    const types = TriggerSchema.options.map((o) => (o.shape.type as { value: string }).value);
    expect(types.length).toBeGreaterThan(5);
    for (const t of types) expect(doc, `trigger ${t}`).toContain(`"type": "${t}"`);
  });

  it("names every trigger's keys in its row of the triggers table", () => {
    for (const o of TriggerSchema.options) {
      const type = (o.shape.type as { value: string }).value;
      const row = doc.split('\n').find((line) => line.startsWith(`| \`{ "type": "${type}"`));
      expect(row, `no row for trigger ${type}`).toBeDefined();
      for (const key of Object.keys(o.shape)) expect(row!.includes(`"${key}"`) || row!.includes(`\`${key}\``), `trigger ${type} key ${key}`).toBe(true);
    }
  });

  it('documents every action timing key', () => {
    for (const key of objectKeys(ActionSpecSchema).filter((k) => !['type', 'params', 'id'].includes(k))) {
      expect(doc, `action key ${key}`).toContain(`\`${key}`);
    }
  });

  it('documents every built-in action, operator and decorator', () => {
    for (const a of BUILTIN_ACTIONS) expect(doc, `action ${a.type}`).toContain(`| \`${a.type}\``);
    for (const op of BUILTIN_OPERATORS) expect(doc, `operator ${op}`).toContain(`\`${op}\``);
    for (const d of OPERATOR_DECORATORS) expect(doc, `decorator ${d}`).toContain(`\`${d}:\``);
  });

  it("lists every built-in action's params in its row of the actions table", () => {
    // The built-ins, and the actions the engine adds for tasks, playbooks and deals from events.
    const actions = [...BUILTIN_ACTIONS, ...taskActions(new Map()), createDealAction([])];
    expect(actions.map((a) => a.type)).toEqual(expect.arrayContaining(['notify', 'createTask', 'launchPlaybook', 'createDeal']));
    for (const a of actions) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${a.type}\` |`));
      expect(row, `no row for ${a.type}`).toBeDefined();
      const params = row!.split(' | ')[1]!;
      const keys = objectKeys(a.params);
      expect(keys.length, `${a.type} has an object params schema`).toBeGreaterThan(0);
      for (const key of keys) expect(params, `${a.type} param ${key}`).toMatch(new RegExp(`\`${key}\\??\``));
    }
  });
});
