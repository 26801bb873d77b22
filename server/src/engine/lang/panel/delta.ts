/**
 * The panel's data as a change: what differs between the data a client holds (one revision) and the new
 * data, so that an edit sends the panel the nodes and edges it changed instead of every one of them. Both
 * sides name nodes by id and connection sets by text (the index-based arrays of a result renumber freely);
 * `applyReachabilityDelta(before, reachabilityDelta(before, after))` is `after`, field for field.
 *
 * Pure: the server computes deltas, the panel's webview applies them.
 */
import type { ReachabilityDelta, ReachabilityResult, ReachDeltaEdge, ReachEdge, ReachNode } from './types';

/** Edges in the order results give them: by source node, then destination node. */
export function edgeOrder(a: ReachEdge, b: ReachEdge): number {
  return a.src - b.src || a.dst - b.dst;
}

function deltaEdge(e: ReachEdge, r: ReachabilityResult): ReachDeltaEdge {
  const { src, dst, via, conns, before, ...rest } = e;
  return {
    ...rest,
    src: r.nodes[src].id,
    dst: r.nodes[dst].id,
    conns: r.conns[conns].text,
    ...(via !== undefined ? { via: r.nodes[via].id } : {}),
    ...(before !== undefined ? { before: r.conns[before].text } : {}),
  };
}

/** Everything of a result but its nodes and edges. */
function restOf(r: ReachabilityResult): ReachabilityDelta['rest'] {
  const rest: Partial<ReachabilityResult> = { ...r };
  delete rest.nodes;
  delete rest.edges;
  return rest as ReachabilityDelta['rest'];
}

const key = (e: { src: string; dst: string }) => `${e.src}\u0000${e.dst}`;

/** Plain data (what JSON carries) equal, field for field. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Fields of an edge that number nodes, and those that number connection sets. */
const NODE_FIELDS = new Set(['src', 'dst', 'via']);
const CONNS_FIELDS = new Set(['conns', 'before']);

/** Two edges of two results the same: node numbers read through `toAfter` (before's node to after's), connections by text. */
function sameEdge(a: ReachEdge, ra: ReachabilityResult, b: ReachEdge, rb: ReachabilityResult, toAfter: readonly number[]): boolean {
  const ka = Object.keys(a) as (keyof ReachEdge)[];
  if (ka.filter((k) => a[k] !== undefined).length !== (Object.keys(b) as (keyof ReachEdge)[]).filter((k) => b[k] !== undefined).length) return false;
  for (const k of ka) {
    const x = a[k];
    const y = b[k];
    if (x === undefined) continue;
    if (y === undefined) return false;
    if (NODE_FIELDS.has(k) ? toAfter[x as number] !== y : CONNS_FIELDS.has(k) ? ra.conns[x as number].text !== rb.conns[y as number].text : !same(x, y)) return false;
  }
  return true;
}

/**
 * What changed from `before` to `after` (two results of the whole workspace, not focused, not compared);
 * undefined when they cannot be told apart by pairs (a pair with two edges: then the new data goes whole).
 */
export function reachabilityDelta(before: ReachabilityResult, after: ReachabilityResult): ReachabilityDelta | undefined {
  if (before.focus !== undefined || after.focus !== undefined || before.compare || after.compare) return undefined;
  // Pairs numbered by the new data's nodes; a node that is gone numbers nothing.
  const afterIndex = new Map(after.nodes.map((n, i) => [n.id, i]));
  const toAfter = before.nodes.map((n) => afterIndex.get(n.id) ?? -1);
  const width = after.nodes.length + 1;
  const edges1 = new Map<number, ReachEdge>();
  const removed: [string, string][] = [];
  for (const e of before.edges) {
    const [src, dst] = [toAfter[e.src], toAfter[e.dst]];
    if (src < 0 || dst < 0) {
      removed.push([before.nodes[e.src].id, before.nodes[e.dst].id]);
      continue;
    }
    const k = src * width + dst;
    if (edges1.has(k)) return undefined;
    edges1.set(k, e);
  }
  const edges: ReachDeltaEdge[] = [];
  const seen = new Set<number>();
  for (const e of after.edges) {
    const k = e.src * width + e.dst;
    if (seen.has(k)) return undefined;
    seen.add(k);
    const was = edges1.get(k);
    if (!was || !sameEdge(was, before, e, after, toAfter)) edges.push(deltaEdge(e, after));
  }
  for (const [k, e] of edges1) if (!seen.has(k)) removed.push([before.nodes[e.src].id, before.nodes[e.dst].id]);
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const nodes: ReachNode[] = after.nodes.filter((n) => !same(old.get(n.id), n));
  const sameOrder = before.nodes.length === after.nodes.length && before.nodes.every((_, i) => toAfter[i] === i);
  return { since: before.revision, rest: restOf(after), ...(sameOrder ? {} : { order: after.nodes.map((n) => n.id) }), nodes, edges, removed };
}

/** Whether a delta changes nothing but the revision. */
export function emptyDelta(d: ReachabilityDelta, before: ReachabilityResult): boolean {
  if (d.nodes.length > 0 || d.edges.length > 0 || d.removed.length > 0 || d.order) return false;
  return JSON.stringify({ ...restOf(before), revision: 0 }) === JSON.stringify({ ...d.rest, revision: 0 });
}

/** The data `delta` leads to from `before` (whose revision is `delta.since`). Throws on a delta that does not fit. */
export function applyReachabilityDelta(before: ReachabilityResult, delta: ReachabilityDelta): ReachabilityResult {
  if (before.revision !== delta.since) throw new Error(`the change is from revision ${delta.since}, the data is of revision ${before.revision}`);
  const byId = new Map(before.nodes.map((n) => [n.id, n]));
  for (const n of delta.nodes) byId.set(n.id, n);
  const order = delta.order ?? before.nodes.map((n) => n.id);
  const nodes = order.map((id) => {
    const n = byId.get(id);
    if (!n) throw new Error(`the change names a node it does not give: ${id}`);
    return n;
  });
  const nodeIndex = new Map(order.map((id, i) => [id, i]));
  const connsIndex = new Map(delta.rest.conns.map((c, i) => [c.text, i]));
  const node = (id: string) => {
    const i = nodeIndex.get(id);
    if (i === undefined) throw new Error(`an edge of the change names an unknown node: ${id}`);
    return i;
  };
  const conns = (text: string) => {
    const i = connsIndex.get(text);
    if (i === undefined) throw new Error(`an edge of the change names unknown connections: ${text}`);
    return i;
  };
  const edges = new Map<string, ReachDeltaEdge>();
  for (const e of before.edges) {
    const d = deltaEdge(e, before);
    edges.set(key(d), d);
  }
  for (const [src, dst] of delta.removed) edges.delete(key({ src, dst }));
  for (const e of delta.edges) edges.set(key(e), e);
  const out: ReachEdge[] = [];
  for (const e of edges.values()) {
    const { src, dst, via, conns: c, before: b, ...rest } = e;
    out.push({
      src: node(src),
      dst: node(dst),
      conns: conns(c),
      ...rest,
      ...(via !== undefined ? { via: node(via) } : {}),
      ...(b !== undefined ? { before: conns(b) } : {}),
    } as ReachEdge);
  }
  out.sort(edgeOrder);
  return { ...delta.rest, nodes, edges: out };
}
