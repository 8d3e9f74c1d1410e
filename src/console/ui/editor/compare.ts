/**
 * Two versions of a rule side by side, changes marked (@codemirror/merge), read-only. Loaded
 * only when someone compares versions.
 */
import { json } from '@codemirror/lang-json';
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { MergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { styleNonce } from './nonce.js';

/** Shows `a` (the older version) beside `b`; returns a function that removes the view. */
export function compare(parent: HTMLElement, a: string, b: string, labels: [string, string]): () => void {
  const extensions = [
    lineNumbers(),
    json(),
    syntaxHighlighting(defaultHighlightStyle),
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    EditorView.cspNonce.of(styleNonce()),
  ];
  const view = new MergeView({
    parent,
    a: { doc: a, extensions: [...extensions, EditorView.contentAttributes.of({ 'aria-label': labels[0] })] },
    b: { doc: b, extensions: [...extensions, EditorView.contentAttributes.of({ 'aria-label': labels[1] })] },
    gutter: true,
  });
  return () => view.destroy();
}
