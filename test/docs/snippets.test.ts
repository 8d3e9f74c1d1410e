import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Code in the docs that a reader copies must compile. Two markers, each on the line before a fence:
 *
 * - `<!-- snippet: name.ts -->`: the block is a whole file. The blocks of one page are type-checked
 *   together (so `import … from './sales.js'` finds the page's `sales.ts`), with `dealflow` and
 *   `dealflow/<entry>` resolved to this repository's sources.
 * - `<!-- from: examples/x/file.ts -->`: the block is copied from that file (with `dealflow`
 *   standing for the example's `../../src/…` imports). The file is type-checked by
 *   `npm run typecheck` and run by `npm run examples`; this checks the copy has not drifted. The
 *   copy is also type-checked as it stands (importing `dealflow`), beside the page's snippets under
 *   its file name, so a snippet can import it.
 */
const root = resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  page: string;
  marker: 'snippet' | 'from';
  target: string;
  code: string;
  line: number;
}

function blocks(page: string): Block[] {
  const text = readFileSync(join(root, page), 'utf8');
  const out: Block[] = [];
  const re = /<!-- (snippet|from): (\S+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ page, marker: m[1] as Block['marker'], target: m[2]!, code: `${m[3]!}\n`, line: text.slice(0, m.index).split('\n').length });
  }
  // A marker the pattern did not pick up (a typo, a blank line before the fence) would skip a check silently.
  const markers = text.match(/<!-- (snippet|from):/g)?.length ?? 0;
  if (markers !== out.length) throw new Error(`${page}: ${markers} snippet markers, ${out.length} followed directly by a code block`);
  return out;
}

const all = pages.flatMap(blocks);

/** Type-checks the blocks of each page as files of one directory, in memory. */
function typeCheck(snippets: Block[]): string[] {
  const dirOf = (page: string) => join(root, '.doc-snippets', page.replace(/[/.]/g, '_'));
  // A page's copied blocks sit beside its snippets under their file names, so a snippet can import them.
  const virtual = new Map(snippets.map((b) => [join(dirOf(b.page), b.marker === 'from' ? basename(b.target) : b.target), b]));
  const entries = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>)
    .filter((k) => k.startsWith('./') && k !== './package.json' && !k.endsWith('.json'))
    .map((k) => k.slice(2));
  const paths: Record<string, string[]> = { dealflow: [join(root, 'src/index.ts')] };
  for (const e of entries) paths[`dealflow/${e}`] = [join(root, `src/${e}/index.ts`)];
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json did not parse');
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, paths, types: ['node'] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(f)?.code ?? readFile(f);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  const dirs = new Set([...virtual.keys()].map((f) => dirname(f)));
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => dirs.has(d) || (directoryExists?.(d) ?? true);
  host.getSourceFile = (f, lang, onError, fresh) => {
    const b = virtual.get(f);
    return b ? ts.createSourceFile(f, b.code, lang, true) : getSourceFile(f, lang, onError, fresh);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems: string[] = [];
  for (const [file, b] of virtual) {
    const sf = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      problems.push(`${b.page} (${b.target}, block at line ${b.line}), line ${line + 1} of the block: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return problems;
}

describe('code in the docs', () => {
  it('finds the marked blocks the pages promise', () => {
    const names = (page: string) => all.filter((b) => b.page === page).map((b) => b.target);
    expect(names('README.md')).toContain('quick-start.ts');
    expect(names('docs/index.md')).toEqual(expect.arrayContaining(['sales.ts', 'first-rule.ts', 'sales.test.ts', 'production.ts', 'worker.ts', 'new-deal.ts']));
    expect(names('docs/integrators.md')).toEqual(
      expect.arrayContaining(['examples/custom-action-and-notifier/invoice-action.ts', 'examples/custom-action-and-notifier/chat-notifier.ts']),
    );
  });

  it('type-checks every snippet against the sources', { timeout: 120_000 }, () => {
    expect(typeCheck(all)).toEqual([]);
  });

  it('fails on a snippet that does not compile (the check can fail)', { timeout: 120_000 }, () => {
    const bad: Block = {
      page: 'x.md',
      marker: 'snippet',
      target: 'bad.ts',
      line: 1,
      code: "import { createEngine } from 'dealflow';\ncreateEngine({ pipeline: [] });\n",
    };
    const problems = typeCheck([bad]);
    expect(problems.join('\n')).toMatch(/pipeline/);
  });

  it('keeps every copied block identical to the file it comes from', () => {
    for (const b of all.filter((x) => x.marker === 'from')) {
      const file = join(root, b.target);
      expect(existsSync(file), `${b.page} copies ${b.target}, which does not exist`).toBe(true);
      const back = relativeSrc(dirname(b.target));
      const code = b.code.replace(/from '(dealflow)(?:\/([a-z]+))?'/g, (_, _d, entry?: string) => `from '${back}/src/${entry ? `${entry}/` : ''}index.js'`);
      expect(readFileSync(file, 'utf8'), `${b.page} line ${b.line}: the block differs from ${b.target}`).toContain(code.trimEnd());
    }
  });
});

/** `../..` from an example's folder to the repository root. */
function relativeSrc(dir: string): string {
  return dir
    .split('/')
    .map(() => '..')
    .join('/');
}
