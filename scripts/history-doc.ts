// docs/engine.md's table of history entries, generated from the typed history: the
// `HistoryDataMap` interface of src/core/history.ts, read with the TypeScript parser (type, data
// as written there with its local aliases spelt out, and the entry's doc comment).
//
//   npm run docs:history     rewrites the table in docs/engine.md
//
// test/docs/history-entries.test.ts fails when the committed table differs from this one, so the
// documentation cannot fall behind the union (the way test/docs/error-codes.test.ts keeps the
// error codes' table in step with the sources).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
/** The typed history's source. */
export const HISTORY_SOURCE = resolve(root, 'src/core/history.ts');
/** The document holding the table. */
export const ENGINE_DOC = resolve(root, 'docs/engine.md');

const HEADER = '| type | data | note |\n| --- | --- | --- |';

/** The markdown table of every typed history entry, in the order of `HistoryDataMap`. */
export function historyTable(source: string = readFileSync(HISTORY_SOURCE, 'utf8')): string {
  const file = ts.createSourceFile('history.ts', source, ts.ScriptTarget.Latest, true);
  const aliases = new Map<string, ts.TypeNode>();
  let map: ts.InterfaceDeclaration | undefined;
  for (const statement of file.statements) {
    if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement.type);
    if (ts.isInterfaceDeclaration(statement) && statement.name.text === 'HistoryDataMap') map = statement;
  }
  if (!map) throw new Error(`${HISTORY_SOURCE} has no HistoryDataMap interface`);

  // A local alias of a plain type (`type By = string`) is written as that type in the table.
  const plain = [...aliases].filter(([, node]) => node.kind === ts.SyntaxKind.StringKeyword || node.kind === ts.SyntaxKind.NumberKeyword);
  const typeText = (node: ts.Node): string => {
    let text = node.getText(file).replace(/\s+/g, ' ');
    for (const [name, node] of plain) text = text.replace(new RegExp(`\\b${name}\\b`, 'g'), node.getText(file));
    return text;
  };
  // The keys of an entry's data: an intersection's parts and the local object aliases it names, flattened.
  const keys = (node: ts.TypeNode): string[] => {
    if (ts.isIntersectionTypeNode(node)) return node.types.flatMap(keys);
    if (ts.isParenthesizedTypeNode(node)) return keys(node.type);
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && aliases.has(node.typeName.text)) return keys(aliases.get(node.typeName.text)!);
    if (ts.isTypeLiteralNode(node)) {
      return node.members.map((m) => {
        if (ts.isIndexSignatureDeclaration(m)) return '…';
        if (ts.isPropertySignature(m) && m.type) return `${m.name.getText(file)}${m.questionToken ? '?' : ''}: ${typeText(m.type)}`;
        throw new Error(`history.ts: cannot document ${m.getText(file)}`);
      });
    }
    throw new Error(`history.ts: cannot document the type ${node.getText(file)}`);
  };
  const cell = (text: string) => text.replace(/\|/g, '\\|');

  const rows = map.members.map((member) => {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isStringLiteral(member.name)) {
      throw new Error(`HistoryDataMap: every member is 'type': data (${member.getText(file)})`);
    }
    const parts = keys(member.type);
    // `…` (an index signature: entries that carry more keys) goes last.
    const data = `{ ${[...parts.filter((p) => p !== '…'), ...parts.filter((p) => p === '…')].join('; ')} }`;
    const docs = ts
      .getJSDocCommentsAndTags(member)
      .filter(ts.isJSDoc)
      .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    return `| \`${member.name.text}\` | \`${cell(data)}\` | ${cell(docs)} |`;
  });
  return `${HEADER}\n${rows.join('\n')}`;
}

/** `doc` with its history table (the table under `## History` that starts with {@link HEADER}'s first line) replaced by `table`. */
export function withHistoryTable(doc: string, table: string): string {
  const { start, end } = tableIn(doc);
  return doc.slice(0, start) + table + doc.slice(end);
}

/** The history table as `doc` has it. */
export function historyTableIn(doc: string): string {
  const { start, end } = tableIn(doc);
  return doc.slice(start, end);
}

function tableIn(doc: string): { start: number; end: number } {
  const section = doc.indexOf('\n## History\n');
  const start = section < 0 ? -1 : doc.indexOf(`\n${HEADER.split('\n')[0]}\n`, section) + 1;
  if (start <= 0) throw new Error(`docs/engine.md has no table starting "${HEADER.split('\n')[0]}" under "## History"`);
  // The table runs to the first line that is not a table row.
  const after = doc.slice(start).search(/\n(?!\|)/);
  return { start, end: after < 0 ? doc.length : start + after };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const doc = readFileSync(ENGINE_DOC, 'utf8');
  const next = withHistoryTable(doc, historyTable());
  if (next !== doc) writeFileSync(ENGINE_DOC, next);
  console.log(next === doc ? 'docs/engine.md: the history table is up to date' : 'docs/engine.md: history table rewritten');
}
