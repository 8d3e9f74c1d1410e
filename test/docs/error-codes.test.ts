import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * docs/engine.md lists every error code the code can throw. The codes are read from the sources
 * with the TypeScript checker: the type of the first argument of every `new DealflowError(…)`,
 * a literal or a union of literals (a helper that takes a `code` parameter forwards its type).
 */
const root = resolve(import.meta.dirname, '../..');

function thrownCodes(): { codes: Set<string>; wide: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const files = config.fileNames.filter((f) => f.startsWith(join(root, 'src')));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const codes = new Set<string>();
  const wide: string[] = [];
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(join(root, 'src'))) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && node.expression.getText(file) === 'DealflowError' && node.arguments?.[0]) {
        const type = checker.getTypeAtLocation(node.arguments[0]);
        const parts = type.isUnion() ? type.types : [type];
        for (const t of parts) {
          if (t.isStringLiteral()) codes.add(t.value);
          else wide.push(`${file.fileName.slice(root.length + 1)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { codes, wide };
}

function documentedCodes(): string[] {
  const text = readFileSync(join(root, 'docs/engine.md'), 'utf8');
  const section = text.slice(text.indexOf('## Errors'), text.indexOf('\n## ', text.indexOf('## Errors') + 1));
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('error codes', () => {
  it('docs/engine.md lists exactly the codes the sources throw', () => {
    const { codes, wide } = thrownCodes();
    // A code the checker cannot narrow to literals would hide what is thrown.
    expect(wide).toEqual([]);
    expect(codes.size).toBeGreaterThan(5);
    expect(documentedCodes().sort()).toEqual([...codes].sort());
  }, 60_000);
});
