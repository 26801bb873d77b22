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
import { EXPOSURE_GROUP, EXTERNAL_GROUP, type Graph, type GraphEdge, type GraphNode } from './model';

/** Groups laid out as a column on the far edge of the picture: the pods that may come, and the outside. */
const OUTER = new Set([EXPOSURE_GROUP, EXTERNAL_GROUP]);

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
const MARGIN = 16;

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
  'elk.layered.spacing.nodeNodeBetweenLayers': '84',
  'elk.spacing.nodeNode': '34',
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
  return `${id}:${nodes.map((n) => n.id).join(',')}${OUTER.has(id) ? `|${direction}` : ''}`;
}

async function layoutGroup(id: string, nodes: GraphNode[], edges: GraphEdge[], direction: FlowDirection): Promise<InnerLayout> {
  const key = innerKey(id, nodes, direction);
  const placed = new Map<string, Box>();
  if (OUTER.has(id)) {
    // The outside world (and the pods that may come), on the far edge of the picture: a column on the right
    // (a row at the bottom when the picture flows down), in address order, the internet last.
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
        layoutOptions: OUTER.has(group.id) ? { 'elk.layered.layering.layerConstraint': 'LAST' } : {},
      });
    }
  }
  for (const n of g.nodes) {
    if (n.kind !== 'namespace') continue;
    top.set(n.id, `node:${n.id}`);
    children.push({ id: `node:${n.id}`, ...nodeSize(n) });
  }
  // Namespaces in name order, the outside last (model order keeps the picture calm).
  const rank = (id: string) => (id === `group:${EXTERNAL_GROUP}` ? 2 : id === `group:${EXPOSURE_GROUP}` ? 1 : 0);
  children.sort((a, b) => rank(a.id) - rank(b.id) || (sortName(a.id) < sortName(b.id) ? -1 : 1));
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
  for (const group of OUTER) {
    const outside = `group:${group}`;
    if (!children.some((c) => c.id === outside)) continue;
    for (const c of children) {
      if (OUTER.has(sortName(c.id)) || seen.has(`${c.id}>${outside}`)) continue;
      seen.add(`${c.id}>${outside}`);
      edges.push({ id: `t${edges.length}`, sources: [c.id], targets: [outside] });
    }
  }
  const rootGraph: ElkNode = { id: 'root', layoutOptions: { ...BASE, 'elk.direction': direction, 'elk.padding': `[top=${MARGIN},left=${MARGIN},bottom=${MARGIN},right=${MARGIN}]`, 'elk.layered.spacing.nodeNodeBetweenLayers': direction === 'DOWN' ? '80' : '100', 'elk.spacing.nodeNode': '36' }, children, edges };
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

export interface Point {
  x: number;
  y: number;
}

export interface Route {
  /** SVG path data. */
  d: string;
  /** The corners of the route, from the source's side to the target's. */
  points: Point[];
  /** Where the label goes by default (the middle of the route). */
  labelX: number;
  labelY: number;
  /** The route's point at a parameter t in [0, 1] of its length. */
  at(t: number): Point;
}

type Side = 'left' | 'right' | 'top' | 'bottom';

const SIDES: readonly Side[] = ['right', 'bottom', 'left', 'top'];
/** The unit vector out of a side. */
const OUT: Record<Side, [number, number]> = { left: [-1, 0], right: [1, 0], top: [0, -1], bottom: [0, 1] };

/** How far routes keep from the nodes they pass, and how far an edge leaves its node straight out. */
export const CLEARANCE = 8;
const STUB = 14;
/** What a corner costs, in pixels of length: fewer corners, easier to follow. */
const BEND = 40;
/** Above this many grid points the routes are not searched (a huge picture): straight corners instead. */
const MAX_GRID = 1_500_000;

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

/** The box an edge end is drawn at: a node, or (for an aggregate, `ns:<name>`) its namespace's box. */
export function endBox(layout: Layout, id: string): Box | undefined {
  return layout.nodes.get(id) ?? (id.startsWith('ns:') ? layout.groups.get(id.slice(3)) : undefined);
}

function anchor(box: Box, side: Side, f: number): Point {
  switch (side) {
    case 'left':
      return { x: box.x, y: box.y + box.height * f };
    case 'right':
      return { x: box.x + box.width, y: box.y + box.height * f };
    case 'top':
      return { x: box.x + box.width * f, y: box.y };
    case 'bottom':
      return { x: box.x + box.width * f, y: box.y + box.height };
  }
}

const inflate = (b: Box, m: number): Box => ({ x: b.x - m, y: b.y - m, width: b.width + 2 * m, height: b.height + 2 * m });
const strictlyInside = (p: Point, b: Box) => p.x > b.x && p.x < b.x + b.width && p.y > b.y && p.y < b.y + b.height;

/** A polyline as a Route. */
export function polylineRoute(points: Point[]): Route {
  const pts = simplify(points);
  const lengths = pts.slice(1).map((p, i) => Math.abs(p.x - pts[i].x) + Math.abs(p.y - pts[i].y));
  const total = lengths.reduce((a, b) => a + b, 0);
  const at = (t: number): Point => {
    let left = Math.max(0, Math.min(1, t)) * total;
    for (let i = 0; i < lengths.length; i++) {
      if (left <= lengths[i] || i === lengths.length - 1) {
        const f = lengths[i] === 0 ? 0 : Math.min(1, left / lengths[i]);
        return { x: r1(pts[i].x + (pts[i + 1].x - pts[i].x) * f), y: r1(pts[i].y + (pts[i + 1].y - pts[i].y) * f) };
      }
      left -= lengths[i];
    }
    return pts[0];
  };
  const mid = at(0.5);
  return { d: pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(p.x)},${r1(p.y)}`).join(' '), points: pts, labelX: mid.x, labelY: mid.y, at };
}

/** Drop repeated points and the middle of three in a line. */
function simplify(points: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.x - p.x) < 0.01 && Math.abs(last.y - p.y) < 0.01) continue;
    const before = out[out.length - 2];
    if (before && last && ((Math.abs(before.x - last.x) < 0.01 && Math.abs(last.x - p.x) < 0.01) || (Math.abs(before.y - last.y) < 0.01 && Math.abs(last.y - p.y) < 0.01))) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

function sortedUnique(values: number[]): number[] {
  const s = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of s) if (out.length === 0 || v - out[out.length - 1] > 1e-6) out.push(v);
  return out;
}

/** The first index with list[i] >= v. */
function lowerBound(list: number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (list[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * The orthogonal visibility grid of a picture: lines along the sides of every node (kept `CLEARANCE` away),
 * through every edge's stub end, and half-way between them (routes run down the middle of corridors).
 * A grid segment is blocked when it runs through a node's cleared box.
 */
class Grid {
  readonly xs: number[];
  readonly ys: number[];
  private readonly hBlocked: Uint8Array;
  private readonly vBlocked: Uint8Array;
  /** How many routes already use each segment (new routes avoid sharing, so that each stays readable). */
  private readonly hUsed: Uint16Array;
  private readonly vUsed: Uint16Array;

  /** A* scratch space, reset after each search where it was touched. */
  private readonly g: Float64Array;
  private readonly prev: Int32Array;

  constructor(
    obstacles: Box[],
    extraX: number[],
    extraY: number[],
    bounds: Box,
  ) {
    const lines = (base: number[]) => {
      const s = sortedUnique(base);
      const mids = s.slice(1).map((v, i) => (v + s[i]) / 2);
      return sortedUnique([...s, ...mids]);
    };
    this.xs = lines([...obstacles.flatMap((o) => [o.x, o.x + o.width]), ...extraX, bounds.x, bounds.x + bounds.width]);
    this.ys = lines([...obstacles.flatMap((o) => [o.y, o.y + o.height]), ...extraY, bounds.y, bounds.y + bounds.height]);
    const nx = this.xs.length;
    const ny = this.ys.length;
    this.hBlocked = new Uint8Array(nx * ny);
    this.vBlocked = new Uint8Array(nx * ny);
    this.hUsed = new Uint16Array(nx * ny);
    this.vUsed = new Uint16Array(nx * ny);
    this.g = new Float64Array(nx * ny * 2).fill(Infinity);
    this.prev = new Int32Array(nx * ny * 2).fill(-1);
    for (const o of obstacles) {
      const i0 = lowerBound(this.xs, o.x - 0.01);
      const i1 = lowerBound(this.xs, o.x + o.width + 0.01);
      const j0 = lowerBound(this.ys, o.y - 0.01);
      const j1 = lowerBound(this.ys, o.y + o.height + 0.01);
      // Horizontal segments i..i+1 on rows strictly inside; vertical ones j..j+1 on columns strictly inside.
      for (let j = j0; j < j1; j++) {
        const y = this.ys[j];
        if (y <= o.y + 0.01 || y >= o.y + o.height - 0.01) continue;
        for (let i = i0; i < i1 - 1; i++) this.hBlocked[j * nx + i] = 1;
      }
      for (let i = i0; i < i1; i++) {
        const x = this.xs[i];
        if (x <= o.x + 0.01 || x >= o.x + o.width - 0.01) continue;
        for (let j = j0; j < j1 - 1; j++) this.vBlocked[j * nx + i] = 1;
      }
    }
  }

  static size(obstacles: number, extra: number): number {
    const n = 2 * (2 * obstacles + extra + 2);
    return n * n;
  }

  /**
   * The cheapest orthogonal path between two grid points (A*): length, plus a price per corner and per
   * segment another route already takes. `startVertical`/`endVertical`: the stubs' directions.
   */
  search(from: Point, to: Point, startVertical: boolean, endVertical: boolean): Point[] | undefined {
    const { xs, ys } = this;
    const nx = xs.length;
    const si = lowerBound(xs, from.x - 1e-6);
    const sj = lowerBound(ys, from.y - 1e-6);
    const ti = lowerBound(xs, to.x - 1e-6);
    const tj = lowerBound(ys, to.y - 1e-6);
    if (Math.abs(xs[si] - from.x) > 1e-6 || Math.abs(ys[sj] - from.y) > 1e-6 || Math.abs(xs[ti] - to.x) > 1e-6 || Math.abs(ys[tj] - to.y) > 1e-6) return undefined;
    const { g, prev } = this;
    const touched: number[] = [];
    const heap = new Heap();
    const h = (i: number, j: number) => Math.abs(xs[i] - xs[ti]) + Math.abs(ys[j] - ys[tj]);
    const start = (sj * nx + si) * 2 + (startVertical ? 1 : 0);
    g[start] = 0;
    touched.push(start);
    heap.push(h(si, sj), start);
    let goal = -1;
    let best = Infinity;
    while (heap.size > 0) {
      const [f, s] = heap.pop();
      if (f >= best) break;
      const cell = s >> 1;
      const vertical = (s & 1) === 1;
      const i = cell % nx;
      const j = (cell - i) / nx;
      const gs = g[s];
      if (f > gs + h(i, j) + 1e-6) continue; // a stale entry
      if (i === ti && j === tj) {
        const total = gs + (vertical === endVertical ? 0 : BEND);
        if (total < best) {
          best = total;
          goal = s;
        }
        continue;
      }
      const step = (ni: number, nj: number, v: boolean, len: number, used: number) => {
        const ns = (nj * nx + ni) * 2 + (v ? 1 : 0);
        const cost = gs + len * (1 + 0.75 * used) + (v === vertical ? 0 : BEND);
        if (cost < g[ns]) {
          if (g[ns] === Infinity) touched.push(ns);
          g[ns] = cost;
          prev[ns] = s;
          heap.push(cost + h(ni, nj), ns);
        }
      };
      if (i + 1 < nx && !this.hBlocked[cell]) step(i + 1, j, false, xs[i + 1] - xs[i], this.hUsed[cell]);
      if (i > 0 && !this.hBlocked[cell - 1]) step(i - 1, j, false, xs[i] - xs[i - 1], this.hUsed[cell - 1]);
      if (j + 1 < ys.length && !this.vBlocked[cell]) step(i, j + 1, true, ys[j + 1] - ys[j], this.vUsed[cell]);
      if (j > 0 && !this.vBlocked[cell - nx]) step(i, j - 1, true, ys[j] - ys[j - 1], this.vUsed[cell - nx]);
    }
    const cells: number[] = [];
    if (goal >= 0) for (let s = goal; s >= 0; s = prev[s]) cells.push(s >> 1);
    cells.reverse();
    for (const s of touched) {
      g[s] = Infinity;
      prev[s] = -1;
    }
    if (goal < 0) return undefined;
    // Mark the segments as used.
    for (let k = 1; k < cells.length; k++) {
      const a = Math.min(cells[k - 1], cells[k]);
      if (Math.abs(cells[k] - cells[k - 1]) === 1) this.hUsed[a]++;
      else this.vUsed[a]++;
    }
    return cells.map((c) => ({ x: xs[c % nx], y: ys[Math.floor(c / nx)] }));
  }
}

/** A binary min-heap of (priority, value). */
class Heap {
  private readonly keys: number[] = [];
  private readonly values: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(k: number, v: number): void {
    const { keys, values } = this;
    let i = keys.length;
    keys.push(k);
    values.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= k) break;
      keys[i] = keys[p];
      values[i] = values[p];
      i = p;
    }
    keys[i] = k;
    values[i] = v;
  }
  pop(): [number, number] {
    const { keys, values } = this;
    const top: [number, number] = [keys[0], values[0]];
    const k = keys.pop()!;
    const v = values.pop()!;
    if (keys.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= keys.length) break;
        const c = l + 1 < keys.length && keys[l + 1] < keys[l] ? l + 1 : l;
        if (keys[c] >= k) break;
        keys[i] = keys[c];
        values[i] = values[c];
        i = c;
      }
      keys[i] = k;
      values[i] = v;
    }
    return top;
  }
}

/**
 * Orthogonal routes around the nodes: each edge leaves its source on the side that faces its target
 * (edges sharing a side spread along it, in the order of their other ends, so they do not cross at the
 * node), goes straight out, then follows the corridors between nodes, never through a node's box, with
 * few corners and apart from the other routes where there is room. An aggregate (`ns:<name>` ends)
 * starts and ends at its namespace's box.
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
  const obstacles = [...layout.nodes.values()].map((b) => inflate(b, CLEARANCE));
  const free = (p: Point) => !obstacles.some((o) => strictlyInside(p, o));
  const stubEnd = (box: Box, side: Side, f: number): Point => {
    const p = anchor(box, side, f);
    return { x: p.x + OUT[side][0] * STUB, y: p.y + OUT[side][1] * STUB };
  };
  for (const e of edges) {
    const a = endBox(layout, e.src);
    const b = endBox(layout, e.dst);
    if (!a || !b) continue;
    let [out, inn] = sides(a, b);
    // A side whose way out is taken by a neighbour: the next side that is free.
    if (!free(stubEnd(a, out, 0.5))) out = SIDES.find((s) => free(stubEnd(a, s, 0.5))) ?? out;
    if (!free(stubEnd(b, inn, 0.5))) inn = SIDES.find((s) => free(stubEnd(b, s, 0.5))) ?? inn;
    plan.push({ e, a, b, out, in: inn });
    slot(e.src, out, b, `${e.id}|out`);
    slot(e.dst, inn, a, `${e.id}|in`);
  }
  const offset = new Map<string, number>();
  for (const l of slots.values()) {
    l.sort((x, y) => x.key - y.key || (x.id < y.id ? -1 : 1));
    l.forEach((s, i) => offset.set(s.id, (i + 1) / (l.length + 1)));
  }
  const ends = plan.map((p) => {
    const fa = offset.get(`${p.e.id}|out`)!;
    const fb = offset.get(`${p.e.id}|in`)!;
    return { from: anchor(p.a, p.out, fa), s: stubEnd(p.a, p.out, fa), t: stubEnd(p.b, p.in, fb), to: anchor(p.b, p.in, fb) };
  });
  const routes = new Map<string, Route>();
  const all = [...layout.nodes.values(), ...layout.groups.values()];
  const minX = Math.min(0, ...all.map((b) => b.x)) - 3 * STUB;
  const minY = Math.min(0, ...all.map((b) => b.y)) - 3 * STUB;
  const maxX = Math.max(layout.width, ...all.map((b) => b.x + b.width)) + 3 * STUB;
  const maxY = Math.max(layout.height, ...all.map((b) => b.y + b.height)) + 3 * STUB;
  const grid =
    Grid.size(obstacles.length, 2 * ends.length) <= MAX_GRID
      ? new Grid(obstacles, ends.flatMap((x) => [x.s.x, x.t.x]), ends.flatMap((x) => [x.s.y, x.t.y]), { x: minX, y: minY, width: maxX - minX, height: maxY - minY })
      : undefined;
  // Shorter edges first: they have the fewest ways to go.
  const order = plan.map((_, i) => i).sort((i, j) => {
    const len = (k: number) => Math.abs(ends[k].s.x - ends[k].t.x) + Math.abs(ends[k].s.y - ends[k].t.y);
    return len(i) - len(j) || (plan[i].e.id < plan[j].e.id ? -1 : 1);
  });
  for (const k of order) {
    const p = plan[k];
    const { from, s, t, to } = ends[k];
    const vertical = (side: Side) => side === 'top' || side === 'bottom';
    const path = grid?.search(s, t, vertical(p.out), vertical(p.in)) ?? elbow(s, t, vertical(p.out));
    routes.set(p.e.id, polylineRoute([from, ...path, to]));
  }
  return routes;
}

/** Without a grid: one or two corners between the stub ends. */
function elbow(s: Point, t: Point, vertical: boolean): Point[] {
  if (vertical) {
    const my = (s.y + t.y) / 2;
    return [s, { x: s.x, y: my }, { x: t.x, y: my }, t];
  }
  const mx = (s.x + t.x) / 2;
  return [s, { x: mx, y: s.y }, { x: mx, y: t.y }, t];
}

/**
 * Places edge labels on their routes where they overlap neither each other nor a node: each label tries
 * the middle of its route's segments, the long straight ones first, those running the label's way before
 * the others. A label that finds no free place sits where it covers no node, over another label if it
 * must; one that cannot keep off the nodes anywhere is left out (it shows on selection), unless required.
 */
export function placeLabels(
  labels: { id: string; width: number; height: number; route: Route; required?: boolean; shorter?: number[] }[],
  nodes: Iterable<Box>,
): Map<string, { x: number; y: number; width: number }> {
  const nodeBoxes: Box[] = [...nodes].map((b) => ({ x: b.x - 2, y: b.y - 2, width: b.width + 4, height: b.height + 4 }));
  const placedBoxes: Box[] = [];
  const hits = (a: Box, list: Box[]) => list.some((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height);
  const out = new Map<string, { x: number; y: number; width: number }>();
  // Required labels (the selection) first, so that they always find their place.
  const order = [...labels].sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  const candidatesOf = (route: Route, width: number, height: number): Box[] => {
    const pts = route.points;
    const segments = pts.slice(1).map((q, i) => {
      const p = pts[i];
      const horizontal = Math.abs(p.y - q.y) < 0.01;
      const len = Math.abs(p.x - q.x) + Math.abs(p.y - q.y);
      return { p, q, horizontal, len, fits: horizontal ? len >= width : len >= height };
    });
    segments.sort((a, b) => Number(b.fits && b.horizontal) - Number(a.fits && a.horizontal) || Number(b.fits) - Number(a.fits) || b.len - a.len);
    const out: Box[] = [];
    for (const sgm of segments) {
      // The middle first, then every 8 px outwards.
      const steps = Math.max(1, Math.floor(sgm.len / 16));
      for (let k = 0; k <= steps; k++) {
        for (const t of k === 0 ? [0.5] : [0.5 - k / (2 * steps), 0.5 + k / (2 * steps)]) {
          const x = sgm.p.x + (sgm.q.x - sgm.p.x) * t;
          const y = sgm.p.y + (sgm.q.y - sgm.p.y) * t;
          out.push({ x: x - width / 2, y: y - height / 2, width, height });
        }
      }
    }
    return out;
  };
  for (const l of order) {
    // The full text, then shorter forms of it: the first that finds a free place, then the first that at
    // least keeps off the nodes.
    const widths = [l.width, ...(l.shorter ?? [])];
    const all = widths.map((w) => candidatesOf(l.route, w, l.height));
    const box =
      all.map((c) => c.find((b) => !hits(b, nodeBoxes) && !hits(b, placedBoxes))).find(Boolean) ??
      all.map((c) => c.find((b) => !hits(b, nodeBoxes))).find(Boolean) ??
      (l.required ? all[0][0] : undefined);
    if (!box) continue;
    placedBoxes.push(box);
    out.set(l.id, { x: box.x, y: box.y, width: box.width });
  }
  return out;
}
