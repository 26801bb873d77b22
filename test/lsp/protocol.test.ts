import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { LspClient, serverOnExamples } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';

const FILE = 'shop/foo-deny-egress.yaml';

async function openExample(client: LspClient, ws: ReturnType<typeof tempCopy>, rel: string, version = 1) {
  const uri = ws.uri(rel);
  const text = readFileSync(path.join(ws.dir, rel), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  const diags = await client.waitForDiagnostics(uri, (p) => p.version === version);
  return { uri, doc: TextDocument.create(uri, 'yaml', version, text), diags: diags.diagnostics };
}

function actionsFor(client: LspClient, uri: string, d: Diagnostic): Promise<CodeAction[]> {
  return client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
}

async function applyAndSend(client: LspClient, doc: TextDocument, action: CodeAction): Promise<TextDocument> {
  const change = action.edit!.documentChanges![0] as TextDocumentEdit;
  assert.equal(change.textDocument.version, doc.version, 'the edit is tied to the analysed version');
  const text = TextDocument.applyEdits(doc, change.edits as TextEdit[]);
  const next = TextDocument.create(doc.uri, 'yaml', doc.version + 1, text);
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri: doc.uri, version: next.version },
    contentChanges: [{ text }],
  });
  return next;
}

test('LSP: versioned diagnostics, code action, edit applied, diagnostic gone', async (t) => {
  const { client, ws, init } = await serverOnExamples(t);
  assert.ok(init.capabilities.codeActionProvider, 'code actions are offered');

  // Indexing publishes diagnostics for files that are not open (no version).
  const indexed = await client.waitForDiagnostics(ws.uri('broken/typos.yaml'), (p) => p.diagnostics.length > 0);
  assert.equal(indexed.version, undefined);
  assert.ok(indexed.diagnostics.some((d) => d.code === 'EL001'));
  assert.ok(indexed.diagnostics.some((d) => d.code === 'EL002'));

  const { uri, doc, diags } = await openExample(client, ws, FILE);
  const el103 = diags.find((d) => d.code === 'EL103');
  assert.ok(el103, 'EL103 is published');
  assert.equal(el103.source, 'egress-lens');
  assert.equal(doc.getText(el103.range), 'egress', 'underlines the egress key');
  assert.match(el103.codeDescription!.href, /docs\/rules\/EL103\.md$/);
  const el101 = diags.filter((d) => d.code === 'EL101');
  assert.deepEqual(el101.map((d) => doc.getText(d.range)), ['foo', 'web']);

  // EL103: the fix adds Egress (unsafe: foo's egress is cut to what the rules allow); the diagnostic is gone in the next version.
  const actions = await actionsFor(client, uri, el103);
  const add = actions.find((a) => a.title === 'Add Egress to policyTypes (may block traffic)');
  assert.ok(add, `fix offered (got ${actions.map((a) => a.title).join(', ')})`);
  assert.notEqual(add.isPreferred, true, 'an unsafe fix is never preferred');
  const v2 = await applyAndSend(client, doc, add);
  const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
  assert.ok(!after.diagnostics.some((d) => d.code === 'EL103'), 'EL103 gone');
  assert.deepEqual(after.diagnostics.filter((d) => d.code === 'EL101').map((d) => v2.getText(d.range)), ['web'], 'foo is now restricted');

  // EL101: the default-deny fix adds a policy with DNS; every EL101 of the namespace is gone.
  const web = after.diagnostics.find((d) => d.code === 'EL101')!;
  const denyActions = await actionsFor(client, uri, web);
  const deny = denyActions.find((a) => a.title.startsWith('Add default-deny egress policy for namespace shop (allows DNS)'));
  assert.ok(deny, `default-deny offered (got ${denyActions.map((a) => a.title).join(', ')})`);
  assert.notEqual(deny.isPreferred, true, 'an unsafe fix is never preferred');
  const v3 = await applyAndSend(client, v2, deny);
  assert.match(v3.getText(), /kind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop/);
  assert.match(v3.getText(), /protocol: UDP\n\s+port: 53\n\s+- protocol: TCP\n\s+port: 53/);
  const final = await client.waitForDiagnostics(uri, (p) => p.version === 3);
  assert.deepEqual(final.diagnostics.map((d) => d.code), [], 'no findings left');
});

test('LSP: a fix computed for an older version is refused', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const { uri, doc, diags } = await openExample(client, ws, FILE);
  const el103 = diags.find((d) => d.code === 'EL103')!;
  // The user types: a line is inserted at the top, moving everything down.
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: '# edited\n' + doc.getText() }],
  });
  // The client still holds the version-1 diagnostic: it matches no current finding.
  const actions = await actionsFor(client, uri, el103);
  assert.deepEqual(actions, [], 'no action for a stale diagnostic');
  const fresh = await client.waitForDiagnostics(uri, (p) => p.version === 2);
  const moved = fresh.diagnostics.find((d) => d.code === 'EL103')!;
  assert.equal(moved.range.start.line, el103.range.start.line + 1);
  const ok = await actionsFor(client, uri, moved);
  assert.equal((ok[0].edit!.documentChanges![0] as TextDocumentEdit).textDocument.version, 2);
});

test('LSP: namespaces and the default-deny scaffold', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  await client.waitForDiagnostics(ws.uri(FILE), (p) => p.diagnostics.length > 0);
  const namespaces = await client.connection.sendRequest<{ name: string; declared: boolean; workloads: number; files: string[] }[]>('egressLens/namespaces');
  // The files that hold each namespace's resources, the one with the most workloads (then resources) first:
  // where "Insert into" points. shop: two workloads in foo-deny-egress.yaml, one (and a ConfigMap) in typos.yaml.
  assert.deepEqual(namespaces, [
    { name: 'analytics', declared: true, workloads: 1, files: [ws.uri('analytics/etl.yaml')] },
    { name: 'monitoring', declared: true, workloads: 0, files: [ws.uri('analytics/etl.yaml')] },
    { name: 'payments', declared: true, workloads: 2, files: [ws.uri('payments/payments.yaml')] },
    { name: 'shop', declared: true, workloads: 3, files: [ws.uri(FILE), ws.uri('broken/typos.yaml'), ws.uri('shop/namespace.yaml')] },
  ]);
  // An unsaved buffer (a scaffold's preview) is no file of the workspace: it changes none of this.
  const preview = 'untitled:Untitled-1';
  await client.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri: preview, languageId: 'yaml', version: 1, text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: extra\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: extra}}\n  template:\n    metadata: {labels: {app: extra}}\n    spec: {containers: [{name: x, image: x}]}\n' },
  });
  await client.waitForDiagnostics(preview, (p) => p.version === 1);
  assert.deepEqual(await client.connection.sendRequest('egressLens/namespaces'), namespaces);
  // Nor does a previewed default-deny for shop: its workloads stay unrestricted until the policy is saved or inserted.
  const unrestricted = async () => (await client.connection.sendRequest<{ stats: { unrestrictedWorkloads: number } }>('egressLens/reachability', {})).stats.unrestrictedWorkloads;
  const before = await unrestricted();
  assert.ok(before > 0);
  const denyShop = await client.connection.sendRequest<{ text: string }>('egressLens/scaffoldDefaultDeny', { namespace: 'shop', allowDns: true });
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 'untitled:Untitled-2', languageId: 'yaml', version: 1, text: denyShop.text } });
  await client.waitForDiagnostics('untitled:Untitled-2', (p) => p.version === 1);
  assert.equal(await unrestricted(), before);
  const { text } = await client.connection.sendRequest<{ text: string }>('egressLens/scaffoldDefaultDeny', { namespace: 'payments', allowDns: false });
  // payments already has default-deny-egress; a DNS-less policy gets its own name.
  assert.match(text, /name: deny-all-egress\n\s+namespace: payments/);
  assert.doesNotMatch(text, /port: 53/);
});

test('LSP: closing a buffer falls back to the file on disk', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const { uri, doc } = await openExample(client, ws, FILE);
  await client.connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: doc.getText().replace('  - Ingress\n', '  - Ingress\n  - Egress\n') }],
  });
  await client.waitForDiagnostics(uri, (p) => p.version === 2 && !p.diagnostics.some((d) => d.code === 'EL103'));
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  const back = await client.waitForDiagnostics(uri, (p) => p.version === undefined && p.diagnostics.some((d) => d.code === 'EL103'));
  assert.ok(back.diagnostics.some((d) => d.code === 'EL103'), 'unsaved edits are dropped on close, the disk content counts again');
});

test('LSP: closing and at once re-opening a file keeps the buffer current (no stale refusal)', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const { uri, doc } = await openExample(client, ws, FILE);
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 7, text: doc.getText() } });
  const diags = await client.waitForDiagnostics(uri, (p) => p.version === 7);
  const el103 = diags.diagnostics.find((d) => d.code === 'EL103')!;
  const actions = await actionsFor(client, uri, el103);
  assert.ok(actions.some((a) => a.title === 'Add Egress to policyTypes (may block traffic)'), 'the fix is offered for the re-opened buffer');
});

test('LSP: a client without documentChanges gets plain changes', async (t) => {
  const ws = tempCopy();
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''), undefined, false);
  const { uri, diags } = await openExample(client, ws, FILE);
  const el103 = diags.find((d) => d.code === 'EL103')!;
  const [fix] = await actionsFor(client, uri, el103);
  assert.equal(fix.edit!.documentChanges, undefined);
  assert.equal(fix.edit!.changes![uri][0].newText, '\n  - Egress');
});

test('LSP: workloads and the allow-egress scaffold behind "Allow Egress To…"', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  await client.waitForDiagnostics(ws.uri(FILE), (p) => p.diagnostics.length > 0);
  const workloads = await client.connection.sendRequest<{ id: string; restricted: boolean }[]>('egressLens/workloads');
  assert.ok(workloads.some((w) => w.id === 'shop/web[Deployment]' && !w.restricted));
  assert.ok(workloads.some((w) => w.id === 'payments/ledger[Deployment]' && w.restricted));
  const ok = await client.connection.sendRequest<{ ok: boolean; text: string }>('egressLens/scaffoldAllow', {
    from: 'shop/web[Deployment]',
    to: { kind: 'host', host: 'api.stripe.com' },
    ports: [{ protocol: 'TCP', port: 443 }],
    mechanism: 'cilium',
  });
  assert.equal(ok.ok, true);
  assert.match(ok.text, /toFQDNs:\n\s+- matchName: api.stripe.com/);
  const refused = await client.connection.sendRequest<{ ok: boolean; error: string }>('egressLens/scaffoldAllow', {
    from: 'shop/web[Deployment]',
    to: { kind: 'host', host: 'api.stripe.com' },
    ports: [],
    mechanism: 'networkpolicy',
  });
  assert.equal(refused.ok, false);
  assert.match(refused.error, /cannot name a host/);
});
