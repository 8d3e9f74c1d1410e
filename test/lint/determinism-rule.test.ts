import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const biome = join(root, 'node_modules', '.bin', 'biome');
const dir = mkdtempSync(join(tmpdir(), 'dealflow-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lints one file placed at `path` under a copy of the project's lint configuration. */
function lint(path: string, source: string): string {
  cpSync(join(root, 'biome.json'), join(dir, 'biome.json'));
  cpSync(join(root, '.lint'), join(dir, '.lint'), { recursive: true });
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), source);
  try {
    execFileSync(biome, ['lint', path], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr);
  }
}

const offending = [
  'export const a = Date.now();',
  'export const b = new Date();',
  'export const c = Math.random();',
  'export const d = () => setTimeout(() => 1, 10);',
].join('\n');

describe('the determinism lint rule', () => {
  it.each(['src/core/probe.ts', 'src/engine/probe.ts', 'src/model/probe.ts'])('flags the wall clock, randomness and timers in %s', (path) => {
    const out = lint(path, offending);
    expect(out.match(/are deterministic/g)?.length).toBe(4);
  });

  it('flags the less obvious ways to the same clock, randomness and timers', () => {
    const sneaky = [
      'export const a = () => new Date;',
      'export const b = () => Date();',
      'export const c = () => globalThis.Date.now();',
      'export const d = () => globalThis.setTimeout(() => 1, 10);',
      'export const e = () => process.hrtime.bigint();',
      'export const f = () => crypto.getRandomValues(new Uint8Array(4));',
      'export const g = () => globalThis.crypto.randomUUID();',
    ];
    const out = lint('src/engine/sneaky.ts', `${sneaky.join('\n')}\n`);
    expect(out.match(/are deterministic/g)?.length).toBe(sneaky.length);
  });

  it('leaves methods of the same name on other objects alone', () => {
    expect(lint('src/core/methods.ts', 'export const f = (x: { setTimeout(n: number): void }) => x.setTimeout(1);\n')).not.toMatch(/deterministic/);
  });

  it('lets adapters and the runner use them', () => {
    expect(lint('src/runner/probe.ts', offending)).not.toMatch(/deterministic/);
  });

  it('allows dates built from a given instant in the core', () => {
    expect(lint('src/core/ok.ts', 'export const d = (ms: number) => new Date(ms);\n')).not.toMatch(/deterministic/);
  });
});
