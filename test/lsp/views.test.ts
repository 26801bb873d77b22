// The language server with cluster views: findings per view at their sources, the view picker's requests,
// the panel on the active view (its links at the files that wrote the rules), and an edit re-rendering.
import { test, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { LspClient } from '../support/lsp-client';
import { repoRoot, tempCopy } from '../support/workspace';
import type { ExplainResult, ReachabilityResult, ViewsResult } from '../../server/src/lsp/protocol';

const shop = path.join(repoRoot, 'test/fixtures/views/shop');

/** A server on a copy of the shop's overlays, in a trusted workspace; stopped and removed after the test. */
async function serveShop(t: TestContext): Promise<{ ws: ReturnType<typeof tempCopy>; client: LspClient; policy: string }> {
  const ws = tempCopy(shop);
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''), { workspaceTrusted: true });
  return { ws, client, policy: ws.uri('base/policy.yaml') };
}

test('LSP: findings of every view at their sources, the views and the active one, the panel on it, an edit in an overlay', async (t) => {
  const { ws, client, policy } = await serveShop(t);
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

test('LSP: a change on disk the file watcher never reported is taken from the render that read it; every range is in the text it is published with', async (t) => {
  const { ws, client, policy } = await serveShop(t);
  const first = await client.waitForDiagnostics(policy, (p) => p.diagnostics.some((x) => x.code === 'EL103'));
  assert.equal(first.diagnostics.find((x) => x.code === 'EL103')!.range.start.line, 9);
  // Two lines above the policy, written without a watcher event (missed, or coalesced into one sent before
  // the write ended); then a reported change to the prod overlay, whose render reads the base again.
  const policyPath = path.join(ws.dir, 'base/policy.yaml');
  writeFileSync(policyPath, `# owned by the shop team\n# reviewed\n${readFileSync(policyPath, 'utf8')}`);
  const kustomization = path.join(ws.dir, 'overlays/prod/kustomization.yaml');
  writeFileSync(kustomization, `${readFileSync(kustomization, 'utf8')}# prod\n`);
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: ws.uri('overlays/prod/kustomization.yaml'), type: 2 }] });
  const moved = await client.waitForDiagnostics(policy, (p) => p.diagnostics.some((x) => x.code === 'EL103' && x.range.start.line === 11));
  const lines = readFileSync(policyPath, 'utf8').split('\n');
  for (const d of moved.diagnostics) {
    const r = d.range;
    assert.ok(r.start.line < lines.length && r.start.character <= lines[r.start.line].length, `${d.code} at ${JSON.stringify(r)}`);
  }
  const el103 = moved.diagnostics.find((x) => x.code === 'EL103')!;
  assert.equal(lines[el103.range.start.line].slice(el103.range.start.character, el103.range.end.character), 'egress');
  assert.match(String(el103.message), /\[in view overlays\/prod; not in view overlays\/dev\]$/);
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
