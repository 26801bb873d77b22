/**
 * Where the graph's nodes go, with ELK's layered algorithm (elkjs), in two levels:
 *  1. inside each namespace, its workloads by the explicit rules between them (left to right);
 *  2. the namespaces (as boxes of the size level 1 gave them), folded namespaces and the addresses
 *     outside the cluster (always the last layer, on the far edge), by the connections between them;
 *     left to right in a wide panel, top to bottom in a tall one (a panel beside the editor), so that
 *     the picture is drawn large enough to read.
 *
 * Stable between updates: a layout is keyed by the nodes it places, never by the edges. When a policy
 * changes only which edges exist, every node keeps its place (the edges are routed again, by
 * `routeEdges`); a namespace whose workloads did not change keeps its inner arrangement even when other
 * parts of the picture move. Unrestricted edges (a source that reaches everything) say nothing about
 * structure and are left out of the layout, which also keeps it fast.
 */
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { EXTERNAL_GROUP, type Graph, type GraphEdge, type GraphNode } from './model';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  /** Absolute boxes of the drawn nodes. */
  nodes: Map<string, Box>;
  /** Absolute boxes of the expanded namespaces and of the outside group. */
  groups: Map<string, Box>;
  width: number;
  height: number;
  /** What the layout is of: the groups and nodes (not the edges). */
  key: string;
  /** Inner arrangement of each group, reusable while its nodes stay the same. */
  inner: Map<string, InnerLayout>;
}

interface InnerLayout {
  key: string;
  width: number;
  height: number;
  /** Positions relative to the group's box. */
  nodes: Map<string, Box>;
}

/** Which way the picture flows: left to right (wide panels), or top to bottom (tall ones, beside an editor). */
export type FlowDirection = 'RIGHT' | 'DOWN';

export const NODE_HEIGHT = 44;
const CHAR = 7;
const PAD = { top: 30, side: 14, bottom: 14 };
const MARGIN = 24;

export function nodeSize(n: GraphNode): { width: number; height: number } {
  const chars = Math.max(n.label.length, Math.ceil(n.detail.length * 0.85));
  return { width: Math.max(104, Math.min(220, chars * CHAR + 34)), height: NODE_HEIGHT };
}

// ELK is large (1.6 MB): it is a script of its own (dist/webview/elk.js, built by esbuild.mjs), loaded the
// first time a graph is laid out, so the panel starts, asks for its data and draws a matrix without it.
declare global {
  interface Window {
    EgressLensElk?: { default?: new () => ELK } & (new () => ELK);
  }
}

/** The panel's own script element (while it runs): where elk.js is, and the nonce the CSP allows. */
const self = typeof document === 'undefined' ? null : (document.currentScript as HTMLScriptElement | null);
let engine: Promise<ELK> | undefined;

function elk(): Promise<ELK> {
  return (engine ??= new Promise<ELK>((resolve, reject) => {
    const done = () => {
      const ctor = window.EgressLensElk;
      if (ctor) resolve(new (ctor.default ?? ctor)());
      else reject(new Error('the layout library did not load'));
    };
    if (window.EgressLensElk) return done();
    if (!self?.src) return reject(new Error('the layout library cannot be found'));
    const script = document.createElement('script');
    script.src = self.src.replace(/panel\.js(\?.*)?$/, 'elk.js$1');
    script.nonce = self.nonce;
    script.addEventListener('load', done);
    script.addEventListener('error', () => {
      engine = undefined;
      reject(new Error('the layout library could not be loaded'));
    });
    document.head.appendChild(script);
  }));
}

const BASE = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.randomSeed': '1',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.thoroughness': '4',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.spacing.nodeNodeBetweenLayers': '70',
  'elk.spacing.nodeNode': '18',
  'elk.spacing.componentComponent': '24',
  'elk.separateConnectedComponents': 'true',
  'elk.aspectRatio': '1.4',
};

/** The layout key of a graph: groups, folding and node ids, in order. */
export function layoutKey(g: Graph): string {
  const groups = g.groups.map((x) => `${x.id}${x.collapsed ? '+' : ''}:${x.nodes.join(',')}`);
  const folded = g.nodes.filter((n) => n.kind === 'namespace').map((n) => n.id);
  return `${groups.join('|')}#${folded.join(',')}`;
}

/** Edges that shape the picture: explicit ones (unrestricted sources connect to everything). */
function structural(e: GraphEdge): boolean {
  return e.verdict !== 'unrestricted';
}

/** What an inner layout depends on: its nodes (and, for the outside, which way it is laid out). */
function innerKey(id: string, nodes: GraphNode[], direction: FlowDirection): string {
  return `${id}:${nodes.map((n) => n.id).join(',')}${id === EXTERNAL_GROUP ? `|${direction}` : ''}`;
}

async function layoutGroup(id: string, nodes: GraphNode[], edges: GraphEdge[], direction: FlowDirection): Promise<InnerLayout> {
  const key = innerKey(id, nodes, direction);
  const placed = new Map<string, Box>();
  if (id === EXTERNAL_GROUP) {
    // The outside world, on the far edge of the picture: a column on the right (a row at the bottom when
    // the picture flows down), in address order, the internet last.
    const across = direction === 'DOWN';
    let at = across ? PAD.side : PAD.top;
    let extent = 0;
    for (const n of nodes) {
      const size = nodeSize(n);
      placed.set(n.id, across ? { x: at, y: PAD.top, ...size } : { x: PAD.side, y: at, ...size });
      at += (across ? size.width : size.height) + 14;
      extent = Math.max(extent, across ? size.height : size.width);
    }
    return across
      ? { key, width: at - 14 + PAD.side, height: PAD.top + extent + PAD.bottom, nodes: placed }
      : { key, width: extent + 2 * PAD.side, height: at - 14 + PAD.bottom, nodes: placed };
  }
  const ids = new Set(nodes.map((n) => n.id));
  const inner = edges.filter((e) => structural(e) && ids.has(e.src) && ids.has(e.dst));
  const graph: ElkNode = {
    id,
    layoutOptions: { ...BASE, 'elk.padding': `[top=${PAD.top},left=${PAD.side},bottom=${PAD.bottom},right=${PAD.side}]` },
    children: nodes.map((n) => ({ id: n.id, ...nodeSize(n) })),
    edges: inner.map((e, i) => ({ id: `e${i}`, sources: [e.src], targets: [e.dst] })),
  };
  const out = await (await elk()).layout(graph);
  for (const c of out.children ?? []) placed.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
  return { key, width: out.width ?? 0, height: out.height ?? 0, nodes: placed };
}

/** Lay out a graph; with the previous layout, keep whatever did not change. */
export async function layoutGraph(g: Graph, previous?: Layout, direction: FlowDirection = 'RIGHT'): Promise<Layout> {
  const key = `${direction}|${layoutKey(g)}`;
  if (previous && previous.key === key) return previous;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const inner = new Map<string, InnerLayout>();
  // Level 1: each expanded group.
  for (const group of g.groups) {
    if (group.collapsed || group.nodes.length === 0) continue;
    const nodes = group.nodes.map((id) => byId.get(id)!).filter(Boolean);
    const before = previous?.inner.get(group.id);
    inner.set(group.id, before && before.key === innerKey(group.id, nodes, direction) ? before : await layoutGroup(group.id, nodes, g.edges, direction));
  }
  // Level 2: groups, folded namespaces and the outside as nodes of one layered graph.
  const top = new Map<string, string>();
  const children: ElkNode[] = [];
  for (const group of g.groups) {
    const il = inner.get(group.id);
    if (il) {
      const item = `group:${group.id}`;
      for (const id of group.nodes) top.set(id, item);
      children.push({
        id: item,
        width: il.width,
        height: il.height,
        layoutOptions: group.id === EXTERNAL_GROUP ? { 'elk.layered.layering.layerConstraint': 'LAST' } : {},
      });
    }
  }
  for (const n of g.nodes) {
    if (n.kind !== 'namespace') continue;
    top.set(n.id, `node:${n.id}`);
    children.push({ id: `node:${n.id}`, ...nodeSize(n) });
  }
  // Namespaces in name order, the outside last (model order keeps the picture calm).
  children.sort((a, b) => (a.id === `group:${EXTERNAL_GROUP}` ? 1 : b.id === `group:${EXTERNAL_GROUP}` ? -1 : sortName(a.id) < sortName(b.id) ? -1 : 1));
  const seen = new Set<string>();
  const edges: ElkExtendedEdge[] = [];
  for (const e of g.edges) {
    const a = top.get(e.src);
    const b = top.get(e.dst);
    if (!a || !b || a === b) continue;
    // Unrestricted edges count only towards the outside: it is where they matter.
    if (!structural(e) && b !== `group:${EXTERNAL_GROUP}`) continue;
    const k = `${a}>${b}`;
    if (seen.has(k)) continue;
    seen.add(k);
    edges.push({ id: `t${edges.length}`, sources: [a], targets: [b] });
  }
  // Every item before the outside, so that it is a layer of its own on the far edge (these edges only
  // order the layers; they are not drawn).
  const outside = `group:${EXTERNAL_GROUP}`;
  if (children.some((c) => c.id === outside)) {
    for (const c of children) {
      if (c.id === outside || seen.has(`${c.id}>${outside}`)) continue;
      seen.add(`${c.id}>${outside}`);
      edges.push({ id: `t${edges.length}`, sources: [c.id], targets: [outside] });
    }
  }
  const rootGraph: ElkNode = { id: 'root', layoutOptions: { ...BASE, 'elk.direction': direction, 'elk.padding': `[top=${MARGIN},left=${MARGIN},bottom=${MARGIN},right=${MARGIN}]`, 'elk.layered.spacing.nodeNodeBetweenLayers': direction === 'DOWN' ? '80' : '130', 'elk.spacing.nodeNode': '36' }, children, edges };
  const root = await (await elk()).layout(rootGraph);
  const nodes = new Map<string, Box>();
  const groups = new Map<string, Box>();
  for (const c of root.children ?? []) {
    const x = c.x ?? 0;
    const y = c.y ?? 0;
    if (c.id.startsWith('group:')) {
      const id = c.id.slice('group:'.length);
      groups.set(id, { x, y, width: c.width ?? 0, height: c.height ?? 0 });
      for (const [nid, b] of inner.get(id)!.nodes) nodes.set(nid, { ...b, x: b.x + x, y: b.y + y });
    } else nodes.set(c.id.slice('node:'.length), { x, y, width: c.width ?? 0, height: c.height ?? 0 });
  }
  return { nodes, groups, width: root.width ?? 0, height: root.height ?? 0, key, inner };
}

function sortName(id: string): string {
  return id.replace(/^(group|node):(ns:)?/, '');
}

// ---- edge routes ---------------------------------------------------------------------------------------

export interface Route {
  /** SVG path data. */
  d: string;
  /** Where the label goes (the middle of the curve). */
  labelX: number;
  labelY: number;
  /** The curve's point at a parameter t in [0, 1] (labels move along it to avoid each other). */
  at(t: number): { x: number; y: number };
}

type Side = 'left' | 'right' | 'top' | 'bottom';

/** The unit vector out of a side. */
const OUT: Record<Side, [number, number]> = { left: [-1, 0], right: [1, 0], top: [0, -1], bottom: [0, 1] };

function bezierPoint(p0: number, p1: number, p2: number, p3: number, t: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Where an edge leaves and enters: the sides that face each other across the wider gap. */
function sides(a: Box, b: Box): [Side, Side] {
  const gapRight = b.x - (a.x + a.width);
  const gapLeft = a.x - (b.x + b.width);
  const gapDown = b.y - (a.y + a.height);
  const gapUp = a.y - (b.y + b.height);
  const gapX = Math.max(gapRight, gapLeft);
  const gapY = Math.max(gapDown, gapUp);
  if (gapY > 0 && gapY > gapX) return gapDown > 0 ? ['bottom', 'top'] : ['top', 'bottom'];
  if (gapX > 0) return gapRight > 0 ? ['right', 'left'] : ['left', 'right'];
  // Overlapping boxes (cannot happen between two nodes): loop out to the right.
  return ['right', 'right'];
}

/**
 * Curves between facing node sides: nodes side by side are joined left to right (or back), nodes above
 * each other top to bottom (or back). Edges sharing a side are spread along it in the order of their
 * other ends, so they do not cross at the node.
 */
export function routeEdges(edges: GraphEdge[], layout: Layout): Map<string, Route> {
  const plan: { e: GraphEdge; a: Box; b: Box; out: Side; in: Side }[] = [];
  const slots = new Map<string, { key: number; id: string }[]>();
  const slot = (node: string, side: Side, other: Box, id: string) => {
    const k = `${node}|${side}`;
    let l = slots.get(k);
    if (!l) slots.set(k, (l = []));
    l.push({ key: side === 'left' || side === 'right' ? other.y + other.height / 2 : other.x + other.width / 2, id });
  };
  for (const e of edges) {
    const a = layout.nodes.get(e.src);
    const b = layout.nodes.get(e.dst);
    if (!a || !b) continue;
    const [out, inn] = sides(a, b);
    plan.push({ e, a, b, out, in: inn });
    slot(e.src, out, b, `${e.id}|out`);
    slot(e.dst, inn, a, `${e.id}|in`);
  }
  const offset = new Map<string, number>();
  for (const l of slots.values()) {
    l.sort((x, y) => x.key - y.key || (x.id < y.id ? -1 : 1));
    l.forEach((s, i) => offset.set(s.id, (i + 1) / (l.length + 1)));
  }
  const anchor = (box: Box, side: Side, f: number): [number, number] => {
    switch (side) {
      case 'left':
        return [box.x, box.y + box.height * f];
      case 'right':
        return [box.x + box.width, box.y + box.height * f];
      case 'top':
        return [box.x + box.width * f, box.y];
      case 'bottom':
        return [box.x + box.width * f, box.y + box.height];
    }
  };
  const routes = new Map<string, Route>();
  for (const p of plan) {
    const [sx, sy] = anchor(p.a, p.out, offset.get(`${p.e.id}|out`)!);
    const [tx, ty] = anchor(p.b, p.in, offset.get(`${p.e.id}|in`)!);
    const along = p.out === 'left' || p.out === 'right' ? Math.abs(tx - sx) : Math.abs(ty - sy);
    const bend = p.out === p.in ? 40 + along * 0.15 : Math.max(30, along * 0.45);
    const c1x = sx + OUT[p.out][0] * bend;
    const c1y = sy + OUT[p.out][1] * bend;
    const c2x = tx + OUT[p.in][0] * bend;
    const c2y = ty + OUT[p.in][1] * bend;
    const at = (t: number) => ({ x: r1(bezierPoint(sx, c1x, c2x, tx, t)), y: r1(bezierPoint(sy, c1y, c2y, ty, t)) });
    const mid = at(0.5);
    routes.set(p.e.id, { d: `M${r1(sx)},${r1(sy)} C${r1(c1x)},${r1(c1y)} ${r1(c2x)},${r1(c2y)} ${r1(tx)},${r1(ty)}`, labelX: mid.x, labelY: mid.y, at });
  }
  return routes;
}

/**
 * Places edge labels where they overlap neither each other nor a node: each label tries the middle of
 * its curve, then points further out; a label that finds no room is left out (it shows on selection).
 */
export function placeLabels(
  labels: { id: string; width: number; height: number; route: Route; required?: boolean }[],
  nodes: Iterable<Box>,
): Map<string, { x: number; y: number }> {
  const taken: Box[] = [...nodes].map((b) => ({ x: b.x - 2, y: b.y - 2, width: b.width + 4, height: b.height + 4 }));
  const hit = (a: Box) => taken.some((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height);
  const out = new Map<string, { x: number; y: number }>();
  // Required labels (the selection) first, so that they always find their place.
  const order = [...labels].sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  for (const l of order) {
    for (const t of [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8]) {
      const p = l.route.at(t);
      const box = { x: p.x - l.width / 2, y: p.y - l.height / 2, width: l.width, height: l.height };
      if (!hit(box) || (l.required && t === 0.8)) {
        taken.push(box);
        out.set(l.id, { x: box.x, y: box.y });
        break;
      }
    }
  }
  return out;
}
