// An edit republishes the diagnostics of the files it changes, its own and others' (a new default-deny
// clears EL101 on the deployments of its namespace), and of no other file.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LspClient } from '../support/lsp-client';

const deployment = (ns: string, name: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: main\n        image: example/${name}:1\n`;
const DENY = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: team-a\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n`;

test('an edit republishes exactly the files whose diagnostics it changed', async (t) => {
  const client = new LspClient();
  t.after(() => client.shutdown());
  await client.initialize(null);
  const files: Record<string, string> = {
    'file:///ws/a.yaml': deployment('team-a', 'web') + '---\n' + deployment('team-a', 'worker'),
    'file:///ws/b.yaml': deployment('team-b', 'api'),
    'file:///ws/c.yaml': deployment('team-c', 'batch'),
    'file:///ws/policy.yaml': '# policies of team-a\n',
  };
  for (const [uri, text] of Object.entries(files)) {
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  }
  for (const uri of Object.keys(files)) await client.waitForDiagnostics(uri, (p) => p.version === 1);
  const codes = (uri: string) => (client.latest(uri)?.diagnostics ?? []).map((d) => d.code);
  assert.ok(codes('file:///ws/a.yaml').includes('EL101'), 'before: team-a is unrestricted');
  // Everything before this point has been received once a request sent now is answered (messages keep their order).
  const settle = () => client.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///ws/b.yaml' }, position: { line: 0, character: 0 } });
  await settle();

  // A default-deny for team-a: a.yaml changes (EL101 goes), b.yaml and c.yaml do not.
  let mark = client.published.length;
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///ws/policy.yaml', version: 2 }, contentChanges: [{ text: files['file:///ws/policy.yaml'] + DENY }] });
  await client.waitForDiagnostics('file:///ws/policy.yaml', (p) => p.version === 2);
  await client.waitForDiagnostics('file:///ws/a.yaml', (p) => !p.diagnostics.some((d) => d.code === 'EL101'));
  await settle();
  let since = client.published.slice(mark).map((p) => p.uri);
  assert.deepEqual(since.filter((u) => u === 'file:///ws/a.yaml').length, 1, 'a.yaml republished once');
  assert.deepEqual(since.filter((u) => u === 'file:///ws/b.yaml' || u === 'file:///ws/c.yaml'), [], 'files the edit did not change are not republished');

  // An edit that changes no finding anywhere: only the edited file gets its new version.
  mark = client.published.length;
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///ws/policy.yaml', version: 3 }, contentChanges: [{ text: '# the default-deny of team-a\n' + DENY }] });
  await client.waitForDiagnostics('file:///ws/policy.yaml', (p) => p.version === 3);
  await settle();
  since = client.published.slice(mark).map((p) => p.uri);
  assert.deepEqual(since, ['file:///ws/policy.yaml']);
});
