/** The panel's view model (client/webview/model.ts): filters, graph data, matrix data, defaults. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_FILTERS, type Filters } from '../../client/src/panel/messages';
import {
  applyFilters,
  buildGraph,
  edgesBetween,
  pairOfEdge,
  buildMatrix,
  changeOf,
  defaultCollapsed,
  defaultView,
  edgeLabel,
  EXTERNAL_GROUP,
  FOLD_THRESHOLD,
  GRAPH_THRESHOLD,
  parsePortFilter,
  shortConns,
  unionConns,
  type Matrix,
} from '../../client/webview/model';
import type { ReachabilityResult } from '../../server/src/lsp/protocol';
import { API, BATCH, conns, INTERNET, LAKE, LEDGER, many, POSTGRES, shopAndPayments, WEB } from './fixture';

const data = shopAndPayments();

/** The edges that pass a filter, as `src -> dst` ids, sorted. */
function shown(f: Partial<Filters>, d: ReachabilityResult = data, focus?: string): string[] {
  const r = applyFilters(d, { ...DEFAULT_FILTERS, ...f }, focus);
  return r.edges.map((i) => `${d.nodes[d.edges[i].src].id} -> ${d.nodes[d.edges[i].dst].id}`).sort();
}

function nodesShown(f: Partial<Filters>, focus?: string): string[] {
  return applyFilters(data, { ...DEFAULT_FILTERS, ...f }, focus).nodes.map((i) => data.nodes[i].id);
}

const e = (src: string, dst: string) => `${src} -> ${dst}`;
const sorted = (...x: string[]) => [...x].sort();

test('panel model: the port filter reads what people type', () => {
  assert.deepEqual(parsePortFilter('443'), { protocol: undefined, lo: 443, hi: 443 });
  assert.deepEqual(parsePortFilter(' udp 53 '), { protocol: 'UDP', lo: 53, hi: 53 });
  assert.deepEqual(parsePortFilter('53/udp'), { protocol: 'UDP', lo: 53, hi: 53 });
  assert.deepEqual(parsePortFilter('TCP:8000-8080'), { protocol: 'TCP', lo: 8000, hi: 8080 });
  assert.deepEqual(parsePortFilter('sctp'), { protocol: 'SCTP' });
  assert.equal(parsePortFilter('  '), undefined);
  for (const bad of ['http', '0', '70000', '90-80', '443,80', 'TCP 44x']) assert.equal(parsePortFilter(bad), 'invalid', bad);
});

test('panel model: by default the egress of every workload, and every workload', () => {
  assert.deepEqual(
    shown({}),
    sorted(e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET), e(API, LEDGER), e(API, LAKE), e(LEDGER, POSTGRES), e(LEDGER, INTERNET)),
    'the internet reaching postgres is ingress, not shown',
  );
  assert.deepEqual(nodesShown({}), [LEDGER, POSTGRES, API, BATCH, WEB, LAKE, INTERNET], 'namespaces in order, then addresses, the internet last; batch reaches nothing but shows');
});

test('panel model: namespace filter and direction', () => {
  assert.deepEqual(shown({ namespace: 'payments' }), sorted(e(LEDGER, POSTGRES), e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ namespace: 'payments', direction: 'ingress' }), sorted(e(WEB, LEDGER), e(API, LEDGER), e(LEDGER, POSTGRES), e(INTERNET, POSTGRES)));
  assert.deepEqual(shown({ namespace: 'shop', direction: 'both' }), sorted(e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET), e(API, LEDGER), e(API, LAKE)));
  assert.deepEqual(shown({ direction: 'ingress' }), sorted(e(WEB, API), e(WEB, LEDGER), e(API, LEDGER), e(LEDGER, POSTGRES), e(INTERNET, POSTGRES)), 'ingress: what reaches workloads');
  assert.deepEqual(nodesShown({ namespace: 'payments' }), [LEDGER, POSTGRES, INTERNET], 'the namespace and what it reaches');
});

test('panel model: name text filter (id or label, either end, any case)', () => {
  assert.deepEqual(shown({ text: 'POSTGRES' }), [e(LEDGER, POSTGRES)]);
  assert.deepEqual(shown({ text: '10.40.0.0/16' }), [e(API, LAKE)], 'an address block by its label');
  assert.deepEqual(shown({ text: 'shop/' }), sorted(e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET), e(API, LEDGER), e(API, LAKE)), 'by namespace/name');
  assert.deepEqual(nodesShown({ text: 'batch' }), [BATCH], 'an isolated workload is found by name');
  assert.deepEqual(shown({ text: 'nothing-like-this' }), []);
});

test('panel model: protocol and port filter', () => {
  const all = [e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET)];
  assert.deepEqual(shown({ port: '443' }), sorted(...all, e(API, LAKE)));
  assert.deepEqual(shown({ port: '8080' }), sorted(...all, e(API, LEDGER)), 'inside a range');
  assert.deepEqual(shown({ port: '7000-8000' }), sorted(...all, e(API, LEDGER)), 'overlapping a range');
  assert.deepEqual(shown({ port: 'udp 53' }), sorted(...all, e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ port: 'UDP' }), sorted(...all, e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ port: 'sctp' }), sorted(...all), 'only "all connections" carries SCTP');
  assert.deepEqual(shown({ port: '5433' }), sorted(...all));
  const bad = applyFilters(data, { ...DEFAULT_FILTERS, port: 'https' });
  assert.equal(bad.invalidPort, true);
  assert.equal(bad.edges.length, applyFilters(data, DEFAULT_FILTERS).edges.length, 'an unreadable port filter is ignored');
  assert.equal(applyFilters(data, { ...DEFAULT_FILTERS, port: '443' }).invalidPort, false);
});

test('panel model: only unrestricted, only external, and filters combined', () => {
  assert.deepEqual(shown({ onlyUnrestricted: true }), sorted(e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET)));
  assert.deepEqual(shown({ onlyUnrestricted: true, direction: 'both' }), sorted(e(WEB, API), e(WEB, LEDGER), e(WEB, INTERNET), e(INTERNET, POSTGRES)));
  assert.deepEqual(shown({ onlyExternal: true }), sorted(e(WEB, INTERNET), e(API, LAKE), e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ onlyExternal: true, onlyUnrestricted: true }), [e(WEB, INTERNET)]);
  assert.deepEqual(shown({ onlyExternal: true, namespace: 'payments', port: '53' }), [e(LEDGER, INTERNET)]);
  assert.ok(!nodesShown({ onlyUnrestricted: true }).includes(BATCH), 'with an edge filter, nodes without a passing edge are hidden');
});

test('panel model: the focused workload is the only subject', () => {
  assert.deepEqual(shown({}, data, LEDGER), sorted(e(LEDGER, POSTGRES), e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ direction: 'both' }, data, LEDGER), sorted(e(WEB, LEDGER), e(API, LEDGER), e(LEDGER, POSTGRES), e(LEDGER, INTERNET)));
  assert.deepEqual(shown({ namespace: 'shop' }, data, LEDGER), sorted(e(LEDGER, POSTGRES), e(LEDGER, INTERNET)), 'the focus wins over the namespace');
  assert.deepEqual(nodesShown({ onlyUnrestricted: true }, BATCH), [BATCH], 'the focused workload shows even when nothing passes');
});

test('panel model: graph of namespaces, nodes and edges', () => {
  const g = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set());
  assert.deepEqual(
    g.groups.map((x) => [x.id, x.label, x.collapsed, x.nodes]),
    [
      ['payments', 'payments', false, [LEDGER, POSTGRES]],
      ['shop', 'shop', false, [API, BATCH, WEB]],
      [EXTERNAL_GROUP, 'outside the cluster', false, [LAKE, INTERNET]],
    ],
  );
  const web = g.nodes.find((n) => n.id === WEB)!;
  assert.deepEqual([web.kind, web.label, web.detail, web.group, web.risk], ['workload', 'web', 'Deployment', 'shop', true]);
  assert.match(web.ariaLabel, /Deployment shop\/web, egress unrestricted/);
  assert.equal(g.nodes.filter((n) => n.risk).length, 1, 'only web is a risk');
  assert.deepEqual(
    [g.nodes.find((n) => n.id === LAKE)!.detail, g.nodes.find((n) => n.id === INTERNET)!.detail, g.nodes.find((n) => n.id === LAKE)!.label],
    ['addresses', 'unnamed addresses', '10.40.0.0/16'],
  );
  assert.deepEqual(
    g.edges.map((x) => `${x.src} -> ${x.dst}: ${edgeLabel(x.conns)} ${x.verdict}`).sort(),
    sorted(
      `${WEB} -> ${API}: all ports unrestricted`,
      `${WEB} -> ${LEDGER}: all ports unrestricted`,
      `${WEB} -> ${INTERNET}: all ports unrestricted`,
      `${API} -> ${LEDGER}: TCP 8000-8080 allowed`,
      `${API} -> ${LAKE}: TCP 443 allowed`,
      `${LEDGER} -> ${POSTGRES}: TCP 5432 allowed`,
      `${LEDGER} -> ${INTERNET}: TCP 53,UDP 53 allowed`,
    ),
  );
  assert.equal(g.edges.find((x) => x.src === WEB && x.dst === INTERNET)!.ariaLabel, 'shop/web to internet: unrestricted, All Connections');
});

test('panel model: a folded namespace is one node; its edges aggregate (riskiest verdict, union of ports)', () => {
  const g = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set(['shop']));
  const shop = g.nodes.find((n) => n.id === 'ns:shop')!;
  assert.deepEqual([shop.kind, shop.label, shop.detail, shop.risk, shop.internal], ['namespace', 'shop', '3 workloads, 1 unrestricted', true, 1]);
  assert.deepEqual(shop.members.map((i) => data.nodes[i].id).sort(), sorted(API, BATCH, WEB));
  assert.ok(!g.nodes.some((n) => n.group === 'shop' && n.kind !== 'namespace'), 'its workloads are not drawn');
  assert.deepEqual(g.groups.find((x) => x.id === 'shop')!.nodes, [], 'nothing is drawn inside a folded group');
  const toLedger = g.edges.find((x) => x.src === 'ns:shop' && x.dst === LEDGER)!;
  assert.equal(toLedger.verdict, 'unrestricted', 'web (unrestricted) and api (allowed) to ledger: the riskier');
  assert.equal(toLedger.members.length, 2);
  assert.equal(toLedger.conns.text, 'All Connections');
  assert.match(toLedger.ariaLabel, /^namespace shop to payments\/ledger: 2 connections, unrestricted/);
  const reversed = { ...data, edges: [...data.edges].reverse() };
  const again = buildGraph(reversed, applyFilters(reversed, DEFAULT_FILTERS), new Set(['shop']));
  assert.equal(again.edges.find((x) => x.src === 'ns:shop' && x.dst === LEDGER)!.verdict, 'unrestricted', 'in whatever order the edges come');
  const toLake = g.edges.find((x) => x.src === 'ns:shop' && x.dst === LAKE)!;
  assert.deepEqual([toLake.verdict, toLake.conns.text], ['allowed', 'TCP 443']);
  assert.ok(!g.edges.some((x) => x.src === 'ns:shop' && x.dst === 'ns:shop'), 'web -> api stays inside the fold');

  const both = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set(['shop', 'payments']));
  assert.deepEqual(both.edges.map((x) => `${x.src} -> ${x.dst}`).sort(), sorted('ns:shop -> ns:payments', 'ns:shop -> internet', `ns:shop -> ${LAKE}`, 'ns:payments -> internet'));
  const sp = both.edges.find((x) => x.src === 'ns:shop' && x.dst === 'ns:payments')!;
  assert.equal(sp.conns.text, 'All Connections');
  const pi = both.edges.find((x) => x.src === 'ns:payments')!;
  assert.deepEqual([pi.verdict, pi.conns.text], ['allowed', 'TCP 53,UDP 53']);
});

function cellText(m: Matrix, row: string, col: string): string | undefined {
  const r = m.rows.findIndex((a) => a.label === row);
  const c = m.cols.findIndex((a) => a.label === col);
  assert.ok(r >= 0 && c >= 0, `${row} x ${col}`);
  const cell = m.cell(r, c);
  return cell && `${cell.verdict} ${cell.conns.text} (${cell.members.length})`;
}

test('panel model: matrix rows (sources) and columns (destinations) grouped by namespace', () => {
  const m = buildMatrix(data, applyFilters(data, DEFAULT_FILTERS), new Set());
  const axis = (list: Matrix['rows']) => list.map((a) => (a.kind === 'group' ? `[${a.label}]` : a.label));
  assert.deepEqual(axis(m.rows), ['[payments]', 'ledger', 'postgres', '[shop]', 'api', 'batch', 'web'], 'every workload is a row, addresses only as sources');
  assert.deepEqual(axis(m.cols), ['[payments]', 'ledger', 'postgres', '[shop]', 'api', 'batch', 'web', '[external]', '10.40.0.0/16', 'internet']);
  assert.deepEqual(m.rows.filter((a) => a.risk).map((a) => a.label), ['shop', 'web'], 'the risk shows on the row and its namespace');
  assert.equal(cellText(m, 'web', 'internet'), 'unrestricted All Connections (1)');
  assert.equal(cellText(m, 'ledger', 'internet'), 'allowed TCP 53,UDP 53 (1)');
  assert.equal(cellText(m, 'web', 'postgres'), undefined);
  assert.equal(cellText(m, 'batch', 'internet'), undefined);
  // Namespace headers aggregate their members.
  assert.equal(cellText(m, 'shop', 'ledger'), 'unrestricted All Connections (2)');
  assert.equal(cellText(m, 'api', 'payments'), 'allowed TCP 8000-8080 (1)');
  assert.equal(cellText(m, 'payments', 'external'), 'allowed TCP 53,UDP 53 (1)');
  assert.equal(cellText(m, 'shop', 'external'), 'unrestricted All Connections (2)');
  // 7 edges; each lands in a node cell, a row-group cell, a column-group cell and a group x group cell.
  const cells = new Set<string>();
  for (let r = 0; r < m.rows.length; r++) for (let c = 0; c < m.cols.length; c++) if (m.cell(r, c)) cells.add(`${r},${c}`);
  assert.equal(m.filled, cells.size);
});

test('panel model: a folded namespace is one matrix row and column', () => {
  const m = buildMatrix(data, applyFilters(data, DEFAULT_FILTERS), new Set(['shop']));
  assert.deepEqual(m.rows.map((a) => [a.label, a.kind, a.collapsed ?? false]), [
    ['payments', 'group', false],
    ['ledger', 'node', false],
    ['postgres', 'node', false],
    ['shop', 'group', true],
  ]);
  assert.deepEqual(m.rows[3].members.map((i) => data.nodes[i].id).sort(), sorted(API, BATCH, WEB));
  assert.equal(cellText(m, 'shop', 'ledger'), 'unrestricted All Connections (2)');
  assert.equal(cellText(m, 'shop', 'shop'), 'unrestricted All Connections (1)', 'web -> api, inside the namespace');
  assert.equal(cellText(m, 'shop', '10.40.0.0/16'), 'allowed TCP 443 (1)');
  assert.equal(cellText(m, 'ledger', 'shop'), undefined);
});

test('panel model: the matrix follows the filters', () => {
  const m = buildMatrix(data, applyFilters(data, { ...DEFAULT_FILTERS, direction: 'ingress', onlyUnrestricted: true }), new Set());
  assert.deepEqual(m.rows.filter((a) => a.kind === 'node').map((a) => a.label), ['ledger', 'postgres', 'api', 'web', 'internet'], 'the workloads that show, and the internet as a source');
  assert.deepEqual(m.cols.filter((a) => a.kind === 'node').map((a) => a.label), ['ledger', 'postgres', 'api', 'web']);
  assert.equal(cellText(m, 'internet', 'postgres'), 'unrestricted All Connections (1)');
  assert.equal(cellText(m, 'web', 'api'), 'unrestricted All Connections (1)');
});

test('panel model: the view opens on the matrix above the threshold, namespaces fold above another', () => {
  assert.equal(defaultView(many(GRAPH_THRESHOLD)), 'graph');
  assert.equal(defaultView(many(GRAPH_THRESHOLD + 1)), 'matrix');
  assert.deepEqual(defaultCollapsed(many(FOLD_THRESHOLD)), []);
  const big = many(FOLD_THRESHOLD + 1, 50);
  assert.deepEqual(defaultCollapsed(big), ['ns000', 'ns001', 'ns002', 'ns003']);
  assert.equal(defaultView(data), 'graph');
});

test('panel model: the matrix of 1,000 workloads folded by namespace stays small', () => {
  const big = many(1000);
  const m = buildMatrix(big, applyFilters(big, DEFAULT_FILTERS), new Set(defaultCollapsed(big)));
  assert.equal(m.rows.length, 100, 'one row per namespace');
  assert.equal(m.cols.length, 102, 'one column per namespace, the external header and the internet');
  const open = buildMatrix(big, applyFilters(big, DEFAULT_FILTERS), new Set());
  assert.equal(open.rows.length, 1100);
  assert.equal(open.filled, 1000 + 100 + 1000 + 100, 'node, row-group, column-group and group x group cells');
});

test('panel model: connection sets as text', () => {
  assert.equal(unionConns([conns('TCP 443'), conns('TCP 8000-8080')]).text, 'TCP 443,8000-8080');
  assert.equal(unionConns([conns('TCP 80-81'), conns('TCP 82,90')]).text, 'TCP 80-82,90', 'adjacent ranges merge');
  assert.equal(unionConns([conns('UDP 53'), conns('TCP 53')]).text, 'TCP 53,UDP 53');
  assert.equal(unionConns([conns('TCP 443'), conns('all')]).all, true);
  assert.equal(unionConns([conns('TCP 1-65535'), conns('UDP 1-65535'), conns('SCTP 1-65535')]).text, 'All Connections', 'every port of every protocol is all');
  assert.equal(shortConns(conns('all')), 'all');
  assert.equal(shortConns(conns('TCP 443')), '443');
  assert.equal(shortConns(conns('UDP 53')), '53/udp');
  assert.equal(shortConns(conns('TCP 1-65535')), '*');
  assert.equal(shortConns(conns('TCP 443,8000-8080,9090')), '443,8000…');
  assert.equal(edgeLabel(conns('all')), 'all ports');
  assert.equal(edgeLabel(conns('TCP 443')), 'TCP 443');
});

test('panel model: edges between two namespaces (or a namespace and an address) aggregate per pair until expanded', () => {
  const g = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set(), new Set());
  const pairs = g.edges.filter((x) => x.pair).map((x) => `${x.pair}: ${x.src} -> ${x.dst} ${x.members.length} ${x.verdict} ${x.conns.text}`).sort();
  // shop -> payments: web -> ledger (unrestricted) and api -> ledger (allowed); shop -> internet has one edge (web's): drawn as it is.
  assert.deepEqual(pairs, ['shop\u2192payments: ns:shop -> ns:payments 2 unrestricted All Connections']);
  assert.ok(g.edges.some((x) => x.src === WEB && x.dst === INTERNET && !x.pair), 'a pair of one edge is that edge');
  assert.ok(g.edges.some((x) => x.src === WEB && x.dst === API && !x.pair), 'edges inside a namespace are never aggregated');
  assert.ok(g.edges.some((x) => x.src === LEDGER && x.dst === POSTGRES && !x.pair));
  assert.match(g.edges.find((x) => x.pair)!.ariaLabel, /^namespace shop to namespace payments: 2 connections, unrestricted, All Connections; 2 edges/);
  // Expanded: its edges one by one, as with 'all'.
  const open = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set(), new Set(['shop\u2192payments']));
  const all = buildGraph(data, applyFilters(data, DEFAULT_FILTERS), new Set());
  assert.deepEqual(open.edges.map((x) => x.id).sort(), all.edges.map((x) => x.id).sort());
  // The data edges behind it, found again from its ends (what the explanation lists).
  assert.deepEqual(edgesBetween(data, applyFilters(data, DEFAULT_FILTERS).edges, 'ns:shop', 'ns:payments').map((i) => `${data.nodes[data.edges[i].src].id} -> ${data.nodes[data.edges[i].dst].id}`).sort(), sorted(`${WEB} -> ${LEDGER}`, `${API} -> ${LEDGER}`));
  assert.equal(pairOfEdge(data, WEB, LEDGER), 'shop\u2192payments');
  assert.equal(pairOfEdge(data, WEB, API), undefined);
});

test('panel model: compare mode marks drawn edges added, removed or changed, and says so to screen readers', () => {
  const d = shopAndPayments();
  const at = (src: string, dst: string) => d.edges.findIndex((x) => d.nodes[x.src].id === src && d.nodes[x.dst].id === dst);
  d.edges[at(API, LAKE)].change = 'added';
  d.edges[at(LEDGER, POSTGRES)].change = 'removed';
  Object.assign(d.edges[at(API, LEDGER)], { change: 'changed', before: d.edges[at(API, LEDGER)].conns });
  d.nodes.find((n) => n.id === BATCH)!.change = 'removed';
  const g = buildGraph(d, applyFilters(d, { ...DEFAULT_FILTERS, direction: 'both' }), new Set(), 'all');
  const marks = g.edges.filter((x) => x.change).map((x) => `${x.change} ${x.src} -> ${x.dst}`).sort();
  assert.deepEqual(marks, [`added ${API} -> ${LAKE}`, `changed ${API} -> ${LEDGER}`, `removed ${LEDGER} -> ${POSTGRES}`]);
  assert.match(g.edges.find((x) => x.change === 'removed')!.ariaLabel, /removed since the compared revision/);
  assert.equal(g.nodes.find((n) => n.id === BATCH)!.change, 'removed');
  // Folded into one drawn edge: all added stays added, a mix is changed, none is none.
  assert.equal(changeOf(d, [at(API, LAKE)]), 'added');
  assert.equal(changeOf(d, [at(API, LAKE), at(LEDGER, POSTGRES)]), 'changed');
  assert.equal(changeOf(d, [at(API, LAKE), at(WEB, API)]), 'changed');
  assert.equal(changeOf(d, [at(WEB, API), at(WEB, INTERNET)]), undefined);
});
