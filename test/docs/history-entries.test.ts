import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENGINE_DOC, historyTable, historyTableIn } from '../../scripts/history-doc.js';
import { HISTORY_TYPES } from '../../src/core/types.js';

/**
 * docs/engine.md lists the typed history entries, each with its data and note, as the union in
 * src/core/history.ts declares them: the table is generated from the source (`npm run docs:history`)
 * and this test fails when the committed one differs.
 */
describe('the history entries in docs/engine.md', () => {
  const doc = readFileSync(ENGINE_DOC, 'utf8');

  it('are the table generated from the union (run `npm run docs:history` after changing it)', () => {
    expect(historyTableIn(doc)).toBe(historyTable());
  });

  it('name every typed entry type once', () => {
    const listed = [...historyTableIn(doc).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual([...HISTORY_TYPES]);
  });

  it('fall behind the union when a type is added to it (the check is not vacuous)', () => {
    const source = readFileSync(new URL('../../src/core/history.ts', import.meta.url), 'utf8');
    const more = source.replace("  'deal.deleted': { deal: Deal };", "  'deal.deleted': { deal: Deal };\n  /** New. */\n  'deal.archived': { by: By };");
    expect(historyTable(more)).toContain('| `deal.archived` | `{ by: string }` | New. |');
    expect(historyTable(more)).not.toBe(historyTableIn(doc));
  });
});
