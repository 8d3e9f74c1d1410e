import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  ActionRegistry,
  BUILTIN_ACTIONS,
  configJsonSchema,
  defineAction,
  parseRules,
  pipelinesJsonSchema,
  rulesJsonSchema,
  standardActions,
  TRIGGER_TYPES,
} from '../../src/index.js';
import { salesPipeline } from '../helpers.js';
import { z } from 'zod';

const root = resolve(import.meta.dirname, '../..');
const compile = (schema: unknown) => new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema as object);
const readJson = (path: string) => JSON.parse(readFileSync(resolve(root, path), 'utf8')) as unknown;

/** Every place in a schema where a property is declared or an enum listed, with the JSON pointer to it. */
function declarations(schema: unknown, at = '#'): Array<{ at: string; node: Record<string, unknown>; kind: 'property' | 'enum' }> {
  const out: Array<{ at: string; node: Record<string, unknown>; kind: 'property' | 'enum' }> = [];
  const walk = (node: unknown, here: string, isProperty: boolean) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${here}/${i}`, false));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (isProperty) out.push({ at: here, node: o, kind: 'property' });
    if (Array.isArray(o.enum) && !isProperty) out.push({ at: here, node: o, kind: 'enum' });
    for (const [k, v] of Object.entries(o)) {
      if (k === 'properties' && v && typeof v === 'object') {
        for (const [name, p] of Object.entries(v as object)) walk(p, `${here}/properties/${name}`, true);
      } else if (k !== 'if' && k !== 'not') walk(v, `${here}/${k}`, false);
    }
  };
  walk(schema, at, false);
  return out;
}

/** A declaration is described when it, or the definition it refers to, has a description. */
function described(node: Record<string, unknown>, defs: Record<string, Record<string, unknown>>): boolean {
  if (typeof node.description === 'string' && node.description.length > 0) return true;
  const ref = typeof node.$ref === 'string' ? defs[node.$ref.replace('#/$defs/', '')] : undefined;
  if (ref && typeof ref.description === 'string') return true;
  // A list's items may carry it (an array of enum values).
  const items = node.items as Record<string, unknown> | undefined;
  return !!items && typeof items.description === 'string';
}

describe('rulesJsonSchema', () => {
  const schema = rulesJsonSchema() as any;
  const rule = schema.$defs.rule;

  it('describes rules, triggers and every action type with its params, feature actions included', () => {
    expect(schema.$schema).toMatch(/2020-12/);
    expect(rule.required).toEqual(expect.arrayContaining(['id', 'trigger', 'actions']));
    const triggerTypes = rule.properties.trigger.oneOf.map((t: any) => t.properties.type.const);
    expect(triggerTypes).toEqual(TRIGGER_TYPES);
    const action = rule.properties.actions.items;
    expect(action.properties.type.enum).toEqual(new ActionRegistry(standardActions()).types());
    expect(action.properties.type.enum).toEqual(expect.arrayContaining([...BUILTIN_ACTIONS.map((a) => a.type), 'createTask', 'launchPlaybook', 'createDeal']));
    const notify = action.allOf.find((c: any) => c.if.properties.type.const === 'notify');
    expect(notify.then.properties.params.required).toEqual(['to', 'template']);
    // notify without params is refused (its params are required), setFlag needs a flag too.
    expect(notify.then.required).toEqual(['params']);
  });

  it('has a description on every property and enum, for editors to show on hover', () => {
    for (const s of [schema, pipelinesJsonSchema(), configJsonSchema()] as any[]) {
      const missing = declarations(s)
        .filter((d) => !described(d.node, s.$defs ?? {}))
        .map((d) => `${d.kind} ${d.at}`);
      expect(missing).toEqual([]);
    }
  });

  it('takes a rule file as an array or as { "$schema", "rules" }, as parseRules does', () => {
    const validate = compile(schema);
    const rules = [{ id: 'r', trigger: { type: 'deal.created' }, actions: [{ type: 'createTask', params: { title: 'Call {{title}}' } }] }];
    const doc = { $schema: './node_modules/dealflow/schema/rules.json', rules };
    for (const json of [rules, doc]) {
      expect(validate(json)).toBe(true);
      expect(parseRules(json, { pipelines: [salesPipeline] })).toHaveLength(1);
    }
    expect(validate({ rules, extra: 1 })).toBe(false);
    expect(() => parseRules({ rules, extra: 1 })).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: '$.extra' })] }));
  });

  it('refuses what the issue found it accepting: ":" ids, negative or mixed delays, after with at, empty after, bad paths, unknown operators, `in` with a number', () => {
    const validate = compile(schema);
    const base = { id: 'r', trigger: { type: 'deal.created' } };
    const notify = { type: 'notify', params: { to: 'owner', template: 't' } };
    const cond = (c: object) => ({ ...base, when: c, actions: [notify] });
    const bad = [
      { ...base, id: 'a:b', actions: [notify] },
      { ...base, actions: [{ ...notify, after: { days: -1 } }] },
      { ...base, actions: [{ ...notify, after: { days: 1, businessDays: 1 } }] },
      { ...base, actions: [{ ...notify, after: { days: 1 }, at: { field: 'fields.closeDate' } }] },
      { ...base, actions: [{ ...notify, after: {} }] },
      cond({ fact: 'deal', path: '$.a[*]', operator: 'equal', value: 1 }),
      cond({ fact: 'deal', path: '$..a', operator: 'equal', value: 1 }),
      cond({ fact: 'deal', path: '$.__proto__.x', operator: 'equal', value: 1 }),
      cond({ fact: 'deal', operator: 'lessThen', value: 1 }),
      cond({ fact: 'deal', operator: 'maybe:equal', value: 1 }),
      cond({ fact: 'deal', operator: 'in', value: 5 }),
    ];
    for (const r of bad) {
      expect(validate([r]), JSON.stringify(r)).toBe(false);
      expect(() => parseRules([r], { pipelines: [salesPipeline] }), JSON.stringify(r)).toThrow();
    }
    // What json-rules-engine accepts stays valid: `in` with a string (a substring test), `swap:in` with a scalar.
    for (const r of [
      cond({ fact: 'deal', path: '$.title', operator: 'in', value: 'Bakery POS' }),
      cond({ fact: 'deal', path: '$.tags', operator: 'swap:in', value: 'vip' }),
    ]) {
      expect(validate([r])).toBe(true);
      expect(parseRules([r], { pipelines: [salesPipeline] })).toHaveLength(1);
    }
  });

  it("follows a host's registry: custom actions with their params, custom operators", () => {
    const sms = defineAction({ type: 'sendSms', params: z.object({ phone: z.string().describe('E.164') }).strict(), apply() {} });
    const custom = rulesJsonSchema({ actions: new ActionRegistry([...standardActions(), sms]), operators: ['startsWith'] }) as any;
    const validate = compile(custom);
    const rule = (action: object, operator = 'equal') => [
      { id: 'r', trigger: { type: 'deal.created' }, when: { fact: 'deal', operator, value: 'x' }, actions: [action] },
    ];
    expect(validate(rule({ type: 'sendSms', params: { phone: '+49' } }, 'not:startsWith'))).toBe(true);
    expect(validate(rule({ type: 'sendSms', params: { phone: 5 } }))).toBe(false);
    expect(compile(schema)(rule({ type: 'sendSms', params: { phone: '+49' } }))).toBe(false);
  });

  it('is plain JSON an editor can load', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});

describe('pipelinesJsonSchema and configJsonSchema', () => {
  it('accept the pipelines and config files the examples ship, and refuse broken ones', () => {
    const pipelines = compile(pipelinesJsonSchema());
    for (const file of ['examples/proposal-deadline/pipeline.json', 'test/cli/fixtures/pipelines.json']) expect(pipelines(readJson(file)), file).toBe(true);
    expect(pipelines({ $schema: 'x', pipelines: [readJson('examples/proposal-deadline/pipeline.json')] })).toBe(true);
    expect(pipelines({ id: 'p', name: 'P', stages: [{ id: 'won', name: 'Won', kind: 'won' }] })).toBe(false); // no open stage
    expect(pipelines({ id: 'p', name: 'P', stages: [{ id: 'new', name: 'New', kind: 'closed' }] })).toBe(false);
    const config = compile(configJsonSchema());
    expect(
      config({
        $schema: 'x',
        slas: readJson('examples/proposal-sla-with-exception/slas.json'),
        exceptions: { complex: { reasons: ['special-warranty'] } },
        digests: { morning: { daily: '09:00' }, batch: 'every 10 items' },
        users: [{ id: 'anna', managerId: 'maria', roles: ['seller'] }],
        calendars: { berlin: { timezone: 'Europe/Berlin', publicHolidays: { country: 'DE', state: 'BE' } } },
      }),
    ).toBe(true);
    expect(config({ slas: [{ id: 's', start: { trigger: { type: 'deal.created' } }, within: { days: 5 } }] })).toBe(false); // no stop
    expect(config({ playbook: [] })).toBe(false);
  });
});
