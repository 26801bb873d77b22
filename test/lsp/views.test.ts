// The language server with cluster views: findings per view at their sources, the view picker's requests,
// the panel on the active view (its links at the files that wrote the rules), and an edit re-rendering.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { LspClient } from '../support/lsp-client';
import { repoRoot, tempCopy } from '../support/workspace';
import type { ExplainResult, ReachabilityResult, ViewsResult } from '../../server/src/lsp/protocol';

const shop = path.join(repoRoot, 'test/fixtures/views/shop');

test('LSP: findings of every view at their sources, the views and the active one, the panel on it, an edit in an overlay', async (t) => {
  const ws = tempCopy(shop);
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''), { workspaceTrusted: true });
  const policy = ws.uri('base/policy.yaml');
  const d = await client.waitForDiagnostics(policy, (p) => p.diagnostics.some((x) => x.code === 'EL103'));
  const el103 = d.diagnostics.find((x) => x.code === 'EL103')!;
  assert.match(String(el103.message), /\[in view overlays\/prod; not in view overlays\/dev\]$/);
  assert.deepEqual(el103.range.start, { line: 9, character: 2 });
  // Nothing is published for a rendered text.
  assert.ok(client.published.every((p) => p.uri.startsWith('file:')));

  const views = await client.connection.sendRequest<ViewsResult>('egressLens/views');
  assert.deepEqual(views.views.map((v) => `${v.name} ${v.sources.join('+')}`), ['overlays/dev kustomize', 'overlays/prod kustomize', 'manifests files']);
  assert.equal(views.active, 'overlays/dev');
  await assert.rejects(client.connection.sendRequest('egressLens/setView', { name: 'overlays/prd' }), /no view named "overlays\/prd"/);

  // The panel shows the active view: in dev, the policy restricts api; its rule opens at base/policy.yaml.
  const reach = () => client.connection.sendRequest<ReachabilityResult>('egressLens/reachability', {});
  const dev = await reach();
  const api = dev.nodes.find((n) => n.id === 'shop/api[Deployment]')!;
  assert.equal(api.egressRestricted, true);
  const ten = dev.nodes.find((n) => n.id.startsWith('ip:10.0.0.0'))!;
  const why = await client.connection.sendRequest<ExplainResult>('egressLens/explain', { src: api.id, dst: ten.id });
  const links = why.sections.flatMap((s) => s.items.flatMap((i) => i.links.map((l) => l.location)));
  assert.ok(links.length > 0);
  assert.ok(links.every((l) => l.uri.startsWith('file:')), JSON.stringify(links));
  assert.ok(links.some((l) => l.uri === policy));

  const prod = await client.connection.sendRequest<ViewsResult>('egressLens/setView', { name: 'overlays/prod' });
  assert.equal(prod.active, 'overlays/prod');
  assert.equal((await reach()).nodes.find((n) => n.id === 'shop/api[Deployment]')!.egressRestricted, false);

  // An edit in the prod overlay's patch (unsaved): EL103 goes, in every view.
  const patch = ws.uri('overlays/prod/policy-types.yaml');
  const text = readFileSync(path.join(ws.dir, 'overlays/prod/policy-types.yaml'), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: patch, languageId: 'yaml', version: 1, text } });
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: patch, version: 2 }, contentChanges: [{ text: text.replace('[Ingress]', '[Ingress, Egress]') }] });
  await client.waitForDiagnostics(policy, (p) => !p.diagnostics.some((x) => x.code === 'EL103'));
});

test('LSP: an untrusted workspace does not run helm; the chart gets one EL004 saying why', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo/helm-chart'));
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''));
  const d = await client.waitForDiagnostics(ws.uri('Chart.yaml'), (p) => p.diagnostics.length > 0);
  assert.deepEqual(d.diagnostics.map((x) => x.code), ['EL004']);
  assert.match(String(d.diagnostics[0].message), /only in a trusted workspace/);
});
