/**
 * Where things are in a JSON document, by its syntax tree (@codemirror/lang-json's Lezer parser):
 * the path of the value or key at a position, and the text range of a path. Works on half-typed
 * JSON too, which is what an editor holds most of the time.
 */
import { syntaxTree } from '@codemirror/language';
import type { EditorState } from '@codemirror/state';
import type { SyntaxNode } from '@lezer/common';

/** A path into a JSON document: property names and array indexes, from the root. */
export type JsonPath = Array<string | number>;

const VALUES = new Set(['Object', 'Array', 'String', 'Number', 'True', 'False', 'Null']);

/** The value nodes of an array, in order. */
function items(array: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = array.firstChild; c; c = c.nextSibling) if (VALUES.has(c.name)) out.push(c);
  return out;
}

/** A property's name, unquoted. */
export function propertyName(state: EditorState, name: SyntaxNode): string {
  const raw = state.sliceDoc(name.from, name.to);
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.replace(/^"|"$/g, '');
  }
}

/** The value of a Property node (after its colon), if it has one. */
function propertyValue(property: SyntaxNode): SyntaxNode | null {
  for (let c = property.lastChild; c; c = c.prevSibling) if (VALUES.has(c.name)) return c;
  return null;
}

/** The path of a node: the properties and array items it sits in, from the root. */
export function pathOf(state: EditorState, node: SyntaxNode): JsonPath {
  const path: JsonPath = [];
  let child: SyntaxNode = node;
  for (let parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.name === 'Property') {
      // In a property (its name or its value): the step is the property's name.
      const name = parent.getChild('PropertyName');
      if (name) path.unshift(propertyName(state, name));
    } else if (parent.name === 'Array' && VALUES.has(child.name)) {
      path.unshift(items(parent).findIndex((n) => n.from === child.from));
    }
  }
  return path;
}

/** What is at a position: the node, its path, and whether it is a property's name (a key being typed). */
export function at(state: EditorState, pos: number): { node: SyntaxNode; path: JsonPath; key: boolean } {
  const node = syntaxTree(state).resolveInner(pos, -1);
  return { node, path: pathOf(state, node), key: node.name === 'PropertyName' };
}

/** The node at a path: the value, or (`key`) the property's name; null when the document has no such place. */
export function nodeAt(state: EditorState, path: JsonPath, key = false): SyntaxNode | null {
  let node: SyntaxNode | null = syntaxTree(state).topNode.firstChild;
  while (node && !VALUES.has(node.name)) node = node.nextSibling;
  let name: SyntaxNode | null = null;
  for (const step of path) {
    if (!node) return null;
    if (typeof step === 'number') {
      if (node.name !== 'Array') return null;
      node = items(node)[step] ?? null;
      name = null;
    } else {
      if (node.name !== 'Object') return null;
      const property: SyntaxNode | undefined = node.getChildren('Property').find((p) => {
        const n = p.getChild('PropertyName');
        return n !== null && propertyName(state, n) === step;
      });
      if (!property) return null;
      name = property.getChild('PropertyName');
      node = propertyValue(property);
    }
  }
  return key && name ? name : node;
}

/**
 * The text to underline for a problem at a path: the value (the opening line of an object or an
 * array, not all of it); the property's name when it is the key that is wrong; else the nearest
 * place the path reaches (a missing property is shown on the object that lacks it).
 */
export function rangeOf(state: EditorState, path: JsonPath, key = false): { from: number; to: number } {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(state, path.slice(0, n), key && n === path.length);
    if (!node) continue;
    if (node.name === 'Object' || node.name === 'Array') {
      // A property holding it: underline the name. An array item: its first line.
      const property = node.parent?.name === 'Property' ? node.parent.getChild('PropertyName') : null;
      if (property) return { from: property.from, to: property.to };
      const line = state.doc.lineAt(node.from);
      return { from: node.from, to: Math.max(node.from + 1, Math.min(line.to, node.to)) };
    }
    return { from: node.from, to: Math.max(node.to, node.from + 1) };
  }
  return { from: 0, to: Math.min(1, state.doc.length) };
}

/** A JSON path as `check` writes it (`$[2].actions[0].params["a b"]`) as steps. */
export function parseJsonPath(text: string): JsonPath {
  const out: JsonPath = [];
  const re = /\[(\d+)\]|\.([A-Za-z_$][\w$]*)|\[("(?:[^"\\]|\\.)*")\]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

/** A JSON pointer (`#/0/actions/1`, as json-schema-library reports) as steps: digits are array indexes. */
export function parsePointer(pointer: string): JsonPath {
  return pointer
    .replace(/^#?\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
