/**
 * The reachability panel's requests over the wire: egressLens/reachability, egressLens/explain,
 * egressLens/workloadLenses and the egressLens/reachabilityChanged notification, against the
 * bundled server on a copy of the examples.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient, serverOnExamples } from '../support/lsp-client';
import { applyReachabilityDelta } from '../../server/src/engine/lang/panel/delta';
import type {
  ExplainLink,
  ExplainParams,
  ExplainResult,
  PanelLocation,
  PanelPosition,
  ReachabilityChangedParams,
  ReachabilityDeltaResult,
  ReachabilityParams,
  ReachabilityResult,
  ReachEdge,
  StatusParams,
  WorkloadLens,
} from '../../server/src/lsp/protocol';

const FOO = 'shop/foo[Deployment]';
const WEB = 'shop/web[Deployment]';
const API = 'shop/api[Deployment]';
const ETL = 'analytics/etl[Deployment]';
const LEDGER = 'payments/ledger[Deployment]';
const POSTGRES = 'payments/postgres[StatefulSet]';
const LAKE = 'ip:10.40.0.0-10.40.255.255';
const INTERNET = 'internet';

type Ws = Awaited<ReturnType<typeof serverOnExamples>>['ws'];

/** A server on the examples, indexed (the first diagnostics of the workspace are out). */
async function indexed(t: Parameters<typeof serverOnExamples>[0]) {
  const { client, ws } = await serverOnExamples(t);
  await client.waitForDiagnostics(ws.uri('shop/foo-deny-egress.yaml'), (p) => p.diagnostics.length > 0);
  return { client, ws };
}

const reachability = (client: LspClient, params: ReachabilityParams = {}) => client.connection.sendRequest<ReachabilityResult>('egressLens/reachability', params);
const explain = (client: LspClient, params: ExplainParams) => client.connection.sendRequest<ExplainResult>('egressLens/explain', params);

/** The text a location covers, read from the file on disk. */
function textAt(loc: PanelLocation): string {
  const doc = TextDocument.create(loc.uri, 'yaml', 0, readFileSync(fileURLToPath(loc.uri), 'utf8'));
  return doc.getText(loc.range);
}

/** The whole line a location starts on. */
function lineAt(loc: PanelLocation): string {
  return readFileSync(fileURLToPath(loc.uri), 'utf8').split('\n')[loc.range.start.line];
}

/** Where a text first occurs in a file (after `after`, when given), as an LSP position. */
function positionOf(ws: Ws, rel: string, text: string, after = ''): PanelPosition {
  const uri = ws.uri(rel);
  const src = readFileSync(fileURLToPath(uri), 'utf8');
  const at = src.indexOf(text, after ? src.indexOf(after) : 0);
  assert.ok(at >= 0, `${text} in ${rel}`);
  return TextDocument.create(uri, 'yaml', 0, src).positionAt(at);
}

/** Edges as `src -> dst` ids with their connections and verdict. */
function edgeList(r: ReachabilityResult, pred: (e: ReachEdge) => boolean = () => true): string[] {
  return r.edges
    .filter(pred)
    .map((e) => `${r.nodes[e.src].id} -> ${r.nodes[e.dst].id}: ${r.conns[e.conns].text} (${e.verdict})`)
    .sort();
}

function allLinks(x: ExplainResult): ExplainLink[] {
  return x.sections.flatMap((s) => s.items.flatMap((i) => i.links));
}

test('Panel: reachability of the examples (nodes, namespaces, verdicts, connections)', async (t) => {
  const { client } = await indexed(t);
  const r = await reachability(client);
  assert.ok(r.revision > 0);
  assert.equal(r.focus, undefined);

  const workloads = r.nodes.filter((n) => n.kind === 'workload');
  assert.deepEqual(workloads.map((n) => n.id).sort(), [ETL, LEDGER, POSTGRES, API, FOO, WEB].sort());
  for (const n of workloads) {
    assert.equal(n.id, `${n.namespace}/${n.label}[${n.workloadKind}]`);
    assert.ok(n.location, `${n.id} has a location`);
    assert.equal(textAt(n.location), n.label, `${n.id} links to its metadata.name`);
  }
  const open = workloads.filter((n) => !n.egressRestricted).map((n) => n.id);
  assert.deepEqual(open.sort(), [FOO, WEB], 'foo (policyTypes without Egress) and web (no policy) are unrestricted');
  assert.equal(workloads.find((n) => n.id === FOO)!.ingressRestricted, true, 'foo-deny-egress restricts ingress');
  assert.deepEqual(workloads.find((n) => n.id === ETL)!.labels, { app: 'etl' });

  const external = r.nodes.filter((n) => n.kind !== 'workload' && n.kind !== 'exposure');
  assert.deepEqual(
    external.map((n) => [n.id, n.kind, n.label]),
    [
      [LAKE, 'external', '10.40.0.0/16'],
      [INTERNET, 'internet', 'internet'],
    ],
    'the block a rule names, then the rest of the address space',
  );

  assert.deepEqual(
    r.namespaces.map((ns) => [ns.name, ns.declared]),
    [
      ['analytics', true],
      ['monitoring', true],
      ['payments', true],
      ['shop', true],
    ],
  );
  for (const ns of r.namespaces) assert.equal(textAt(ns.location!), ns.name);
  assert.deepEqual(r.namespaces.find((ns) => ns.name === 'payments')!.labels, { 'kubernetes.io/metadata.name': 'payments', team: 'payments' });

  // Pods that may come: what the policies admit by label and no manifest holds (dashed in the panel).
  assert.deepEqual(
    r.nodes.filter((n) => n.kind === 'exposure').map((n) => `${n.label} = ${n.selector}`),
    [
      'any pod in a namespace with name=payments = [namespace with {name=payments}]/[all pods]',
      'any pod with app=pushgateway in analytics = analytics/[pod with {app=pushgateway}]',
      'any pod in monitoring = monitoring/[all pods]',
      'any pod with k8s-app=kube-dns in kube-system = kube-system/[pod with {k8s-app=kube-dns}]',
      'any pod in any namespace = entire-cluster',
    ],
  );
  assert.deepEqual(r.stats, { workloads: 6, edges: r.edges.filter((e) => e.verdict !== 'exposure').length, unrestrictedWorkloads: 2 });

  // Every edge out of an unrestricted workload is unrestricted and allows everything; foo's ingress is
  // closed, so nothing reaches it.
  const everywhere = (src: string, except: string[]) =>
    [ETL, LEDGER, POSTGRES, API, FOO, WEB, LAKE, INTERNET].filter((d) => d !== src && !except.includes(d)).map((d) => `${src} -> ${d}: All Connections (unrestricted)`);
  assert.deepEqual(
    edgeList(r, (e) => r.nodes[e.src].kind === 'workload' && e.verdict === 'unrestricted'),
    [...everywhere(FOO, []), ...everywhere(WEB, [FOO])].sort(),
  );
  assert.deepEqual(
    edgeList(r, (e) => e.verdict !== 'unrestricted' && e.verdict !== 'exposure'),
    [
      `${ETL} -> ${LAKE}: TCP 443 (allowed)`,
      `${LEDGER} -> ${POSTGRES}: TCP 5432 (allowed)`,
      ...[ETL, LEDGER, POSTGRES, WEB, LAKE, INTERNET].map((d) => `${API} -> ${d}: TCP 443,8000 (allowed)`),
    ].sort(),
    'etl reaches the data lake only (its payments rule selects a label no namespace has); api is limited to ports',
  );
  // From outside, the internet reaches every workload whose ingress no policy restricts.
  assert.deepEqual(
    edgeList(r, (e) => r.nodes[e.src].kind !== 'workload').map((s) => s.split(' -> ')[1].split(':')[0]),
    [ETL, LEDGER, POSTGRES, API, WEB].sort(),
  );
  // Each connection set is given once, with its port intervals.
  assert.equal(new Set(r.conns.map((c) => c.text)).size, r.conns.length);
  const lake = r.conns.find((c) => c.text === 'TCP 443')!;
  assert.deepEqual([lake.all, lake.TCP, lake.UDP], [false, [[443, 443]], undefined]);
});

test('Panel: reachability focused on a workload, by id or by a place in a document', async (t) => {
  const { client, ws } = await indexed(t);
  const all = await reachability(client);

  const web = await reachability(client, { focus: WEB });
  assert.equal(web.focus, WEB);
  assert.deepEqual(edgeList(web), edgeList(all, (e) => all.nodes[e.src].id === WEB || all.nodes[e.dst].id === WEB), 'every edge from and to web, and only those');
  const ends = new Set(web.edges.flatMap((e) => [web.nodes[e.src].id, web.nodes[e.dst].id]));
  assert.deepEqual(web.nodes.map((n) => n.id).sort(), [...ends].sort(), 'only the nodes those edges touch');
  assert.deepEqual(web.stats, all.stats, 'the counts stay those of the workspace');

  // The cursor on web's container image: focus on web.
  const inWeb = await reachability(client, { at: { uri: ws.uri('shop/foo-deny-egress.yaml'), position: positionOf(ws, 'shop/foo-deny-egress.yaml', 'image:', 'name: web') } });
  assert.equal(inWeb.focus, WEB);
  // The cursor on foo's name: foo, even when another focus is asked for.
  const onFoo = await reachability(client, { focus: WEB, at: { uri: ws.uri('shop/foo-deny-egress.yaml'), position: positionOf(ws, 'shop/foo-deny-egress.yaml', 'foo', 'kind: Deployment') } });
  assert.equal(onFoo.focus, FOO);
  assert.deepEqual(edgeList(onFoo), edgeList(all, (e) => all.nodes[e.src].id === FOO || all.nodes[e.dst].id === FOO));
  // The cursor in a NetworkPolicy: no workload there, the whole workspace.
  const inPolicy = await reachability(client, { at: { uri: ws.uri('payments/payments.yaml'), position: positionOf(ws, 'payments/payments.yaml', 'k8s-app') } });
  assert.equal(inPolicy.focus, undefined);
  assert.equal(inPolicy.edges.length, all.edges.length);
  // An unknown id: the whole workspace.
  const unknown = await reachability(client, { focus: 'shop/nothing[Deployment]' });
  assert.equal(unknown.focus, undefined);
  assert.equal(unknown.nodes.length, all.nodes.length);
});

test('Panel: explain an edge gives every deciding rule, each linked to its lines', async (t) => {
  const { client } = await indexed(t);

  // The risk: foo's egress is open, because foo-deny-egress lists only Ingress.
  const risk = await explain(client, { src: FOO, dst: INTERNET });
  assert.equal(risk.verdict, 'unrestricted');
  assert.equal(risk.conns, 'All Connections');
  assert.match(risk.summary, /shop\/foo\[Deployment\] reaches every destination: no policy selects them for egress/);
  const why = risk.sections[0];
  assert.equal(why.heading, 'Why this is a risk');
  assert.deepEqual(why.items.map((i) => i.tone), ['risk', 'risk']);
  const [defined, ignored] = why.items.map((i) => i.links[0].location);
  assert.equal(textAt(defined), 'foo');
  assert.match(lineAt(defined), /^ {2}name: foo$/);
  assert.match(why.items[1].text, /policyTypes leave out Egress/);
  assert.match(textAt(ignored), /^- Ingress\s*$/, 'the link opens the policyTypes that lack Egress');

  // An explicit allow: the rule that allows it, and the policies whose other rules do not.
  const lake = await explain(client, { src: ETL, dst: LAKE });
  assert.equal(lake.verdict, 'allowed');
  assert.equal(lake.title, 'analytics/etl[Deployment] → 10.40.0.0/16');
  assert.equal(lake.summary, 'Allowed: TCP 443.');
  const items = lake.sections.flatMap((s) => s.items);
  const allow = items.filter((i) => i.tone === 'allow');
  assert.deepEqual(allow.map((i) => [i.conns, i.links.map((l) => l.label)]), [['TCP 443', ['NetworkPolicy analytics/etl-egress, spec.egress[2]']]]);
  const rule = textAt(allow[0].links[0].location);
  assert.match(lineAt(allow[0].links[0].location), /^ {2}- to:$/, 'starts on the rule');
  assert.match(rule, /cidr: 10\.40\.1\.7\/16/);
  assert.match(rule, /port: 443/);
  assert.doesNotMatch(rule, /9091|# the data lake/, 'only that rule');
  const deny = items.filter((i) => i.tone === 'deny');
  assert.equal(deny.length, 1);
  assert.deepEqual(
    deny[0].links.map((l) => [l.label, textAt(l.location)]),
    [
      ['NetworkPolicy analytics/default-deny-egress', 'default-deny-egress'],
      ['NetworkPolicy analytics/etl-egress', 'etl-egress'],
    ],
  );
  for (const l of deny[0].links) assert.ok(l.location.uri.endsWith('/analytics/etl.yaml'));

  // Both sides of an edge between workloads: the egress rule, and the destination's open ingress.
  const db = await explain(client, { src: LEDGER, dst: POSTGRES });
  assert.deepEqual(db.sections.map((s) => s.heading), [
    'Egress of payments/ledger[Deployment]: allows TCP 5432',
    'Ingress of payments/postgres[StatefulSet]: no policy restricts it',
  ]);
  const dbAllow = db.sections[0].items.find((i) => i.tone === 'allow')!;
  assert.match(textAt(dbAllow.links[0].location), /^to:\n\s+- podSelector:\n\s+matchLabels:\n\s+app: postgres\n\s+ports:\n\s+- port: 5432/);

  // No edge: nothing is allowed, and the rule that denies it is named.
  const none = await explain(client, { src: WEB, dst: FOO });
  assert.equal(none.summary, 'No connections are allowed.');
  assert.equal(none.verdict, undefined);
  const closed = none.sections.find((s) => s.heading.startsWith('Ingress of shop/foo'))!;
  assert.deepEqual(closed.items.map((i) => [i.tone, i.links.map((l) => textAt(l.location))]), [['deny', ['foo-deny-egress']]]);

  const gone = await explain(client, { src: 'shop/gone[Deployment]', dst: INTERNET });
  assert.equal(gone.missing, true);
});

test('Panel: explain a node (what restricts it, what names an address block)', async (t) => {
  const { client } = await indexed(t);

  const foo = await explain(client, { node: FOO });
  assert.equal(foo.title, FOO);
  assert.equal(foo.verdict, 'unrestricted');
  const heads = foo.sections.map((s) => s.heading);
  assert.deepEqual(heads, ['Defined in', 'Egress: unrestricted', 'Ingress: restricted', 'Reaches', 'Pod labels']);
  const ingress = foo.sections[2].items;
  assert.deepEqual(ingress.map((i) => [i.tone, textAt(i.links[0].location)]), [['allow', 'foo-deny-egress']]);
  assert.equal(foo.sections[3].items.length, 7, 'reaches every other node but itself');
  assert.ok(foo.sections[3].items.every((i) => i.tone === 'risk'));

  const etl = await explain(client, { node: ETL });
  assert.equal(etl.verdict, 'allowed');
  assert.deepEqual(
    etl.sections.find((s) => s.heading === 'Egress: restricted')!.items.map((i) => textAt(i.links[0].location)),
    ['default-deny-egress', 'etl-egress'],
  );
  assert.deepEqual(etl.sections.find((s) => s.heading === 'Reaches')!.items.map((i) => [i.text, i.conns]), [['10.40.0.0/16', 'TCP 443']]);
  for (const l of allLinks(etl)) assert.ok(l.location.uri.endsWith('/analytics/etl.yaml'), l.label);

  const block = await explain(client, { node: LAKE });
  assert.equal(block.title, '10.40.0.0/16');
  const named = block.sections.find((s) => s.heading === 'Named by')!;
  assert.deepEqual(named.items.map((i) => textAt(i.links[0].location)), ['10.40.1.7/16'], 'the cidr value of the rule');
  assert.deepEqual(
    block.sections.find((s) => s.heading === 'Reached from')!.items.map((i) => [i.text, i.tone]).sort(),
    [
      [ETL, 'allow'],
      [API, 'allow'],
      [FOO, 'risk'],
      [WEB, 'risk'],
    ],
  );

  const internet = await explain(client, { node: INTERNET });
  assert.equal(internet.title, 'internet');
  assert.deepEqual(
    internet.sections.find((s) => s.heading === 'Addresses')!.items.map((i) => i.text),
    ['0.0.0.0-10.39.255.255', '10.41.0.0-255.255.255.255'],
    'every address but the named block',
  );
  assert.equal(internet.sections.find((s) => s.heading === 'Named by'), undefined, 'no rule names the internet');

  assert.equal((await explain(client, { node: 'shop/gone[Deployment]' })).missing, true);
});

test('Panel: workload lenses of a document', async (t) => {
  const { client, ws } = await indexed(t);
  const lenses = (rel: string) => client.connection.sendRequest<WorkloadLens[]>('egressLens/workloadLenses', { uri: ws.uri(rel) });
  const shop = await lenses('shop/foo-deny-egress.yaml');
  assert.deepEqual(shop.map((l) => [l.workload, l.egressRestricted]), [
    [FOO, false],
    [WEB, false],
  ]);
  for (const l of shop) assert.equal(textAt({ uri: ws.uri('shop/foo-deny-egress.yaml'), range: l.range }), l.workload.split('/')[1].split('[')[0]);
  assert.deepEqual((await lenses('payments/payments.yaml')).map((l) => [l.workload, l.egressRestricted]), [
    [LEDGER, true],
    [POSTGRES, true],
  ]);
  assert.deepEqual(await lenses('shop/namespace.yaml'), [], 'a document without workloads');
});

test('Panel: an edit that changes a policy sends reachabilityChanged, and the next answer follows it', async (t) => {
  const { client, ws } = await indexed(t);
  const revisions: number[] = [];
  let wake: (() => void) | undefined;
  client.connection.onNotification('egressLens/reachabilityChanged', (p: ReachabilityChangedParams) => {
    revisions.push(p.revision);
    wake?.();
  });
  const notifiedAbove = async (rev: number): Promise<number> => {
    while (!revisions.some((r) => r > rev)) {
      await new Promise<void>((resolve, reject) => {
        // A guard against hanging, not a synchronisation: the wait ends on the notification.
        const guard = setTimeout(() => reject(new Error(`no reachabilityChanged above revision ${rev} within 20 s (got ${revisions.join(', ')})`)), 20_000);
        wake = () => {
          clearTimeout(guard);
          resolve();
        };
      });
    }
    return Math.max(...revisions);
  };

  const rel = 'shop/foo-deny-egress.yaml';
  const uri = ws.uri(rel);
  const text = readFileSync(fileURLToPath(uri), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await client.waitForDiagnostics(uri, (p) => p.version === 1);
  const before = await reachability(client);
  assert.equal(before.nodes.find((n) => n.id === FOO)!.egressRestricted, false);

  // foo-deny-egress gets Egress: its DNS-only rules now apply (and no kube-dns is in the workspace).
  const edited = text.replace('  policyTypes:\n  - Ingress\n', '  policyTypes:\n  - Ingress\n  - Egress\n');
  assert.notEqual(edited, text);
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  const notified = await notifiedAbove(before.revision);
  const after = await reachability(client);
  assert.ok(after.revision >= notified && notified > before.revision, `revision ${before.revision} -> notified ${notified} -> answered ${after.revision}`);
  assert.equal(after.nodes.find((n) => n.id === FOO)!.egressRestricted, true);
  assert.deepEqual(edgeList(after, (e) => after.nodes[e.src].id === FOO && e.verdict !== 'exposure'), [], 'foo reaches nothing now');
  // Its DNS rule names pods the examples do not hold: exposure, not a connection.
  assert.deepEqual(edgeList(after, (e) => after.nodes[e.src].id === FOO && e.verdict === 'exposure'), [`${FOO} -> exposure:kube-system/[pod with {k8s-app=kube-dns}]: TCP 53,UDP 53 (exposure)`]);
  assert.equal(after.stats.unrestrictedWorkloads, 1);
  const fooExplained = await explain(client, { node: FOO });
  assert.equal(fooExplained.verdict, 'allowed');
  assert.deepEqual(fooExplained.sections.find((s) => s.heading === 'Egress: restricted')!.items.map((i) => i.text), ['NetworkPolicy shop/foo-deny-egress selects it for egress.']);

  // A change that alters no text of any policy still gives a new analysis, but the same picture.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: edited + '# a comment\n' }] });
  await client.waitForDiagnostics(uri, (p) => p.version === 3);
  assert.deepEqual(edgeList(await reachability(client)), edgeList(after));
});

test('Panel: asked with the revision it holds, the server answers what changed since, which applied gives the whole answer', async (t) => {
  const { client, ws } = await indexed(t);
  const rel = 'shop/foo-deny-egress.yaml';
  const uri = ws.uri(rel);
  const text = readFileSync(fileURLToPath(uri), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  await client.waitForDiagnostics(uri, (p) => p.version === 1);
  const held = await reachability(client);
  assert.ok(!('delta' in held), 'the first answer is whole');

  const edited = text.replace('  policyTypes:\n  - Ingress\n', '  policyTypes:\n  - Ingress\n  - Egress\n');
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  await client.waitForDiagnostics(uri, (p) => p.version === 2);
  const answer = await client.connection.sendRequest<ReachabilityResult | ReachabilityDeltaResult>('egressLens/reachability', { since: held.revision });
  assert.ok('delta' in answer, 'a change, not the whole data');
  assert.ok(answer.revision > held.revision);
  assert.equal(answer.delta.since, held.revision);
  assert.ok(answer.delta.edges.length + answer.delta.removed.length < held.edges.length, 'fewer edges than the whole data');
  const applied = applyReachabilityDelta(held, answer.delta);
  const full = await reachability(client);
  assert.equal(full.revision, answer.revision);
  assert.deepEqual(applied, full);
  assert.equal(applied.nodes.find((n) => n.id === FOO)!.egressRestricted, true);

  // A revision the server no longer holds (or never sent): the whole data.
  const stale = await client.connection.sendRequest<ReachabilityResult | ReachabilityDeltaResult>('egressLens/reachability', { since: held.revision });
  assert.ok(!('delta' in stale));
  assert.deepEqual(stale, full);
  // Focused: always whole.
  const focused = await client.connection.sendRequest<ReachabilityResult | ReachabilityDeltaResult>('egressLens/reachability', { focus: FOO, since: full.revision });
  assert.ok(!('delta' in focused) && focused.focus === FOO);
  // Nothing changed since: an empty change.
  const same = await client.connection.sendRequest<ReachabilityResult | ReachabilityDeltaResult>('egressLens/reachability', { since: full.revision });
  assert.ok('delta' in same);
  assert.deepEqual([same.delta.nodes, same.delta.edges, same.delta.removed, same.delta.order], [[], [], [], undefined]);
  // A malformed revision is refused.
  await assert.rejects(client.connection.sendRequest('egressLens/reachability', { since: -1 }), /since/);
});

test('one meaning of unrestricted: a Calico allow-all GlobalNetworkPolicy leaves every workload unrestricted in the status, the panel and EL101', async (t) => {
  const allowAll = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: allow-all}\nspec:\n  selector: all()\n  types: [Egress]\n  egress:\n  - action: Allow\n';
  const { client, ws } = await serverOnExamples(t, (dir) => writeFileSync(path.join(dir, 'allow-all.yaml'), allowAll));
  const statusWhere = (ok: (p: StatusParams) => boolean) =>
    new Promise<StatusParams>((resolve) => {
      client.connection.onNotification('egressLens/status', (p: StatusParams) => {
        if (ok(p)) resolve(p);
      });
    });
  const ready = statusWhere((p) => p.state === 'ready' && p.workloads > 0);
  await client.waitForDiagnostics(ws.uri('shop/foo-deny-egress.yaml'), (p) => p.diagnostics.length > 0);
  // Every workload reaches every destination on every port: the GlobalNetworkPolicy allows what the NetworkPolicies leave undecided.
  assert.deepEqual(await ready, { state: 'ready', workloads: 6, unrestricted: 6, policies: 7 });
  const r = await reachability(client);
  assert.deepEqual(r.stats, { workloads: 6, edges: r.edges.filter((e) => e.verdict !== 'exposure').length, unrestrictedWorkloads: 6 });
  assert.deepEqual(r.nodes.filter((n) => n.kind === 'workload' && n.egressRestricted).map((n) => n.id), []);
  const api = await explain(client, { node: API });
  assert.equal(api.verdict, 'unrestricted');
  assert.match(api.summary, /egress unrestricted: GlobalNetworkPolicy allow-all allows all egress/, api.summary);
  // EL101 says the same, worded for the cause, on each workload.
  const diags = await client.waitForDiagnostics(ws.uri('payments/payments.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL101'));
  assert.ok(diags.diagnostics.filter((d) => d.code === 'EL101').every((d) => /GlobalNetworkPolicy allow-all allows all egress/.test(String(d.message))));

  // Allowing only port 443 restricts every workload (the GlobalNetworkPolicy now isolates all of them).
  const narrowed = statusWhere((p) => p.state === 'ready' && p.unrestricted !== 6);
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: ws.uri('allow-all.yaml'), languageId: 'yaml', version: 1, text: allowAll.replace('  - action: Allow\n', '  - action: Allow\n    protocol: TCP\n    destination: {ports: [443]}\n') } });
  assert.deepEqual(await narrowed, { state: 'ready', workloads: 6, unrestricted: 0, policies: 7 });
  const after = await reachability(client);
  assert.equal(after.stats.unrestrictedWorkloads, 0);
});
