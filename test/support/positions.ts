import * as assert from 'node:assert/strict';
import type { Position } from 'vscode-languageserver-protocol';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** The position of `needle` (the n-th occurrence), moved right by `delta` characters. */
export function at(doc: TextDocument, needle: string, delta = 0, nth = 0): Position {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = doc.getText().indexOf(needle, i + 1);
    assert.ok(i >= 0, `${needle} not in ${doc.uri}`);
  }
  return doc.positionAt(i + delta);
}
