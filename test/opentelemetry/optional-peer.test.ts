import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * `@opentelemetry/api` is an optional peer: an engine without `telemetry` must not load it, so a
 * host without it installed never sees a missing-module error. Checked on the import graph: what
 * each entry point but `dealflow/opentelemetry` reaches, following relative imports (type-only
 * imports included, to be strict), never names an @opentelemetry package.
 */
const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

/** Every module a file reaches through relative imports, and the bare specifiers they import. */
function graph(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const ref of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, relative(root, file));
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      visit(statSync(target, { throwIfNoEntry: false })?.isFile() ? target : join(target.replace(/\.ts$/, ''), 'index.ts'));
    }
  };
  visit(entry);
  return { files, packages };
}

/** The package's entry points, as tsup builds them. */
const entries = [...readFileSync(join(root, 'tsup.config.ts'), 'utf8').matchAll(/'(src\/[^']+\.ts)'/g)].map((m) => m[1]!);

describe('@opentelemetry/api stays optional', () => {
  it('finds the entries, dealflow/opentelemetry among them', () => {
    expect(entries).toContain('src/index.ts');
    expect(entries).toContain('src/opentelemetry/index.ts');
  });

  it.each(entries.filter((e) => e !== 'src/opentelemetry/index.ts'))('%s never imports an @opentelemetry package', (entry) => {
    const { files, packages } = graph(join(root, entry));
    expect(files.size).toBeGreaterThan(0);
    const otel = [...packages].filter(([spec]) => spec.startsWith('@opentelemetry/'));
    expect(otel, `imported by ${otel.map(([, by]) => by).join(', ')}`).toEqual([]);
    expect([...files].filter((f) => f.startsWith(join(src, 'opentelemetry')))).toEqual([]);
  });

  it('dealflow/opentelemetry does import it (so the check above would see it)', () => {
    expect([...graph(join(src, 'opentelemetry/index.ts')).packages.keys()]).toContain('@opentelemetry/api');
  });

  it('no source outside src/opentelemetry names it', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.tsx?$/.test(name) && !path.startsWith(join(src, 'opentelemetry')) && readFileSync(path, 'utf8').includes('@opentelemetry/'))
          offenders.push(path);
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });
});
