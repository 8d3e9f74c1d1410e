import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
