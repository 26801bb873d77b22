/**
 * The graph's layout (elkjs under Node, as the webview runs it): stable between updates, the outside
 * world on the far edge, edges between facing sides, labels that keep off nodes and each other.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';
import { applyFilters, buildGraph, EXTERNAL_GROUP, type Graph } from '../../client/webview/model';
import { layoutGraph, placeLabels, routeEdges, type Box, type FlowDirection, type Layout, type Route } from '../../client/webview/layout';
import { API, BATCH, INTERNET, LAKE, LEDGER, node, POSTGRES, reach, WEB } from './fixture';

// The webview loads elk.js as a script of its own (window.EgressLensElk); here it is required, and the
// global object stands in for the window (ELK itself looks there for Map and friends).
const g = globalThis as { window?: unknown; EgressLensElk?: unknown };
g.window = globalThis;
// eslint-disable-next-line @typescript-eslint/no-require-imports
g.EgressLensElk = require('elkjs/lib/elk.bundled.js');

const NODES = () => [node(WEB, { open: true }), node(API), node(BATCH), node(LEDGER), node(POSTGRES), node(LAKE, { label: '10.40.0.0/16' }), node(INTERNET)];

/** The examples' shape before and after one policy edit: web gets a default-deny with DNS. */
const BEFORE = [
  `${WEB} -> ${API}: all unrestricted`,
  `${WEB} -> ${LEDGER}: all unrestricted`,
  `${WEB} -> ${INTERNET}: all unrestricted`,
  `${API} -> ${LEDGER}: TCP 8000-8080 allowed`,
  `${API} -> ${LAKE}: TCP 443 allowed`,
  `${LEDGER} -> ${POSTGRES}: TCP 5432 allowed`,
];
const AFTER = [`${WEB} -> ${API}: TCP 8080 allowed`, ...BEFORE.slice(3), `${BATCH} -> ${INTERNET}: TCP 443 allowed`];

function graphOf(edges: string[], nodes = NODES(), collapsed: string[] = []): Graph {
  const data = reach(nodes, edges);
  return buildGraph(data, applyFilters(data, { ...DEFAULT_FILTERS }), new Set(collapsed));
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function boxesOf(l: Layout): Record<string, Box> {
  return Object.fromEntries([...l.nodes].map(([id, b]) => [id, { ...b }]));
}

test('panel layout: every node placed once, none overlapping, inside its namespace box', async () => {
  for (const direction of ['RIGHT', 'DOWN'] as FlowDirection[]) {
    const g = graphOf(BEFORE);
    const l = await layoutGraph(g, undefined, direction);
    assert.deepEqual([...l.nodes.keys()].sort(), g.nodes.map((n) => n.id).sort());
    const boxes = [...l.nodes.values()];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), `${direction}: nodes ${i} and ${j} overlap`);
    for (const group of g.groups) {
      const box = l.groups.get(group.id)!;
      for (const id of group.nodes) {
        const b = l.nodes.get(id)!;
        assert.ok(b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width && b.y + b.height <= box.y + box.height, `${direction}: ${id} outside ${group.id}`);
      }
    }
  }
});

test('panel layout: the outside world is on the far edge (right, or bottom when the picture flows down)', async () => {
  const g = graphOf(BEFORE);
  const right = await layoutGraph(g, undefined, 'RIGHT');
  const down = await layoutGraph(g, undefined, 'DOWN');
  const inside = g.nodes.filter((n) => n.group !== EXTERNAL_GROUP).map((n) => n.id);
  const outside = g.nodes.filter((n) => n.group === EXTERNAL_GROUP).map((n) => n.id);
  assert.deepEqual(outside, [LAKE, INTERNET]);
  const maxRight = Math.max(...inside.map((id) => right.nodes.get(id)!.x + right.nodes.get(id)!.width));
  for (const id of outside) assert.ok(right.nodes.get(id)!.x > maxRight, `${id} is right of every workload`);
  const maxBottom = Math.max(...inside.map((id) => down.nodes.get(id)!.y + down.nodes.get(id)!.height));
  for (const id of outside) assert.ok(down.nodes.get(id)!.y > maxBottom, `${id} is below every workload`);
});

test('panel layout: when a policy changes only edges, no node moves', async () => {
  const first = await layoutGraph(graphOf(BEFORE));
  const before = boxesOf(first);
  const second = await layoutGraph(graphOf(AFTER), first);
  assert.deepEqual(boxesOf(second), before);
  // The edges are routed again, on the same places.
  const routes = routeEdges(graphOf(AFTER).edges, second);
  assert.ok(routes.has(`${BATCH}\u2192${INTERNET}`));
  assert.ok(!routes.has(`${WEB}\u2192${INTERNET}`));
});

test('panel layout: a namespace whose workloads did not change keeps its inner arrangement', async () => {
  const first = await layoutGraph(graphOf(BEFORE));
  // A new workload in shop (another file was added): payments is laid out as before, inside its box.
  const more = [...NODES(), node('shop/cart[Deployment]')];
  const second = await layoutGraph(graphOf(BEFORE, more), first);
  const rel = (l: Layout, id: string) => {
    const b = l.nodes.get(id)!;
    const g = l.groups.get('payments')!;
    return { x: b.x - g.x, y: b.y - g.y };
  };
  for (const id of [LEDGER, POSTGRES]) assert.deepEqual(rel(second, id), rel(first, id));
  assert.ok(second.nodes.has('shop/cart[Deployment]'));
});

test('panel layout: the same input gives the same picture (deterministic)', async () => {
  const a = await layoutGraph(graphOf(BEFORE));
  const b = await layoutGraph(graphOf(BEFORE));
  assert.deepEqual(boxesOf(a), boxesOf(b));
  assert.deepEqual([...routeEdges(graphOf(BEFORE).edges, a).values()].map((r) => r.d), [...routeEdges(graphOf(BEFORE).edges, b).values()].map((r) => r.d));
});

test('panel layout: a folded namespace is one node, laid out with the rest', async () => {
  const g = graphOf(BEFORE, NODES(), ['shop']);
  const l = await layoutGraph(g);
  assert.ok(l.nodes.has('ns:shop'));
  assert.ok(!l.nodes.has(WEB));
  assert.ok(!l.groups.has('shop'));
});

test('panel layout: edges leave and enter on facing sides, spread along them', () => {
  const layout: Layout = {
    nodes: new Map([
      ['a', { x: 0, y: 0, width: 100, height: 40 }],
      ['b', { x: 300, y: 0, width: 100, height: 40 }],
      ['c', { x: 0, y: 200, width: 100, height: 40 }],
      ['d', { x: 300, y: 100, width: 100, height: 40 }],
    ]),
    groups: new Map(),
    width: 400,
    height: 240,
    key: '',
    inner: new Map(),
  };
  const edge = (src: string, dst: string) => ({ id: `${src}>${dst}`, src, dst, verdict: 'allowed' as const, conns: { all: true, text: 'All Connections' }, members: [], ariaLabel: '' });
  const r = routeEdges([edge('a', 'b'), edge('a', 'c'), edge('b', 'a'), edge('a', 'd')], layout);
  const start = (id: string) => [r.get(id)!.points[0].x, r.get(id)!.points[0].y];
  const end = (id: string) => [r.get(id)!.points.at(-1)!.x, r.get(id)!.points.at(-1)!.y];
  // a -> b: a's right side to b's left side.
  assert.equal(start('a>b')[0], 100);
  assert.equal(end('a>b')[0], 300);
  // a -> c (below): a's bottom to c's top.
  assert.equal(start('a>c')[1], 40);
  assert.equal(end('a>c')[1], 200);
  // b -> a (backwards): b's left side to a's right side.
  assert.equal(start('b>a')[0], 300);
  assert.equal(end('b>a')[0], 100);
  // a's right side holds a>b, a>d and the end of b>a: spread, ordered by where their other ends are.
  const ys = ['a>b', 'a>d'].map((id) => start(id)[1]);
  assert.ok(ys[0] !== ys[1], 'two edges on one side do not share a point');
  assert.ok(ys[0] < ys[1], 'the edge to the higher node leaves higher');
});

test('panel layout: edge labels keep off nodes and off each other; the selected one always shows', async () => {
  const g = graphOf(BEFORE);
  const l = await layoutGraph(g);
  const routes = routeEdges(g.edges, l);
  const labels = g.edges.map((e, i) => ({ id: e.id, width: 90, height: 16, route: routes.get(e.id)!, required: i === 0 }));
  const placed = placeLabels(labels, l.nodes.values());
  assert.ok(placed.has(g.edges[0].id), 'the selected edge has its label');
  // The others only where they cover nothing (the selected one may have to, when there is no room).
  const boxes = [...placed].filter(([id]) => id !== g.edges[0].id).map(([, p]) => ({ ...p, width: 90, height: 16 }));
  assert.ok(boxes.length > 0);
  for (const b of boxes) for (const n of l.nodes.values()) assert.ok(!overlaps(b, n), 'a label covers a node');
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlaps(boxes[i], boxes[j]), 'two labels overlap');
});

/** Points every 2 px along a route. */
function samples(route: Route): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let i = 1; i < route.points.length; i++) {
    const a = route.points[i - 1];
    const b = route.points[i];
    const n = Math.max(1, Math.ceil((Math.abs(b.x - a.x) + Math.abs(b.y - a.y)) / 2));
    for (let k = 0; k <= n; k++) out.push({ x: a.x + ((b.x - a.x) * k) / n, y: a.y + ((b.y - a.y) * k) / n });
  }
  return out;
}

const strictlyIn = (p: { x: number; y: number }, b: Box) => p.x > b.x + 0.5 && p.x < b.x + b.width - 0.5 && p.y > b.y + 0.5 && p.y < b.y + b.height - 0.5;

/** Twelve workloads in four namespaces, one of which reaches everything: the picture of the UI test. */
function twelve(expanded: ReadonlySet<string> | 'all') {
  const ids = ['web/frontend[Deployment]', 'web/cart-ui[Deployment]', 'shop/cart[Deployment]', 'shop/catalog[Deployment]', 'shop/checkout[Deployment]', 'shop/orders[Deployment]', 'payments/api[Deployment]', 'payments/ledger[Deployment]', 'payments/fraud[Deployment]', 'data/postgres[StatefulSet]', 'data/redis[StatefulSet]', 'data/kafka[StatefulSet]'];
  const nodes = [...ids.map((id) => node(id, { open: id.startsWith('web/') })), node('ip:203.0.113.0-203.0.113.255', { label: '203.0.113.0/24' }), node(INTERNET)];
  const edges = [
    ...ids.filter((id) => id.startsWith('web/')).flatMap((w) => [...ids.filter((x) => x !== w), INTERNET].map((d) => `${w} -> ${d}: all unrestricted`)),
    `shop/cart[Deployment] -> data/redis[StatefulSet]: TCP 6379 allowed`,
    `shop/catalog[Deployment] -> data/postgres[StatefulSet]: TCP 5432 allowed`,
    `shop/orders[Deployment] -> data/postgres[StatefulSet]: TCP 5432 allowed`,
    `shop/orders[Deployment] -> data/kafka[StatefulSet]: TCP 9092 allowed`,
    `shop/checkout[Deployment] -> payments/api[Deployment]: TCP 8443 allowed`,
    `payments/api[Deployment] -> payments/ledger[Deployment]: TCP 8080 allowed`,
    `payments/api[Deployment] -> payments/fraud[Deployment]: TCP 8080 allowed`,
    `payments/api[Deployment] -> ip:203.0.113.0-203.0.113.255: TCP 443 allowed`,
    `payments/ledger[Deployment] -> data/postgres[StatefulSet]: TCP 5432 allowed`,
    `payments/fraud[Deployment] -> data/kafka[StatefulSet]: TCP 9092 allowed`,
  ];
  const data = reach(nodes, edges);
  return buildGraph(data, applyFilters(data, { ...DEFAULT_FILTERS }), new Set(), expanded);
}

test('panel layout: routes are orthogonal and pass through no node box (the examples, and twelve workloads aggregated or not, both ways)', async () => {
  for (const g of [graphOf(BEFORE), graphOf(AFTER), twelve(new Set()), twelve('all')]) {
    for (const direction of ['RIGHT', 'DOWN'] as FlowDirection[]) {
      const l = await layoutGraph(g, undefined, direction);
      const routes = routeEdges(g.edges, l);
      assert.equal(routes.size, g.edges.length, 'every edge is routed');
      for (const e of g.edges) {
        const r = routes.get(e.id)!;
        for (let i = 1; i < r.points.length; i++) {
          const [a, b] = [r.points[i - 1], r.points[i]];
          assert.ok(Math.abs(a.x - b.x) < 0.05 || Math.abs(a.y - b.y) < 0.05, `${direction}: ${e.id} has a slanted segment`);
        }
        for (const [id, box] of l.nodes) {
          const p = samples(r).find((q) => strictlyIn(q, box));
          assert.ok(!p, `${direction}: ${e.id} passes through ${id} at ${JSON.stringify(p)}`);
        }
      }
    }
  }
});

test('panel layout: an aggregate runs from namespace box to namespace box (or to the address outside)', async () => {
  const g = twelve(new Set());
  const l = await layoutGraph(g);
  const routes = routeEdges(g.edges, l);
  const agg = g.edges.find((e) => e.pair === 'web\u2192data')!;
  const [web, data] = [l.groups.get('web')!, l.groups.get('data')!];
  const onBorder = (p: { x: number; y: number }, b: Box) => (Math.abs(p.x - b.x) < 0.5 || Math.abs(p.x - b.x - b.width) < 0.5 || Math.abs(p.y - b.y) < 0.5 || Math.abs(p.y - b.y - b.height) < 0.5) && p.x >= b.x - 0.5 && p.x <= b.x + b.width + 0.5 && p.y >= b.y - 0.5 && p.y <= b.y + b.height + 0.5;
  const r = routes.get(agg.id)!;
  assert.ok(onBorder(r.points[0], web), 'starts on the web box');
  assert.ok(onBorder(r.points.at(-1)!, data), 'ends on the data box');
});

test('panel layout: every label on its route, off the nodes, in a shorter form where the full one has no room', async () => {
  for (const g of [graphOf(BEFORE), twelve(new Set()), twelve('all')]) {
    const l = await layoutGraph(g);
    const routes = routeEdges(g.edges, l);
    const labels = g.edges.map((e) => ({ id: e.id, width: 110, height: 16, route: routes.get(e.id)!, shorter: [40] }));
    const placed = placeLabels(labels, l.nodes.values());
    assert.equal(placed.size, labels.length, 'every label is placed');
    for (const [id, p] of placed) {
      const box = { x: p.x, y: p.y, width: p.width, height: 16 };
      for (const n of l.nodes.values()) assert.ok(!overlaps(box, n), `the label of ${id} covers a node`);
      const centre = { x: p.x + p.width / 2, y: p.y + 8 };
      const d = Math.min(...samples(routes.get(id)!).map((q) => Math.hypot(q.x - centre.x, q.y - centre.y)));
      assert.ok(d <= 1.5, `the label of ${id} is ${d} px off its route`);
    }
  }
});
