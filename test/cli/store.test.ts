import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { createSqlStorage } from '../../src/sql/storage.js';

const f = (name: string) => resolve(import.meta.dirname, 'fixtures', name);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('dealflow simulate --store', () => {
  it('keeps the simulated state in an embedded PostgreSQL database that can be opened afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dealflow-store-'));
    dirs.push(dir);
    const store = join(dir, 'db');
    const args = ['simulate', '--rules', f('rules-5-days.json'), '--pipelines', f('pipelines.json'), '--events', f('history.jsonl')];
    const { code, stdout } = await cli([...args, '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toContain(`state kept in ${store}`);

    const storage = await createSqlStorage({ dataDir: store });
    try {
      const { deals, fired, violations } = await storage.transaction(async (tx) => ({
        deals: await tx.listDeals(),
        fired: await tx.readLog({ types: ['rule.fired'] }),
        violations: await tx.listRecords('violation'),
      }));
      expect(deals.map((d) => d.id).sort()).toEqual(['D-1', 'D-2', 'D-3', 'D-4']);
      expect(fired.map((e) => e.dealId).sort()).toEqual(['D-1', 'D-2', 'D-4']);
      expect(violations.map((v) => v.dealId)).toEqual(['D-2']);
    } finally {
      await storage.close?.();
    }

    // Invalid rules are refused before the store is opened: no half-made database is left behind.
    const untouched = join(dir, 'never');
    const badRules = join(dir, 'bad-rules.json');
    await writeFile(badRules, JSON.stringify([{ id: 'x', trigger: { type: 'stage.entered', stage: 'nowhere' }, actions: [] }]));
    const invalid = await cli(['simulate', '--rules', badRules, ...args.slice(3), '--store', untouched]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('INVALID_RULES');
    expect(existsSync(untouched)).toBe(false);

    await writeFile(join(dir, 'note.txt'), 'x');
    const refused = await cli([...args, '--store', dir]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('is not empty');
  }, 150_000);
});
