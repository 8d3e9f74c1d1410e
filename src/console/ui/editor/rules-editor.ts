/**
 * The rules editor: CodeMirror 6 on the rule set's JSON, validated as you type by the rule
 * language's JSON Schema (underlined, with its message), `check`'s findings from the server at
 * their paths, the schema's descriptions on hover, and completion of keys, trigger and action
 * types, stages and fields. Loaded only when the rules page opens (its own chunk).
 */
import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { type Diagnostic, forceLinting, linter, lintGutter, lintKeymap } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers } from '@codemirror/view';
import type { RuleFinding } from '../../../analysis/check-rules.js';
import type { RuleCheckView, RuleTarget } from '../../views.js';
import { styleNonce } from './nonce.js';
import { at, type JsonPath, nodeAt, parseJsonPath, pathOf, propertyName, rangeOf } from './json-paths.js';
import { type Schema, SchemaHelp, type SchemaProblem } from './schema-help.js';

/** What the page learns after each check: the parsed document (undefined: not JSON), the schema's problems and the server's findings. */
export interface CheckedDocument {
  text: string;
  json: unknown;
  syntaxError: string | null;
  schema: SchemaProblem[];
  check: RuleCheckView | null;
}

export interface RulesEditorOptions {
  parent: HTMLElement;
  doc: string;
  schema: Schema;
  stages: RuleTarget[];
  fields: RuleTarget[];
  /** The server's `check` of a document (the rules inside it). */
  check: (json: unknown) => Promise<RuleCheckView>;
  onChecked: (result: CheckedDocument) => void;
  onChange: (text: string) => void;
}

export interface RulesEditor {
  text(): string;
  setText(text: string): void;
  /** Moves the cursor to a finding's JSON path (`$[2].actions[0]`), and the focus into the editor. */
  reveal(path: string): void;
  destroy(): void;
}

/** Where the rules sit in the document: at its root (an array), or under `rules` (`{ "$schema": …, "rules": [...] }`). */
function rulesBase(data: unknown): JsonPath {
  return data !== null && typeof data === 'object' && !Array.isArray(data) && 'rules' in data ? ['rules'] : [];
}

/** The deal paths a rule may read or set besides declared fields. */
const DEAL_PATHS = ['title', 'amount', 'currency', 'ownerId', 'stageId', 'pipelineId'];

export function createRulesEditor(o: RulesEditorOptions): RulesEditor {
  const help = new SchemaHelp(o.schema);
  // The last document that parsed: what narrows unions while the current one is half-typed.
  let data: unknown = safeParse(o.doc);

  const lint = linter(
    async (view): Promise<Diagnostic[]> => {
      const text = view.state.doc.toString();
      const syntax = jsonParseLinter()(view);
      if (syntax.length > 0) {
        o.onChecked({ text, json: undefined, syntaxError: syntax[0]!.message, schema: [], check: null });
        return syntax.map((d) => ({ ...d, source: 'JSON' }));
      }
      const parsed = JSON.parse(text) as unknown;
      data = parsed;
      const base = rulesBase(parsed);
      const schema = help.validate(unwrap(parsed)).map((p) => ({ ...p, path: [...base, ...p.path] }));
      const out: Diagnostic[] = schema.map((p) => ({ ...rangeOf(view.state, p.path, p.key), severity: 'error', source: 'schema', message: p.message }));
      let check: RuleCheckView | null = null;
      try {
        check = await o.check(parsed);
        for (const f of check.findings) out.push(finding(view.state, base, f));
      } catch (e) {
        out.push({
          from: 0,
          to: Math.min(1, view.state.doc.length),
          severity: 'warning',
          source: 'check',
          message: `the server could not check the rules: ${String(e)}`,
        });
      }
      o.onChecked({ text, json: parsed, syntaxError: null, schema, check });
      return out;
    },
    { delay: 400 },
  );

  const hover = hoverTooltip((view, pos, side) => {
    const node = syntaxTree(view.state).resolveInner(pos, side);
    if (!['PropertyName', 'String', 'Number', 'True', 'False', 'Null'].includes(node.name)) return null;
    const path = pathOf(view.state, node);
    const text = help.describe(path.slice(rulesBase(data).length), unwrap(data));
    if (!text) return null;
    return {
      pos: node.from,
      end: node.to,
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'schema-hover';
        for (const line of text.split('\n')) {
          const p = document.createElement('p');
          p.textContent = line;
          dom.append(p);
        }
        return { dom };
      },
    };
  });

  const complete = (ctx: CompletionContext): CompletionResult | null => {
    const { state, pos } = ctx;
    const here = at(state, pos);
    const node = here.node;
    // The document as it is now when it parses, else as it last did.
    const now = safeParse(state.doc.toString());
    if (now !== undefined) data = now;
    const base = rulesBase(data).length;
    const doc = unwrap(data);
    // A key: inside a property name, where one may start in an object, or a string standing where a key belongs.
    const strayKey = node.name === 'String' && node.parent !== null && node.parent.name !== 'Property' && node.parent.name !== 'Array';
    if (node.name === 'PropertyName' || node.name === 'Object' || (node.name === '{' && node.parent?.name === 'Object') || strayKey) {
      let object = node.name === 'PropertyName' ? node.parent!.parent! : node.name === '{' || strayKey ? node.parent! : node;
      while (object.name !== 'Object' && object.parent) object = object.parent;
      const typed = ctx.matchBefore(/"[^"]*$/);
      if (node.name !== 'PropertyName' && !strayKey && !typed && !ctx.explicit) return null;
      const path = pathOf(state, object);
      const present = new Set(object.getChildren('Property').map((p) => (p.getChild('PropertyName') ? propertyName(state, p.getChild('PropertyName')!) : '')));
      // Keys are offered inside their quotes (CodeMirror matches what is typed after the opening one).
      const options = help
        .keys(path.slice(base), doc)
        .filter((k) => !present.has(k.label) || (node.name === 'PropertyName' && propertyName(state, node) === k.label))
        .map((k): Completion => ({ label: k.label, type: 'property', ...(k.detail ? { info: k.detail } : {}) }));
      const own = node.name === 'PropertyName' || strayKey;
      if (own) return { from: node.from + 1, to: closedString(state, node) ? node.to - 1 : node.to, options, validFor: /^[^"]*$/ };
      if (typed) return { from: typed.from + 1, options, validFor: /^[^"]*$/ };
      // Asked for where no key is begun: the whole key, quoted, and its colon.
      return { from: pos, options: options.map((c) => ({ ...c, apply: `${JSON.stringify(c.label)}: ` })) };
    }
    // A value: a string, number or literal being typed, or the place after a colon.
    const isValue = ['String', 'Number', 'True', 'False', 'Null'].includes(node.name);
    const afterColon = node.name === ':' || (node.name === 'Property' && !!node.getChild(':') && pos >= node.getChild(':')!.to);
    if (!isValue && !afterColon) return null;
    let path: JsonPath;
    if (isValue) path = here.path;
    else {
      const property = node.name === ':' ? node.parent! : node;
      path = [...pathOf(state, property), propertyName(state, property.getChild('PropertyName')!)];
    }
    if (!isValue && !ctx.explicit && !ctx.matchBefore(/:\s*"?[^"]*$/)) return null;
    const options: Array<Completion & { json: string }> = help
      .values(path.slice(base), doc)
      .map((v) => ({ label: v.label, json: v.label, type: 'enum', ...(v.detail ? { info: v.detail } : {}) }));
    const add = (value: string, type: string, detail: string) => options.push({ label: JSON.stringify(value), json: JSON.stringify(value), type, detail });
    const key = path.at(-1);
    if (key === 'stage' || key === 'stageId' || key === 'to' || key === 'from')
      for (const s of o.stages) add(s.id, 'constant', `stage: ${s.detail} (${s.pipelineId})`);
    if (key === 'field') {
      for (const f of o.fields) add(`fields.${f.id}`, 'variable', `${f.detail} (${f.pipelineId})`);
      for (const p of DEAL_PATHS) add(p, 'variable', 'deal');
    }
    if (key === 'path') {
      for (const f of o.fields) add(`$.fields.${f.id}`, 'variable', `${f.detail} (${f.pipelineId})`);
      for (const p of DEAL_PATHS) add(`$.${p}`, 'variable', 'deal');
    }
    const unique = [...new Map(options.map((c) => [c.json, c])).values()];
    if (unique.length === 0) return null;
    // Asked for (Ctrl+Space), every allowed value is offered whatever is typed: a typo matches none of them.
    if (node.name === 'String') {
      // Inside a string: string values, unquoted, between its quotes.
      const strings = unique.filter((c) => c.json.startsWith('"')).map(({ json: j, ...c }) => ({ ...c, label: JSON.parse(j) as string }));
      return { from: node.from + 1, to: closedString(state, node) ? node.to - 1 : node.to, options: strings, filter: !ctx.explicit };
    }
    const stripped = unique.map(({ json: _j, ...c }) => c);
    return isValue ? { from: node.from, to: node.to, options: stripped, filter: !ctx.explicit } : { from: pos, options: stripped, filter: !ctx.explicit };
  };

  const view = new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        lineNumbers(),
        foldGutter(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        syntaxHighlighting(defaultHighlightStyle),
        json(),
        lint,
        lintGutter(),
        hover,
        autocompletion({ override: [complete], icons: false }),
        // Tab is left to the page (moving focus on): no keyboard trap.
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'The rules, as JSON', 'aria-describedby': 'rules-editor-help' }),
        // CodeMirror writes its theme into a style element: it carries the page's nonce, so the CSP holds.
        EditorView.cspNonce.of(styleNonce()),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });

  return {
    text: () => view.state.doc.toString(),
    setText: (text) => {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      forceLinting(view);
    },
    reveal: (path) => {
      const parsed = safeParse(view.state.doc.toString());
      const steps = [...rulesBase(parsed), ...parseJsonPath(path)];
      const node = nodeAt(view.state, steps) ?? nodeAt(view.state, steps.slice(0, -1));
      const pos = node?.from ?? 0;
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}

/** A check finding as a diagnostic at its path (paths are into the rules, under `rules` in a document). */
function finding(state: EditorState, base: JsonPath, f: RuleFinding): Diagnostic {
  return {
    ...rangeOf(state, [...base, ...parseJsonPath(f.path)]),
    severity: f.severity,
    source: `check: ${f.code}`,
    message: f.hint ? `${f.message} (${f.hint})` : f.message,
  };
}

/** Whether a string node has its closing quote (one being typed may not). */
function closedString(state: EditorState, node: { from: number; to: number }): boolean {
  const text = state.sliceDoc(node.from, node.to);
  return text.length >= 2 && text.endsWith('"') && !text.endsWith('\\"');
}

function unwrap(data: unknown): unknown {
  return rulesBase(data).length > 0 ? (data as { rules: unknown }).rules : data;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
