import { json } from '@codemirror/lang-json';
import { ensureSyntaxTree } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { at, nodeAt, parseJsonPath, parsePointer, rangeOf } from '../../../../src/console/ui/editor/json-paths.js';

/** An editor state on a JSON text, fully parsed. */
function stateOf(text: string): EditorState {
  const state = EditorState.create({ doc: text, extensions: [json()] });
  ensureSyntaxTree(state, state.doc.length, 5000);
  return state;
}

const text = `[
  {
    "id": "a",
    "trigger": { "type": "stage.entered", "stage": "nwe" },
    "actions": [{ "type": "notify", "params": { "to": "owner" } }, { "type": "moveStage" }]
  }
]`;

describe('JSON paths in the editor', () => {
  it('the path of what is at a position: a value, a key', () => {
    const state = stateOf(text);
    expect(at(state, text.indexOf('"nwe"') + 2)).toMatchObject({ path: [0, 'trigger', 'stage'], key: false });
    expect(at(state, text.indexOf('"stage":') + 2)).toMatchObject({ path: [0, 'trigger', 'stage'], key: true });
    expect(at(state, text.indexOf('"owner"') + 1).path).toEqual([0, 'actions', 0, 'params', 'to']);
    expect(at(state, text.indexOf('"moveStage"') + 1).path).toEqual([0, 'actions', 1, 'type']);
  });

  it('the range of a path: the value; the key when the key is wrong; the nearest place for a missing one', () => {
    const state = stateOf(text);
    const slice = (r: { from: number; to: number }) => text.slice(r.from, r.to);
    expect(slice(rangeOf(state, [0, 'trigger', 'stage']))).toBe('"nwe"');
    expect(slice(rangeOf(state, [0, 'trigger', 'stage'], true))).toBe('"stage"');
    // An object held by a property: its name. A missing property: the object that lacks it.
    expect(slice(rangeOf(state, [0, 'trigger']))).toBe('"trigger"');
    expect(slice(rangeOf(state, [0, 'actions', 1, 'params']))).toBe('{ "type": "moveStage" }');
    expect(nodeAt(state, [0, 'nothing'])).toBeNull();
  });

  it('reads check’s JSON paths and the schema library’s pointers', () => {
    expect(parseJsonPath('$[2].actions[0].params["a b"]')).toEqual([2, 'actions', 0, 'params', 'a b']);
    expect(parseJsonPath('$')).toEqual([]);
    expect(parsePointer('#/0/actions/1/params/a~1b')).toEqual([0, 'actions', 1, 'params', 'a/b']);
    expect(parsePointer('#')).toEqual([]);
  });
});
