// Writes the JSON Schemas of the rule language, the pipelines file and the CLI's config file into
// schema/ at the package root, from the built library, so the package ships them as files editors
// can point at (`"$schema": "./node_modules/dealflow/schema/rules.json"`) and `dealflow/schema/rules.json`
// resolves everywhere, even where package exports are not read. Run by `npm run build` after tsup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const lib = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
const out = join(root, 'schema');
mkdirSync(out, { recursive: true });
const schemas = { rules: lib.rulesJsonSchema(), pipelines: lib.pipelinesJsonSchema(), config: lib.configJsonSchema() };
for (const [name, schema] of Object.entries(schemas)) writeFileSync(join(out, `${name}.json`), `${JSON.stringify(schema, null, 2)}\n`);
console.log(
  `schemas: ${Object.keys(schemas)
    .map((n) => `schema/${n}.json`)
    .join(', ')}`,
);
