/**
 * The protocol's edge, against the bundled server over stdio: requests before `initialize` get -32002 and
 * notifications are dropped; after `shutdown`, and for a second `initialize`, -32600; wrong parameters get
 * -32602 with a message that names the parameter, for every request the server handles, standard and
 * custom alike, never -32603 with a TypeError from a handler.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LspClient, serverOnExamples } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';
import { REQUEST_PARAMS, NOTIFICATION_PARAMS } from '../../server/src/lsp/params';
import { PanelRequests, ReportRequests, Requests, ScaffoldRequests } from '../../server/src/lsp/protocol';

interface RpcError {
  code: number;
  message: string;
}

async function errorOf(p: Promise<unknown>): Promise<RpcError> {
  try {
    const result = await p;
    return { code: 0, message: `answered ${JSON.stringify(result)?.slice(0, 200)}` };
  } catch (e) {
    return { code: (e as RpcError).code, message: (e as RpcError).message };
  }
}

test('before initialize: requests get -32002, notifications are dropped, exit still works', async (t) => {
  const ws = tempCopy();
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  for (const method of ['textDocument/hover', 'workspace/symbol', Requests.namespaces, 'shutdown']) {
    const e = await errorOf(client.connection.sendRequest(method, method === 'textDocument/hover' ? { textDocument: { uri: ws.uri('a.yaml') }, position: { line: 0, character: 0 } } : method === 'workspace/symbol' ? { query: '' } : undefined));
    assert.equal(e.code, -32002, `${method}: ${e.message}`);
    assert.match(e.message, /the server is not initialized yet/);
  }
  // Opened before initialize: dropped, so it is not part of the workspace afterwards.
  const early = ws.uri('early-open.yaml');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: early, languageId: 'yaml', version: 1, text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: early-bird, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: early}}\n' } });
  await client.initialize(ws.uri(''));
  const symbols = await client.connection.sendRequest<{ name: string }[]>('workspace/symbol', { query: 'early-bird' });
  assert.deepEqual(symbols.map((s) => s.name), []);
  const again = await errorOf(client.connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }));
  assert.equal(again.code, -32600, again.message);
});

test('after shutdown: requests get -32600', async () => {
  const ws = tempCopy();
  const client = new LspClient();
  try {
    await client.initialize(ws.uri(''));
    await client.connection.sendRequest('shutdown');
    const e = await errorOf(client.connection.sendRequest('workspace/symbol', { query: '' }));
    assert.equal(e.code, -32600, e.message);
    assert.match(e.message, /shutting down/);
  } finally {
    await client.connection.sendNotification('exit');
    client.process.kill();
    ws.cleanup();
  }
});

test('every request the server handles has its parameters checked: a schema for each, standard and custom', () => {
  const custom = [...Object.values(Requests), ...Object.values(PanelRequests), ...Object.values(ScaffoldRequests), ...Object.values(ReportRequests)];
  const standard = ['initialize', 'shutdown', 'textDocument/codeAction', 'textDocument/hover', 'textDocument/definition', 'textDocument/references', 'textDocument/completion', 'textDocument/codeLens', 'textDocument/documentSymbol', 'workspace/symbol'];
  assert.deepEqual(Object.keys(REQUEST_PARAMS).sort(), [...standard, ...custom].sort());
  assert.deepEqual(Object.keys(NOTIFICATION_PARAMS).sort(), ['initialized', 'textDocument/didChange', 'textDocument/didClose', 'textDocument/didOpen', 'textDocument/didSave', 'workspace/didChangeConfiguration', 'workspace/didChangeWatchedFiles']);
});

test('wrong parameters: -32602 with a message naming the parameter, for every request that takes parameters', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const doc = ws.uri('shop/foo-deny-egress.yaml');
  const cases: [string, unknown, RegExp][] = [
    ['textDocument/hover', { textDocument: { uri: doc }, position: { line: 'x', character: 0 } }, /^textDocument\/hover: params\.position\.line must be integer\.$/],
    ['textDocument/hover', { textDocument: { uri: doc } }, /^textDocument\/hover: params\.position is missing\.$/],
    ['textDocument/codeAction', { textDocument: { uri: doc }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [{}] } }, /params\.context\.diagnostics\[0\]\.range is missing/],
    ['textDocument/references', { textDocument: { uri: doc }, position: { line: 0, character: 0 } }, /params\.context is missing/],
    ['workspace/symbol', {}, /params\.query is missing/],
    [Requests.scaffoldDefaultDeny, { namespace: 'shop', allowDns: 'yes' }, /params\.allowDns must be boolean/],
    [ScaffoldRequests.allowEgress, { from: 'shop/foo[Deployment]', to: { kind: 'workload' }, ports: [], mechanism: 'cilium' }, /params\.to\.id is missing/],
    [ScaffoldRequests.allowEgress, { from: 'shop/foo[Deployment]', to: { kind: 'planet' }, ports: [], mechanism: 'cilium' }, /params\.to\.kind must be one of "workload", "cidr", "host"/],
    [ScaffoldRequests.gateway, { host: 'api.example.com', protocol: 'https', namespace: 'shop', style: 'istio', port: 99999 }, /params\.port must be <= 65535/],
    [ScaffoldRequests.gatewayTraffic, { kind: 'rate-limit', host: 'api.example.com', perMinute: 0 }, /params\.perMinute must be >= 1/],
    [ScaffoldRequests.gatewayTraffic, { kind: 'traffic-policy', host: 'api.example.com' }, /params\.namespace is missing/],
    [ScaffoldRequests.gatewayTraffic, { kind: 'firewall' }, /params\.kind must be one of "traffic-policy", "gateway-access-logs", "rate-limit"/],
    [ReportRequests.exportReachability, { format: 'pdf' }, /params\.format must be one of/],
    [PanelRequests.explain, { src: 'shop/foo[Deployment]' }, /^egressLens\/explain: params\.dst is missing\.$/],
  ];
  for (const [method, params, message] of cases) {
    const e = await errorOf(client.connection.sendRequest(method, params));
    assert.equal(e.code, -32602, `${method} ${JSON.stringify(params)}: ${e.message}`);
    assert.match(e.message, message);
  }
  // Parameters of the wrong kind altogether, for every request that reads any.
  for (const [method, schema] of Object.entries(REQUEST_PARAMS)) {
    if (Object.keys(schema).length === 0 || method === 'initialize' || method === 'shutdown') continue;
    const e = await errorOf(client.connection.sendRequest(method, 42));
    assert.equal(e.code, -32602, `${method}: ${e.message}`);
    assert.ok(e.message.startsWith(`${method}: params `), e.message);
  }
  // A notification with wrong parameters is dropped; the server goes on.
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 42 } });
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: doc, type: 'changed' }] });
  const symbols = await client.connection.sendRequest<unknown[]>('workspace/symbol', { query: '' });
  assert.ok(symbols.length > 0);
  // And the method of the gate's own cannot be called to forge an error.
  const forged = await errorOf(client.connection.sendRequest('egressLens/$refused', { code: 1, message: 'x' }));
  assert.equal(forged.code, -32601, forged.message);
});
