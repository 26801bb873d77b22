import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { LspClient, serverOnExamples } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';

const FILE = 'shop/foo-deny-egress.yaml';
const codes = (p: { diagnostics: { code?: unknown; severity?: number }[] }) => p.diagnostics.map((d) => `${d.code}:${d.severity}`).sort();

test('LSP settings: the file applies, the editor settings win, both are live', async (t) => {
  const { client, ws } = await serverOnExamples(t, (dir) => writeFileSync(path.join(dir, '.egress-lens.yaml'), 'rules:\n  EL101: "off"\n  EL102: "off"\n'));
  const uri = ws.uri(FILE);
  // From the file: EL101 and EL102 are off; EL103 (error = 1) stays.
  await client.waitForDiagnostics(uri, (p) => codes(p).join() === 'EL103:1');

  // The editor turns EL101 back on as a hint (4): it wins over the file.
  client.settings = { rules: { EL101: 'hint' }, cni: null };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  await client.waitForDiagnostics(uri, (p) => codes(p).join() === 'EL101:4,EL101:4,EL103:1');

  // The settings file is edited in the editor: a typo is shown on it, the rest still applies.
  const cfgUri = ws.uri('.egress-lens.yaml');
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: cfgUri, languageId: 'yaml', version: 1, text: 'rules:\n  EL103: "off"\ncni: flanel\n' },
  });
  const cfg = await client.waitForDiagnostics(cfgUri, (p) => p.diagnostics.length > 0);
  assert.equal(cfg.diagnostics[0].code, 'EL006');
  assert.deepEqual(cfg.diagnostics[0].range.start, { line: 2, character: 5 });
  // EL103 is now off (file), EL102 back on (no longer off in the file), EL101 a hint (editor).
  await client.waitForDiagnostics(uri, (p) => codes(p).join() === 'EL101:4,EL101:4');
  const ns = await client.waitForDiagnostics(ws.uri('shop/namespace.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL102'));
  assert.equal(ns.diagnostics[0].code, 'EL102');
});

test('LSP fix-all: source.fixAll.egressLens applies the safe fixes only, and then offers nothing', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const FIXABLE = 'analytics/etl.yaml';
  const uri = ws.uri(FIXABLE);
  const text = readFileSync(path.join(ws.dir, FIXABLE), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  // EL109 needs the payments Namespace of another file: the workspace is indexed.
  await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.some((d) => d.code === 'EL109'));
  const ask = (): Promise<CodeAction[]> =>
    client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.egressLens'] },
    });
  const [fixAll] = await ask();
  assert.equal(fixAll.kind, 'source.fixAll.egressLens');
  const change = fixAll.edit!.documentChanges![0] as TextDocumentEdit;
  const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'yaml', 1, text), change.edits as TextEdit[]);
  // DNS, the namespace label and the CIDR are fixed; merging the peers (EL110) narrows traffic, so it is left alone.
  assert.match(fixed, /port: 53/);
  assert.match(fixed, /kubernetes\.io\/metadata\.name: payments/);
  assert.match(fixed, /cidr: 10\.40\.0\.0\/16\n/);
  assert.match(fixed, /    - namespaceSelector:\n        matchLabels:\n          kubernetes\.io\/metadata\.name: monitoring\n    - podSelector:/, 'the unsafe EL110 merge is not part of fix-all');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
  await client.waitForDiagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(await ask(), [], 'nothing left for fix-all: applying it twice changes nothing');
});

test('LSP: with insertNewResources: newFile, the default-deny fix creates a file beside the workload', async (t) => {
  const { client, ws } = await serverOnExamples(t, (dir) => writeFileSync(path.join(dir, '.egress-lens.yaml'), 'insertNewResources: newFile\n'));
  const uri = ws.uri(FILE);
  const diags = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'EL101'));
  const web = diags.diagnostics.find((d) => d.code === 'EL101')!;
  const actions: CodeAction[] = await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: web.range, context: { diagnostics: [web] } });
  const fix = actions.find((a) => a.title.startsWith('Add default-deny egress policy for namespace shop'))!;
  const [create, fill] = fix.edit!.documentChanges! as [{ kind: string; uri: string; options: { overwrite: boolean } }, TextDocumentEdit];
  assert.equal(create.kind, 'create');
  assert.equal(create.uri, ws.uri('shop/shop-default-deny-egress.yaml'));
  assert.equal(create.options.overwrite, false, 'never overwrites a file');
  assert.equal(fill.textDocument.uri, create.uri);
  assert.match((fill.edits[0] as TextEdit).newText, /^apiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\n/);
});

test('LSP multi-root: each workspace folder is analysed on its own, with its own settings file, editor settings and exclude globs', async (t) => {
  const a = tempCopy();
  const b = tempCopy();
  writeFileSync(path.join(a.dir, '.egress-lens.yaml'), 'rules:\n  EL101: "off"\n  EL102: "off"\n');
  writeFileSync(path.join(b.dir, '.egress-lens.yaml'), 'exclude: ["analytics/**"]\n');
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    a.cleanup();
    b.cleanup();
  });
  // The editor's settings differ per folder too: EL103 is off in the second folder only.
  const asked: (string | undefined)[] = [];
  client.settingsFor = (scope) => {
    asked.push(scope);
    return scope?.replace(/\/$/, '') === b.uri('') ? { rules: { EL103: 'off' } } : null;
  };
  await client.initialize([a.uri(''), b.uri('')]);
  // The first folder: its file turns EL101 and EL102 off; EL103 stays.
  await client.waitForDiagnostics(a.uri(FILE), (p) => codes(p).join() === 'EL103:1');
  // The second folder: its editor settings turn EL103 off; EL101 (the default, a warning) stays.
  await client.waitForDiagnostics(b.uri(FILE), (p) => codes(p).join() === 'EL101:2,EL101:2');
  assert.deepEqual(asked.map((u) => u?.replace(/\/$/, '')).sort(), [a.uri(''), b.uri('')].sort(), 'the editor is asked for each folder\'s settings');
  // Its exclude globs are relative to it and leave the first folder alone.
  await client.waitForDiagnostics(a.uri('analytics/etl.yaml'), (p) => p.diagnostics.length > 0);
  assert.equal(client.published.some((p) => p.uri === b.uri('analytics/etl.yaml') && p.diagnostics.length > 0), false);
  // Namespace findings of one folder never borrow the other's resources: EL102 is on in the second folder only.
  await client.waitForDiagnostics(b.uri('shop/namespace.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL102'));
  assert.equal(client.latest(a.uri('shop/namespace.yaml'))?.diagnostics.some((d) => d.code === 'EL102') ?? false, false);

  // The first folder's settings file is edited: only that folder changes.
  const before = client.published.filter((p) => p.uri.startsWith(b.uri(''))).length;
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: a.uri('.egress-lens.yaml'), languageId: 'yaml', version: 1, text: 'rules:\n  EL101: "off"\n  EL102: "off"\n  EL103: "off"\n' },
  });
  await client.waitForDiagnostics(a.uri(FILE), (p) => p.diagnostics.length === 0);
  assert.equal(codes(client.latest(b.uri(FILE))!).join(), 'EL101:2,EL101:2');
  assert.equal(client.published.filter((p) => p.uri.startsWith(b.uri(''))).length, before, 'nothing of the second folder is published again');
});
