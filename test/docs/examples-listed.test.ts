import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every example runs with one command, given in its own README and in the main README's table. */
const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'examples', d.name, 'main.ts')))
  .map((d) => d.name);
/** The demo script is the proposal-deadline example's command (package.json `demo`). */
const demo = /"demo": "tsx examples\/([a-z0-9-]+)\/main\.ts"/.exec(readFileSync(join(root, 'package.json'), 'utf8'))?.[1];

describe('examples are listed with their command', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThan(5);
    expect(examples).toContain(demo);
  });

  it.each(examples)('%s: its README gives the command', (name) => {
    expect(readFileSync(join(root, 'examples', name, 'README.md'), 'utf8')).toContain(`npx tsx examples/${name}/main.ts`);
  });

  it.each(examples)('%s: the main README links it with its command', (name) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| [${name}](https://github.com/dealflow/dealflow/tree/main/examples/${name}/)`));
    expect(row, `no row for ${name} in README.md's examples table`).toBeDefined();
    expect(row).toContain(name === demo ? '`npm run demo`' : `\`npx tsx examples/${name}/main.ts\``);
  });
});
