/** The host checks every message from the webview against its type (client/src/panel/validate.ts). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';
import { validateWebviewMessage } from '../../client/src/panel/validate';

const loc = { uri: 'file:///ws/shop/foo.yaml', range: { start: { line: 12, character: 2 }, end: { line: 13, character: 0 } } };

function accepted(m: unknown): unknown {
  const v = validateWebviewMessage(m);
  assert.ok(v.ok, `accepted: ${JSON.stringify(m)}${v.ok ? '' : ` (${v.reason})`}`);
  return v.message;
}

function refused(m: unknown, reason?: RegExp): void {
  const v = validateWebviewMessage(m);
  assert.equal(v.ok, false, `refused: ${JSON.stringify(m)?.slice(0, 200)}`);
  if (reason && !v.ok) assert.match(v.reason, reason);
}

test('panel host: every message of messages.ts passes as it is', () => {
  const state = { version: 1, view: 'matrix', filters: { ...DEFAULT_FILTERS, port: '443' }, focus: 'shop/web[Deployment]', collapsed: ['shop'], selection: { kind: 'edge', src: 'a', dst: 'b' } };
  const messages = [
    { type: 'ready', state },
    { type: 'ready', state: undefined },
    { type: 'setFocus', focus: 'shop/web[Deployment]' },
    { type: 'setFocus', focus: null },
    { type: 'explain', requestId: 3, params: { node: 'internet' } },
    { type: 'explain', requestId: 4, params: { src: 'shop/web[Deployment]', dst: 'internet' } },
    { type: 'open', location: loc },
    { type: 'export', format: 'csv', fileName: 'reachability.csv', content: 'a,b\r\n', encoding: 'utf8' },
    { type: 'export', format: 'png', fileName: 'reachability.png', content: 'iVBORw0KGgo=', encoding: 'base64' },
    { type: 'rendered', revision: 7, view: 'graph', ms: 35, nodes: 8, edges: 21 },
    { type: 'error', message: 'boom' },
    { type: 'explain', requestId: 5, params: { src: 'shop/web[Deployment]', dst: 'internet' }, compare: true },
    { type: 'pickCompare' },
    { type: 'setCompare', base: 'main~2' },
    { type: 'setCompare', base: null },
    { type: 'clearObserved' },
    { type: 'resync' },
    { type: 'ready', state: { ...state, compare: 'HEAD' } },
  ];
  for (const m of messages) assert.deepEqual(accepted(m), m);
});

test('panel host: compare mode needs a revision of a sensible size', () => {
  refused({ type: 'setCompare' }, /without a revision/);
  refused({ type: 'setCompare', base: '' }, /without a revision/);
  refused({ type: 'setCompare', base: 7 }, /without a revision/);
  refused({ type: 'setCompare', base: 'x'.repeat(300) }, /without a revision/);
  // Anything but true is no compare request.
  assert.deepEqual(accepted({ type: 'explain', requestId: 1, params: { node: 'internet' }, compare: 'yes' }), { type: 'explain', requestId: 1, params: { node: 'internet' } });
});

test('panel host: what is not a message, or not one of ours, is refused', () => {
  for (const m of [null, undefined, 'open', 42, [], { type: 7 }, {}]) refused(m, /not a message/);
  refused({ type: 'runCommand', command: 'workbench.action.terminal.new' }, /unknown message type "runCommand"/);
  refused({ type: '__proto__' }, /unknown/);
});

test('panel host: open needs a well-formed location', () => {
  refused({ type: 'open' }, /location/);
  refused({ type: 'open', location: { uri: 'file:///x' } });
  refused({ type: 'open', location: { ...loc, uri: 42 } });
  refused({ type: 'open', location: { ...loc, range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } } });
  refused({ type: 'open', location: { ...loc, range: { start: { line: 1.5, character: 0 }, end: { line: 2, character: 0 } } } });
  refused({ type: 'open', location: { ...loc, range: { start: { line: 5, character: 0 }, end: { line: 4, character: 0 } } } }, /location/);
  refused({ type: 'open', location: { ...loc, uri: 'file:///' + 'a'.repeat(5000) } });
  // Extra fields are not passed on.
  assert.deepEqual(accepted({ type: 'open', location: { ...loc, command: 'x' }, extra: true }), { type: 'open', location: loc });
});

test('panel host: explain, focus and rendered need their values', () => {
  refused({ type: 'explain', requestId: 1 });
  refused({ type: 'explain', requestId: -1, params: { node: 'a' } });
  refused({ type: 'explain', requestId: '1', params: { node: 'a' } });
  refused({ type: 'explain', requestId: 1, params: { node: 'a', src: 'b', dst: 'c' } }, /node or an edge/);
  refused({ type: 'explain', requestId: 1, params: { src: 'b' } });
  refused({ type: 'explain', requestId: 1, params: { node: { toString: 'x' } } });
  refused({ type: 'setFocus' });
  refused({ type: 'setFocus', focus: 12 });
  refused({ type: 'rendered', revision: 1, view: 'tree', ms: 1, nodes: 1, edges: 1 });
  refused({ type: 'rendered', revision: 1, view: 'graph', ms: Number.NaN, nodes: 1, edges: 1 });
  refused({ type: 'error', message: { text: 'x' } });
  const long = accepted({ type: 'error', message: 'x'.repeat(100_000) }) as { message: string };
  assert.ok(long.message.length <= 4096, 'a long error text is cut');
});

test('panel host: exports carry a plain file name, a known format and well-formed content', () => {
  const ok = { type: 'export', format: 'md', fileName: 'reachability.md', content: '|a|', encoding: 'utf8' };
  for (const fileName of ['../../.bashrc', '/etc/passwd', 'a/b.md', '.vscode', 'C:\\x.md', '']) refused({ ...ok, fileName }, fileName ? /plain file name/ : undefined);
  refused({ ...ok, format: 'exe' });
  refused({ ...ok, encoding: 'latin1' });
  refused({ ...ok, content: 5 });
  refused({ ...ok, format: 'png', encoding: 'base64', content: 'not base64!' }, /base64/);
});

test('panel host: a restored state that does not fit is dropped, the panel still opens', () => {
  for (const state of [{ version: 2, filters: DEFAULT_FILTERS }, { version: 1 }, { version: 1, filters: { ...DEFAULT_FILTERS, direction: 'sideways' } }, { version: 1, filters: { ...DEFAULT_FILTERS, onlyExternal: 'yes' } }, 'x']) {
    assert.deepEqual(accepted({ type: 'ready', state }), { type: 'ready', state: undefined });
  }
  const partial = accepted({ type: 'ready', state: { version: 1, filters: { port: '53' }, view: 'tree', selection: { kind: 'edge', src: 1 }, collapsed: 'shop' } });
  assert.deepEqual(partial, { type: 'ready', state: { version: 1, view: undefined, filters: { ...DEFAULT_FILTERS, port: '53' }, focus: undefined, collapsed: undefined, selection: undefined } }, 'the parts that fit are kept');
});
