/**
 * Documents that are not files on disk, over the protocol: a `git:` revision (a diff view) or an unsaved
 * `untitled:` buffer never changes the analysis of the files on disk; each is analysed alone, and its
 * features (diagnostics, hover, quick fixes) answer from its own analysis.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { serverOnExamples } from '../support/lsp-client';
import { deployment } from '../support/manifests';

const shopDefaultDeny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`;

const codes = (p: { diagnostics: { code?: unknown }[] } | undefined) => (p?.diagnostics ?? []).map((d) => String(d.code)).sort();

test('a git: revision and an untitled buffer never change the diagnostics of the files on disk; each is analysed alone', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const shop = ws.uri('shop/foo-deny-egress.yaml');
  const namespace = ws.uri('shop/namespace.yaml');
  await client.waitForDiagnostics(shop, (p) => p.diagnostics.some((d) => d.code === 'EL101'));
  await client.waitForDiagnostics(namespace, (p) => p.diagnostics.some((d) => d.code === 'EL102'));
  const before = { shop: codes(client.latest(shop)), namespace: codes(client.latest(namespace)) };
  assert.deepEqual(before, { shop: ['EL101', 'EL101', 'EL103'], namespace: ['EL102'] });

  // The diff view of a revision that had a default-deny for shop: it is not the workspace of today.
  const git = `git:${ws.uri('shop/policy.yaml').slice('file:'.length)}?ref=HEAD~1`;
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: git, languageId: 'yaml', version: 1, text: shopDefaultDeny } });
  const gitDiagnostics = await client.waitForDiagnostics(git);
  assert.deepEqual(codes(gitDiagnostics), [], 'alone, a default-deny with DNS has nothing to report');
  // An unsaved buffer with a Deployment in shop: alone, nothing restricts it; it adds no workload to shop on disk.
  const untitled = 'untitled:Untitled-1';
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: untitled, languageId: 'yaml', version: 1, text: deployment('draft') } });
  const draft = await client.waitForDiagnostics(untitled, (p) => p.diagnostics.length > 0);
  assert.deepEqual(codes(draft), ['EL101', 'EL102']);
  assert.match(String(draft.diagnostics.find((d) => d.code === 'EL102')!.message), /Namespace shop has 1 workload/, 'only its own workload counts');
  // The files on disk: as before (published again or not, their findings are the same).
  assert.deepEqual({ shop: codes(client.latest(shop)), namespace: codes(client.latest(namespace)) }, before);
  assert.match(String(client.latest(namespace)!.diagnostics[0].message), /Namespace shop has 3 workloads/);
  const symbols = await client.connection.sendRequest<{ name: string }[]>('workspace/symbol', { query: 'draft' });
  assert.deepEqual(symbols, [], 'the buffer is not part of the workspace');

  // Its own features: hover on its workload, and its quick fix, from its own analysis.
  const hover = await client.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: untitled }, position: { line: 2, character: 18 } });
  assert.match(hover?.contents.value ?? '', /unrestricted/i);
  const el101 = draft.diagnostics.find((d) => d.code === 'EL101')!;
  const actions = await client.connection.sendRequest<{ title: string }[]>('textDocument/codeAction', { textDocument: { uri: untitled }, range: el101.range, context: { diagnostics: [el101] } });
  assert.ok(actions.length > 0, 'its quick fixes are offered');

  // Closed: its diagnostics are cleared, and the disk is still as it was.
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: untitled } });
  await client.waitForDiagnostics(untitled, (p) => p.diagnostics.length === 0);
  assert.deepEqual({ shop: codes(client.latest(shop)), namespace: codes(client.latest(namespace)) }, before);
});
