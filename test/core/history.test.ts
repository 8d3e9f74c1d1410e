import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HISTORY_TYPES, isHistoryEntry, type HistoryType } from '../../src/core/types.js';
import type { AnyHistoryEntry, AnyHistoryType, HistoryEntry, LogEntry, LogType } from '../../src/core/types.js';

// The typed history (src/core/history.ts) against what the code writes: every entry type written
// anywhere in src/ is in the union, and every type of the union is written somewhere (no dead
// type). docs/engine.md's table of the union is checked by test/docs/history-entries.test.ts.

const root = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'console' ? [] : sources(path); // the console reads the history, never writes it
    return name.endsWith('.ts') ? [path] : [];
  });
}

const TYPE = String.raw`[a-z]+(?:\.[a-zA-Z]+)+`;
/** The ways src/ writes a history entry: a `log(...)` call, the engine's `entry(...)` helpers, an entry literal, a `type` picked for one. */
const WRITES: RegExp[] = [
  new RegExp(String.raw`\blog\(\s*'(${TYPE})'`, 'g'),
  new RegExp(String.raw`\blog\([^,]*?\?\s*'(${TYPE})'\s*:\s*'(${TYPE})'`, 'g'),
  new RegExp(String.raw`\bentry\([^;]*?'(${TYPE})'`, 'g'),
  new RegExp(String.raw`next\('log'\)[\s\S]{0,120}?\btype: '(${TYPE})'`, 'g'),
  /\b(?:const )?type(?:: string)? = [^;]*/g,
  new RegExp(String.raw`resolveDead\([^)]*?'(${TYPE})'`, 'g'),
];
/** A `log` whose type is a template: `sla.${kind}`, with the values its parameter can take. */
const TEMPLATE = /\blog\(\s*`([a-z]+)\.\$\{(\w+)\}`/g;

function written(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (type: string, file: string) => found.set(type, [...(found.get(type) ?? []), relative(root, file)]);
  for (const file of sources(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const re of WRITES) {
      for (const m of text.matchAll(re)) {
        if (m[1] === undefined) for (const lit of m[0].matchAll(new RegExp(`'(${TYPE})'`, 'g'))) add(lit[1]!, file);
        else for (const t of m.slice(1)) if (t) add(t, file);
      }
    }
    for (const m of text.matchAll(TEMPLATE)) {
      // The parameter's type names its values: `kind: 'reminder' | 'escalation'`.
      const decl = new RegExp(String.raw`\b${m[2]}: ((?:'\w+'(?: \| )?)+)`).exec(text);
      expect(decl, `${relative(root, file)}: the values of \${${m[2]}} in a log type`).not.toBeNull();
      for (const v of decl![1]!.matchAll(/'(\w+)'/g)) add(`${m[1]}.${v[1]}`, file);
    }
  }
  return found;
}

describe('the typed history', () => {
  const types = new Set<string>(HISTORY_TYPES);
  const seen = written();

  it('has every entry type written in src/', () => {
    const untyped = [...seen.keys()].filter((t) => !types.has(t)).map((t) => `${t} (${seen.get(t)!.join(', ')})`);
    expect(untyped).toEqual([]);
  });

  it('has no type that nothing writes', () => {
    expect(HISTORY_TYPES.filter((t) => !seen.has(t))).toEqual([]);
  });

  it('narrows a stored entry to its typed data, and only under its own type', () => {
    const entry: AnyHistoryEntry = {
      id: 'log-1',
      at: '2026-01-01T00:00:00.000Z',
      dealId: 'deal-1',
      type: 'stage.changed',
      data: { from: 'a', to: 'b', by: 'command' },
    };
    const other: AnyHistoryEntry = { ...entry, type: 'my.own', data: {} };
    if (!isHistoryEntry(entry, 'stage.changed')) throw new Error('a stage.changed entry is typed');
    const to: string = entry.data.to;
    expect(to).toBe('b');
    expect(isHistoryEntry(entry, 'deal.updated')).toBe(false);
    expect(isHistoryEntry(other, 'my.own' as HistoryType)).toBe(false);
  });

  it('keeps the old names, LogEntry and LogType, as the same types (code written against them compiles)', () => {
    expectTypeOf<LogEntry>().toEqualTypeOf<AnyHistoryEntry>();
    expectTypeOf<LogType>().toEqualTypeOf<AnyHistoryType>();
    // Every typed entry is a stored entry, so a listener or reader typed with the old name takes it.
    expectTypeOf<HistoryEntry>().toExtend<LogEntry>();
  });
});
