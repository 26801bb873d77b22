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

/** Every edge of a result by its pair, or undefined when a pair has two edges (the result is then sent whole). */
function edgesByPair(r: ReachabilityResult): Map<string, ReachDeltaEdge> | undefined {
  const out = new Map<string, ReachDeltaEdge>();
  for (const e of r.edges) {
    const d = deltaEdge(e, r);
    const k = key(d);
    if (out.has(k)) return undefined;
    out.set(k, d);
  }
  return out;
}

/**
 * What changed from `before` to `after` (two results of the whole workspace, not focused, not compared);
 * undefined when they cannot be told apart by pairs (then the new data goes whole).
 */
export function reachabilityDelta(before: ReachabilityResult, after: ReachabilityResult): ReachabilityDelta | undefined {
  if (before.focus !== undefined || after.focus !== undefined || before.compare || after.compare) return undefined;
  const edges1 = edgesByPair(before);
  const edges2 = edgesByPair(after);
  if (!edges1 || !edges2) return undefined;
  const old = new Map(before.nodes.map((n) => [n.id, JSON.stringify(n)]));
  const nodes: ReachNode[] = after.nodes.filter((n) => old.get(n.id) !== JSON.stringify(n));
  const sameOrder = before.nodes.length === after.nodes.length && before.nodes.every((n, i) => n.id === after.nodes[i].id);
  const edges: ReachDeltaEdge[] = [];
  for (const [k, e] of edges2) {
    const was = edges1.get(k);
    if (!was || JSON.stringify(was) !== JSON.stringify(e)) edges.push(e);
  }
  const removed: [string, string][] = [];
  for (const [k, e] of edges1) if (!edges2.has(k)) removed.push([e.src, e.dst]);
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
