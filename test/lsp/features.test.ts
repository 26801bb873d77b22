// The language features over the protocol, against the bundled server on a copy of the examples: hover,
// code lens, definition, references, symbols, completion, indexing progress and the status notification.
// Latencies of hover and completion are printed (measured, not asserted).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeLens, CompletionList, DocumentSymbol, Hover, Location, LocationLink, MarkupContent, Position, WorkspaceSymbol } from 'vscode-languageserver-protocol';
import { at } from '../support/positions';
import { LspClient, serverOnExamples } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';
import type { StatusParams } from '../../server/src/lsp/protocol';

type Ws = ReturnType<typeof tempCopy>;

function docOf(ws: Ws, rel: string, text = readFileSync(path.join(ws.dir, rel), 'utf8')): TextDocument {
  return TextDocument.create(ws.uri(rel), 'yaml', 1, text);
}


/** 1-based line of a needle, as `#L` links carry it. */
const lineOf = (doc: TextDocument, needle: string) => at(doc, needle).line + 1;

async function hover(client: LspClient, doc: TextDocument, position: Position): Promise<string | undefined> {
  const h = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: doc.uri }, position });
  return h ? (h.contents as MarkupContent).value : undefined;
}

/** A server on a copy of the examples, not initialized yet (the test sends its own client capabilities). */
function uninitialized(t: { after: (fn: () => Promise<void>) => void }): { client: LspClient; ws: Ws } {
  const ws = tempCopy();
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  return { client, ws };
}

/** Resolves when the server reports the indexed workspace (the status notification, ready, with workloads). */
function indexed(client: LspClient): Promise<StatusParams> {
  return new Promise((resolve) => {
    client.connection.onNotification('egressLens/status', (p: StatusParams) => {
      if (p.state === 'ready' && p.workloads > 0) resolve(p);
    });
  });
}

async function openDoc(client: LspClient, doc: TextDocument): Promise<void> {
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: doc.uri, languageId: 'yaml', version: doc.version, text: doc.getText() } });
  await client.waitForDiagnostics(doc.uri, (p) => p.version === doc.version);
}

test('hover: a workload egress, a policy, a selector; links to the YAML lines', async (t) => {
  const { client, ws, init } = await serverOnExamples(t);
  const ready = indexed(client);
  assert.equal(init.capabilities.hoverProvider, true);
  const shop = docOf(ws, 'shop/foo-deny-egress.yaml');
  const pay = docOf(ws, 'payments/payments.yaml');
  const etl = docOf(ws, 'analytics/etl.yaml');
  await ready;

  const foo = await hover(client, shop, at(shop, 'name: foo\n', 7));
  assert.ok(foo, 'a hover on the workload foo');
  assert.match(foo, /Deployment shop\/foo\*\* · egress \*\*unrestricted\*\*/);
  assert.match(foo, /any destination/);
  assert.ok(foo.includes(`](${shop.uri}#L${lineOf(shop, 'name: foo-deny-egress')})`), `links the ingress-only policy at its line:\n${foo}`);
  assert.match(foo, /egress rules are ignored/);

  const ledger = await hover(client, pay, at(pay, 'name: ledger\n', 8));
  assert.ok(ledger);
  assert.match(ledger, /egress restricted · 2 destinations/);
  assert.ok(ledger.includes(`[payments/postgres\\[StatefulSet\\]](${pay.uri}#L${lineOf(pay, 'name: postgres')}): TCP 5432`), ledger);
  assert.match(ledger, /kube-system\/cluster-dns\\\[assumed\\\]: TCP 53, UDP 53/);
  assert.ok(ledger.includes(`[NetworkPolicy payments/default-deny-egress](${pay.uri}#L${lineOf(pay, 'name: default-deny-egress')})`), ledger);
  assert.ok(ledger.includes(`[NetworkPolicy payments/ledger-to-postgres](${pay.uri}#L${lineOf(pay, 'name: ledger-to-postgres')})`), ledger);

  const policy = await hover(client, pay, at(pay, 'name: ledger-to-postgres', 8));
  assert.ok(policy);
  assert.match(policy, /NetworkPolicy payments\/ledger-to-postgres\*\* · selects 1 workload · allows 1 destination/);
  assert.ok(policy.includes(`Selects [payments/ledger\\[Deployment\\]](${pay.uri}#L${lineOf(pay, 'name: ledger\n')})`), policy);
  assert.match(policy, /allows TCP 5432 to \[payments\/postgres/);
  assert.match(policy, /Ingress: not restricted by this policy/);

  // The namespaceSelector with `name: payments` (EL109): no namespace carries that label.
  const nsSel = await hover(client, etl, at(etl, 'name: payments', 2));
  assert.match(nsSel ?? '', /\*\*namespaceSelector\*\* `name=payments` matches no namespace/);
  const monitoring = await hover(client, etl, at(etl, 'kubernetes.io/metadata.name: monitoring', 30));
  assert.ok(monitoring?.includes(`matches 1 namespace: [monitoring](${etl.uri}#L${lineOf(etl, 'name: monitoring')})`), monitoring);
  // A pod selector in a peer with a namespaceSelector: pods of those namespaces (the assumed cluster DNS).
  const dns = await hover(client, pay, at(pay, 'podSelector:\n        matchLabels:\n          k8s-app', 2));
  assert.match(dns ?? '', /\*\*podSelector\*\* `k8s-app=kube-dns` in namespaces matching kubernetes\.io\/metadata\.name=kube-system matches 1 workload: kube-system\/cluster-dns/);

  // Nothing of ours on plain fields (the YAML schema extension hovers those).
  assert.equal(await hover(client, pay, at(pay, 'image: registry', 10)), undefined);
  assert.equal(await hover(client, pay, at(pay, 'apiVersion', 3)), undefined);

  // Latency: median of repeated hovers on a workload (printed, not asserted).
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    await hover(client, pay, at(pay, 'name: ledger\n', 8));
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  console.log(`# hover latency on the examples: median ${times[20].toFixed(2)} ms, max ${times[39].toFixed(2)} ms (40 requests)`);
});

test('code lens: workloads and policies, with the commands the client runs', async (t) => {
  const { client, ws, init } = await serverOnExamples(t);
  const ready = indexed(client);
  assert.ok(init.capabilities.codeLensProvider);
  const pay = docOf(ws, 'payments/payments.yaml');
  const shop = docOf(ws, 'shop/foo-deny-egress.yaml');
  await ready;
  const lenses = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: pay.uri } });
  assert.deepEqual(
    lenses.map((l) => [l.range.start.line + 1, l.command?.title]),
    [
      [lineOf(pay, 'apiVersion: networking.k8s.io/v1'), 'selects 2 workloads · allows 1 destination'],
      [at(pay, 'apiVersion: networking.k8s.io/v1', 0, 1).line + 1, 'selects 1 workload · allows 1 destination'],
      [at(pay, 'apiVersion: apps/v1').line + 1, 'egress: 2 destinations'],
      [at(pay, 'apiVersion: apps/v1', 0, 1).line + 1, 'egress: 1 destination'],
    ],
  );
  const ledger = lenses[2].command!;
  assert.equal(ledger.command, 'egressLens.showReachability');
  assert.deepEqual(ledger.arguments, [{ focus: 'payments/ledger[Deployment]' }]);
  const policy = lenses[1].command!;
  assert.equal(policy.command, 'egressLens.showReferences');
  const [uri, position, locations] = policy.arguments as [string, Position, Location[]];
  assert.equal(uri, pay.uri);
  assert.deepEqual(position, at(pay, 'ledger-to-postgres'));
  assert.deepEqual(locations, [{ uri: pay.uri, range: { start: at(pay, 'name: ledger\n', 6), end: at(pay, 'name: ledger\n', 12) } }]);

  const shopLenses = await client.connection.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: shop.uri } });
  assert.deepEqual(shopLenses.map((l) => l.command?.title), ['selects 1 workload · ingress only', 'egress: unrestricted', 'egress: unrestricted']);
});

test('definition from selectors, references from a workload', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  const ready = indexed(client);
  const pay = docOf(ws, 'payments/payments.yaml');
  const etl = docOf(ws, 'analytics/etl.yaml');
  await ready;
  const def = (doc: TextDocument, p: Position) => client.connection.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri: doc.uri }, position: p });

  // podSelector of the ledger's rule -> the postgres StatefulSet (its name).
  const postgres = await def(pay, at(pay, 'podSelector:\n        matchLabels:\n          app: postgres', 3));
  assert.deepEqual(postgres, [{ uri: pay.uri, range: { start: at(pay, 'name: postgres', 6), end: at(pay, 'name: postgres', 14) } }]);
  // The policy's own podSelector ({}): every workload of the namespace.
  const all = await def(pay, at(pay, 'podSelector: {}', 3));
  assert.deepEqual(all.map((l) => pay.getText(l.range)), ['ledger', 'postgres']);
  // namespaceSelector -> the Namespace object; `name: payments` matches none.
  const ns = await def(etl, at(etl, 'kubernetes.io/metadata.name: monitoring', 4));
  assert.deepEqual(ns.map((l) => [l.uri, etl.getText(l.range)]), [[etl.uri, 'monitoring']]);
  assert.deepEqual(await def(etl, at(etl, 'name: payments', 1)), []);
  // Not a selector: nothing.
  assert.deepEqual(await def(pay, at(pay, 'image: postgres', 2)), []);

  const refs = await client.connection.sendRequest<Location[]>('textDocument/references', { textDocument: { uri: pay.uri }, position: at(pay, 'name: ledger\n', 7), context: { includeDeclaration: false } });
  assert.deepEqual(refs.map((l) => pay.getText(l.range)), ['default-deny-egress', 'ledger-to-postgres']);
  const withDecl = await client.connection.sendRequest<Location[]>('textDocument/references', { textDocument: { uri: pay.uri }, position: at(pay, 'kind: Deployment', 7), context: { includeDeclaration: true } });
  assert.deepEqual(withDecl.map((l) => pay.getText(l.range)), ['ledger', 'default-deny-egress', 'ledger-to-postgres']);
});

test('definition as LocationLink for clients that support it', async (t) => {
  const { client, ws } = uninitialized(t);
  await client.connection.sendRequest('initialize', { processId: process.pid, rootUri: ws.uri(''), capabilities: { textDocument: { definition: { linkSupport: true } } } });
  const ready = indexed(client);
  await client.connection.sendNotification('initialized', {});
  const pay = docOf(ws, 'payments/payments.yaml');
  await ready;
  const links = await client.connection.sendRequest<LocationLink[]>('textDocument/definition', { textDocument: { uri: pay.uri }, position: at(pay, 'app: postgres', 1) });
  assert.equal(links.length, 1);
  assert.equal(pay.getText(links[0].targetSelectionRange), 'postgres');
  assert.match(pay.getText(links[0].targetRange), /^apiVersion: apps\/v1\nkind: StatefulSet[\s\S]*containerPort: 5432$/);
});

test('document and workspace symbols', async (t) => {
  const { client, ws, init } = await serverOnExamples(t);
  const ready = indexed(client);
  assert.ok(init.capabilities.documentSymbolProvider && init.capabilities.workspaceSymbolProvider);
  const etl = docOf(ws, 'analytics/etl.yaml');
  await ready;
  const symbols = await client.connection.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: etl.uri } });
  assert.deepEqual(
    symbols.map((s) => [s.name, s.detail, s.kind, etl.getText(s.selectionRange)]),
    [
      ['analytics', 'Namespace', 3, 'analytics'],
      ['monitoring', 'Namespace', 3, 'monitoring'],
      ['etl', 'Deployment · analytics', 5, 'etl'],
      ['default-deny-egress', 'NetworkPolicy · analytics', 11, 'default-deny-egress'],
      ['etl-egress', 'NetworkPolicy · analytics', 11, 'etl-egress'],
    ],
  );
  assert.match(etl.getText(symbols[2].range), /^apiVersion: apps\/v1\nkind: Deployment[\s\S]*etl:0\.9\.1$/);
  const found = await client.connection.sendRequest<WorkspaceSymbol[]>('workspace/symbol', { query: 'postgres' });
  assert.deepEqual(found.map((s) => [s.name, s.containerName]), [
    ['postgres', 'StatefulSet · payments'],
    ['ledger-to-postgres', 'NetworkPolicy · payments'],
  ]);
  const loc = found[0].location as Location;
  assert.equal(loc.uri, ws.uri('payments/payments.yaml'));
});

test('completion: label keys and values, namespace names, named ports; nothing elsewhere', async (t) => {
  const { client, ws } = await serverOnExamples(t);
  await indexed(client);
  // A policy being written: a pod selector's matchLabels, a namespace label value, a named port, a namespace field.
  const text = [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata:',
    '  name: new-policy',
    '  namespace: ',
    'spec:',
    '  podSelector:',
    '    matchLabels:',
    '      ',
    '  egress:',
    '  - to:',
    '    - podSelector:',
    '        matchLabels:',
    '          app: ',
    '    - namespaceSelector:',
    '        matchLabels:',
    '          kubernetes.io/metadata.name: ',
    '    ports:',
    '    - port: ',
    '',
  ].join('\n');
  const doc = docOf(ws, 'payments/new-policy.yaml', text);
  await openDoc(client, doc);
  const complete = async (p: Position) => (await client.connection.sendRequest<CompletionList>('textDocument/completion', { textDocument: { uri: doc.uri }, position: p })).items;
  const lineEnd = (n: number) => ({ line: n, character: doc.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\n$/, '').length });

  const keys = await complete(lineEnd(8));
  assert.deepEqual(keys.map((i) => i.label).sort(), ['app', 'k8s-app']);
  const app = keys.find((i) => i.label === 'app')!;
  assert.equal((app.textEdit as { newText: string }).newText, 'app: ');
  assert.match(app.detail!, /label of 6 workloads/);
  assert.ok(app.sortText! < keys.find((i) => i.label === 'k8s-app')!.sortText!, 'labels of the namespace first');

  const values = await complete(lineEnd(13));
  assert.deepEqual(values.map((i) => i.label).sort(), ['api', 'etl', 'foo', 'ledger', 'postgres', 'web']);
  assert.ok(values.find((i) => i.label === 'ledger')!.sortText! < values.find((i) => i.label === 'web')!.sortText!, 'pods of the policy namespace first');

  const namespaces = await complete(lineEnd(16));
  // The new policy has no namespace yet: it is in `default`, which is offered too.
  assert.deepEqual(namespaces.map((i) => i.label).sort(), ['analytics', 'default', 'kube-system', 'monitoring', 'payments', 'shop']);

  const ns = await complete(lineEnd(4));
  assert.deepEqual(ns.map((i) => i.label).sort(), ['analytics', 'default', 'monitoring', 'payments', 'shop']);

  // Named ports of the rule's destinations: none while the peers match no pod; once the policy is in
  // payments and its pod selector names postgres, the StatefulSet's port.
  const ports = await complete(lineEnd(18));
  assert.deepEqual(ports.map((i) => i.label), []);
  const named = docOf(ws, 'payments/new-policy.yaml', text.replace('  namespace: \n', '  namespace: payments\n').replace('          app: \n', '          app: postgres\n'));
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: doc.uri, version: 2 }, contentChanges: [{ text: named.getText() }] });
  await client.waitForDiagnostics(doc.uri, (p) => p.version === 2);
  const postgresPort = await complete(lineEnd(18));
  assert.deepEqual(postgresPort.map((i) => [i.label, i.detail]), [['postgres', 'TCP 5432 on payments/postgres[StatefulSet]']]);

  // Schema keys and plain values are left to the YAML schema extension.
  assert.deepEqual(await complete({ line: 1, character: 6 }), []);
  assert.deepEqual(await complete({ line: 6, character: 2 }), []);

  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    await complete(lineEnd(13));
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  console.log(`# completion latency on the examples: median ${times[20].toFixed(2)} ms, max ${times[39].toFixed(2)} ms (40 requests)`);
});

test('indexing: workDoneProgress begin/report/end, then the status with the unrestricted count', async (t) => {
  const { client, ws } = uninitialized(t);
  const created: unknown[] = [];
  const progress: { kind: string; message?: string; percentage?: number }[] = [];
  const statuses: StatusParams[] = [];
  let ready!: () => void;
  const readyWithCounts = new Promise<void>((resolve) => (ready = resolve));
  client.connection.onRequest('window/workDoneProgress/create', (p) => {
    created.push(p);
    return null;
  });
  client.connection.onNotification('$/progress', (p: { value: { kind: string; message?: string; percentage?: number } }) => {
    progress.push(p.value);
  });
  client.connection.onNotification('egressLens/status', (p: StatusParams) => {
    statuses.push(p);
    if (p.state === 'ready' && p.workloads > 0) ready();
  });
  await client.connection.sendRequest('initialize', { processId: process.pid, rootUri: ws.uri(''), capabilities: { window: { workDoneProgress: true } } });
  await client.connection.sendNotification('initialized', {});
  await readyWithCounts;
  assert.equal(created.length, 1, 'one progress token created');
  assert.equal(progress[0].kind, 'begin');
  assert.equal(progress[progress.length - 1].kind, 'end');
  const last = progress.filter((p) => p.kind === 'report').pop();
  assert.equal(last?.message, '5/5 files');
  assert.equal(last?.percentage, 100);
  assert.equal(statuses[0].state, 'indexing');
  assert.ok(statuses.some((s) => s.state === 'indexing' && s.total === 5 && s.indexed === 5));
  assert.deepEqual(statuses[statuses.length - 1], { state: 'ready', workloads: 6, unrestricted: 2, policies: 6 });

  // An edit that restricts shop: the status follows the analysis.
  const shop = docOf(ws, 'shop/foo-deny-egress.yaml');
  const fixed = shop.getText().replace('  - Ingress\n', '  - Ingress\n  - Egress\n');
  const next = new Promise<StatusParams>((resolve) =>
    client.connection.onNotification('egressLens/status', (p: StatusParams) => {
      if (p.unrestricted === 1) resolve(p);
    }),
  );
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: shop.uri, languageId: 'yaml', version: 1, text: fixed } });
  assert.deepEqual(await next, { state: 'ready', workloads: 6, unrestricted: 1, policies: 6 });
});
