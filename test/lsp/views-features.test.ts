// Hover, definition and code lenses in files a view only reads through its render (a Kustomize base, an
// overlay's patch, a Helm template), answered from the active view and mapped back through origins.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, CodeLens, CompletionList, DocumentSymbol, Hover, Location, MarkupContent, Position, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { at } from '../support/positions';
import { LspClient } from '../support/lsp-client';
import { repoRoot, tempCopy } from '../support/workspace';
import { helmPath } from '../support/kubectl';
import type { NamespaceInfo } from '../../server/src/lsp/protocol';

type Ws = ReturnType<typeof tempCopy>;

const docOf = (ws: Ws, rel: string) => TextDocument.create(ws.uri(rel), 'yaml', 1, readFileSync(path.join(ws.dir, rel), 'utf8'));


async function hover(client: LspClient, doc: TextDocument, position: Position): Promise<Hover | null> {
  return client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: doc.uri }, position });
}

const text = (h: Hover | null) => (h ? (h.contents as MarkupContent).value : '');

async function started(t: { after: (fn: () => Promise<void>) => void }, ws: Ws, ready: string): Promise<LspClient> {
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''), { workspaceTrusted: true });
  await client.waitForDiagnostics(ws.uri(ready), (p) => p.diagnostics.length > 0);
  return client;
}

test('LSP views: hover, definition, references, completion, lenses and the outline in a Kustomize base and in a patch, from the active view', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/shop'));
  const client = await started(t, ws, 'base/policy.yaml');
  const deployment = docOf(ws, 'base/deployment.yaml');
  const policy = docOf(ws, 'base/policy.yaml');
  const patch = docOf(ws, 'overlays/prod/policy-types.yaml');

  // In dev (the first view, active), the base's policy restricts api; the hover's range is the base's name.
  const dev = await hover(client, deployment, at(deployment, 'name: api', 7));
  assert.match(text(dev), /Deployment shop\/api\*\* · egress restricted · 1 destination/);
  assert.deepEqual(dev!.range, { start: at(deployment, 'name: api', 6), end: at(deployment, 'name: api', 9) });
  // Its links open the base, never a rendered text.
  const links = [...text(dev).matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 0);
  assert.ok(links.every((l) => l.startsWith(policy.uri + '#L')), links.join(' '));

  // Definition from the base policy's podSelector to the workload's source.
  const defs = await client.connection.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri: policy.uri }, position: at(policy, '{app: api}', 7) });
  assert.deepEqual(defs.map((d) => `${d.uri} ${d.range.start.line}`), [`${deployment.uri} 3`]);

  // References from the base's workload to the policy that selects it; the outline of a base file.
  const refs = await client.connection.sendRequest<Location[]>('textDocument/references', { textDocument: { uri: deployment.uri }, position: at(deployment, 'name: api', 7), context: { includeDeclaration: true } });
  assert.deepEqual(refs.map((r) => `${r.uri} ${r.range.start.line}`), [`${deployment.uri} 3`, `${policy.uri} 3`]);
  const outline = await client.connection.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: policy.uri } });
  assert.deepEqual(outline.map((o) => `${o.name} ${o.range.start.line}`), ['api-egress 0']);

  // Completion in the base: the label values the view's workloads carry.
  const completion = await client.connection.sendRequest<CompletionList>('textDocument/completion', { textDocument: { uri: policy.uri }, position: at(policy, '{app: api}', 6) });
  assert.ok(completion.items.some((i) => i.label === 'api'), completion.items.map((i) => i.label).join(' '));

  // Lenses on the workload and the policy the view renders from the base files.
  const lenses = async (doc: TextDocument) => client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: doc.uri } });
  assert.deepEqual((await lenses(deployment)).map((l) => `${l.range.start.line} ${l.command?.title}`), ['0 egress: 1 destination']);
  const onPolicy = await lenses(policy);
  assert.deepEqual(onPolicy.map((l) => l.range.start.line), [0]);
  assert.match(onPolicy[0].command!.title, /^selects 1 workload/);
  const places = onPolicy[0].command!.arguments![2] as Location[];
  assert.deepEqual(places.map((p) => `${p.uri} ${p.range.start.line}`), [`${deployment.uri} 3`]);
  // A patch renders no object of its own: no lens there.
  assert.deepEqual(await lenses(patch), []);

  // In prod the patch leaves Egress out: the same hover in the base now says unrestricted, and names the patch's policy.
  await client.connection.sendRequest('egressLens/setView', { name: 'overlays/prod' });
  const prod = await hover(client, deployment, at(deployment, 'name: api', 7));
  assert.match(text(prod), /egress \*\*unrestricted\*\*/);
  assert.deepEqual((await lenses(deployment)).map((l) => l.command?.title), ['egress: unrestricted']);
  // In the patch: its policy's name answers with the policy as prod renders it (its egress rules ignored).
  const onPatch = await hover(client, patch, at(patch, 'name: api-egress', 8));
  assert.match(text(onPatch), /NetworkPolicy shop\/api-egress/);
  assert.deepEqual(onPatch!.range!.start, at(patch, 'name: api-egress', 6));

  // A file that no view reads answers nothing (and does not fail).
  assert.equal(await hover(client, docOf(ws, 'extra/namespace.yaml'), { line: 3, character: 8 }), null);
});

test('LSP views: hover, definition and lenses in a Helm template, where its text is literal', { skip: helmPath() === undefined ? 'no helm binary' : false }, async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo/helm-chart'));
  writeFileSync(path.join(ws.dir, '.egress-lens.yaml'), `helm: {path: ${JSON.stringify(helmPath())}}\nclusters:\n  shop: {helm: [{chart: ., release: shop, namespace: shop, set: {networkPolicies.create: true}}]}\n`);
  const client = await started(t, ws, 'templates/adservice.yaml');
  const ad = docOf(ws, 'templates/adservice.yaml');
  const h = await hover(client, ad, at(ad, 'kind: NetworkPolicy', 8));
  assert.match(text(h), /NetworkPolicy shop\/adservice/);
  assert.deepEqual(h!.range, { start: at(ad, 'kind: NetworkPolicy', 6), end: at(ad, 'kind: NetworkPolicy', 19) });
  const lenses = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: ad.uri } });
  const lines = lenses.map((l) => `${l.range.start.line}`);
  assert.ok(lines.includes(String(at(ad, 'kind: NetworkPolicy').line - 1)), lines.join(' '));
  assert.ok(lenses.some((l) => /^egress: /.test(l.command?.title ?? '')), lenses.map((l) => l.command?.title).join(' | '));
});

test('LSP views: the scaffolds\' Insert target for a namespace is a resource file the active view reads, saying when other views share it', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/deny'));
  const client = await started(t, ws, 'overlays/dev/kustomization.yaml');
  const shop = async () => (await client.connection.sendRequest<NamespaceInfo[]>('egressLens/namespaces')).find((n) => n.name === 'shop')!;
  const dev = await shop();
  assert.deepEqual({ files: dev.files, sharedWith: dev.sharedWith }, { files: [ws.uri('overlays/dev/worker.yaml'), ws.uri('base/api.yaml')], sharedWith: undefined });
  await client.connection.sendRequest('egressLens/setView', { name: 'overlays/prod' });
  const prod = await shop();
  assert.deepEqual({ files: prod.files, sharedWith: prod.sharedWith }, { files: [ws.uri('base/api.yaml')], sharedWith: ['overlays/dev'] });
});

test('LSP views: fix-all in a base file applies the safe fixes the views agree on, in place', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/shop'));
  const file = path.join(ws.dir, 'base/policy.yaml');
  const before = readFileSync(file, 'utf8').replace('10.0.0.0/8', '10.0.0.1/8');
  writeFileSync(file, before);
  const client = await started(t, ws, 'base/policy.yaml');
  await client.waitForDiagnostics(ws.uri('base/policy.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL106'));
  const actions = await client.connection.sendRequest<CodeAction[]>('textDocument/codeAction', {
    textDocument: { uri: ws.uri('base/policy.yaml') },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [], only: ['source.fixAll.egressLens'] },
  });
  assert.equal(actions.length, 1);
  const edits = (actions[0].edit!.documentChanges![0] as TextDocumentEdit).edits as TextEdit[];
  const doc = TextDocument.create(ws.uri('base/policy.yaml'), 'yaml', 1, before);
  assert.equal(TextDocument.applyEdits(doc, edits), before.replace('10.0.0.1/8', '10.0.0.0/8'));
});

test('LSP views: until a view is picked, a file the first view does not read answers from the first view that reads it (microservices-demo)', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo'));
  const client = await started(t, ws, 'kustomize/base/frontend.yaml');
  const base = docOf(ws, 'kustomize/base/frontend.yaml');
  const views = await client.connection.sendRequest<{ views: { name: string }[]; active: string }>('egressLens/views');
  assert.equal(views.active, 'kubernetes-manifests');
  const onName = at(base, 'name: frontend', 8);
  assert.match(text(await hover(client, base, onName)), /\*\*Deployment default\/frontend\*\* · egress \*\*unrestricted\*\*/);
  // A view picked by the user is the one that answers, even where it does not read the file.
  await client.connection.sendRequest('egressLens/setView', { name: 'kubernetes-manifests' });
  assert.equal(await hover(client, base, onName), null);
});
