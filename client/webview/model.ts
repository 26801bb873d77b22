/**
 * The panel's view model: pure functions from the server's reachability data, the filters, the focus and
 * the folded namespaces to what the graph and the matrix draw. No DOM here (unit-tested under Node).
 */
import type { EdgeChange, EdgeObserved, EdgeVerdict, PortInterval, ReachabilityResult, ReachConns, ReachEdge, ReachNode } from '../../server/src/lsp/protocol';
import type { Filters } from '../src/panel/messages';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['SCTP', 'TCP', 'UDP'];

/** Above this many workloads the panel opens on the matrix and folds namespaces in the graph. */
export const GRAPH_THRESHOLD = 60;
/** Namespaces start folded above this many workloads. */
export const FOLD_THRESHOLD = 150;
/** The graph never draws more nodes than this; beyond it namespaces are folded for the picture. */
export const GRAPH_MAX_NODES = 250;

export const EXTERNAL_GROUP = '\u0000external';
/** Pods that may come: what policies admit by label and no manifest holds yet (exposure nodes). */
export const EXPOSURE_GROUP = '\u0000exposure';

/** A group's name as shown: a namespace, the pods that may come, or the outside. */
export function groupLabel(group: string): string {
  return group === EXTERNAL_GROUP ? 'outside the cluster' : group === EXPOSURE_GROUP ? 'pods that may come' : group;
}

/** Namespaces fold; the outside and the pods that may come do not. */
export function foldable(group: string): boolean {
  return group !== EXTERNAL_GROUP && group !== EXPOSURE_GROUP;
}

// ---- ports and connections ---------------------------------------------------------------------------

export interface PortQuery {
  protocol?: Protocol;
  lo?: number;
  hi?: number;
}

/** `443`, `TCP`, `udp 53`, `53/udp`, `TCP:8000-8080`; undefined when empty, 'invalid' when unreadable. */
export function parsePortFilter(text: string): PortQuery | undefined | 'invalid' {
  const s = text.trim().toUpperCase();
  if (s === '') return undefined;
  const proto = /TCP|UDP|SCTP/.exec(s)?.[0] as Protocol | undefined;
  const rest = s.replace(/TCP|UDP|SCTP/, '').replace(/[\s/:]+/g, ' ').trim();
  if (rest === '') return proto ? { protocol: proto } : 'invalid';
  const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(rest);
  if (!m) return 'invalid';
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) return 'invalid';
  return { protocol: proto, lo, hi };
}

export function connsMatch(c: ReachConns, q: PortQuery | undefined): boolean {
  if (!q) return true;
  if (c.all) return true;
  for (const p of q.protocol ? [q.protocol] : PROTOCOLS) {
    const list = c[p];
    if (!list || list.length === 0) continue;
    if (q.lo === undefined) return true;
    if (list.some(([a, b]) => a <= q.hi! && q.lo! <= b)) return true;
  }
  return false;
}

function mergeIntervals(list: PortInterval[]): PortInterval[] {
  const sorted = [...list].sort((x, y) => x[0] - y[0]);
  const out: PortInterval[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function intervalsText(list: PortInterval[]): string {
  return list.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

/** netpol-analyzer's text for a set of connections. */
export function connsText(c: Omit<ReachConns, 'text'>): string {
  if (c.all) return 'All Connections';
  const parts = PROTOCOLS.filter((p) => (c[p]?.length ?? 0) > 0).map((p) => `${p} ${intervalsText(c[p]!)}`);
  return parts.length === 0 ? 'No Connections' : parts.join(',');
}

export function unionConns(list: ReachConns[]): ReachConns {
  if (list.length === 1) return list[0];
  if (list.some((c) => c.all)) return { all: true, text: 'All Connections' };
  const out: Omit<ReachConns, 'text'> = { all: false };
  for (const p of PROTOCOLS) {
    const merged = mergeIntervals(list.flatMap((c) => c[p] ?? []));
    if (merged.length > 0) out[p] = merged;
  }
  if (PROTOCOLS.every((p) => out[p]?.length === 1 && out[p]![0][0] === 1 && out[p]![0][1] === 65535)) return { all: true, text: 'All Connections' };
  return { ...out, text: connsText(out) };
}

/** A few characters for a matrix cell: `all`, `443`, `53/udp`, `443,8000…`. */
export function shortConns(c: ReachConns, max = 9): string {
  if (c.all) return 'all';
  const parts: string[] = [];
  for (const p of PROTOCOLS) {
    const list = c[p];
    if (!list || list.length === 0) continue;
    const all = list.length === 1 && list[0][0] === 1 && list[0][1] === 65535;
    const ports = all ? '*' : intervalsText(list);
    parts.push(p === 'TCP' ? ports : `${ports}/${p.toLowerCase()}`);
  }
  const s = parts.join(' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The label drawn on an edge: ports without the noise (`TCP 443,8000`, `all ports`). */
export function edgeLabel(c: ReachConns): string {
  return c.all ? 'all ports' : c.text;
}

// Blocked (observed traffic no rule allows) gives way to anything the workspace allows: the mark says it.
const SEVERITY: Record<EdgeVerdict, number> = { blocked: -1, exposure: -0.5, allowed: 0, gateway: 1, unrestricted: 2 };

/** The verdict an aggregate shows: the riskiest of its members. */
export function worst(a: EdgeVerdict, b: EdgeVerdict): EdgeVerdict {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

// ---- filters ------------------------------------------------------------------------------------------

export interface Filtered {
  /** Indexes into data.edges. */
  edges: number[];
  /** Indexes into data.nodes, in display order (namespaces, then workloads, then addresses). */
  nodes: number[];
  /** The port filter could not be read (it is then ignored). */
  invalidPort: boolean;
}

export function isExternal(n: ReachNode): boolean {
  return n.kind !== 'workload' && n.kind !== 'exposure';
}

export function groupOf(n: ReachNode): string {
  return n.kind === 'workload' ? (n.namespace ?? '') : n.kind === 'exposure' ? EXPOSURE_GROUP : EXTERNAL_GROUP;
}

/** Namespaces by name, then the pods that may come, then the outside. */
function groupRank(g: string): number {
  return g === EXTERNAL_GROUP ? 2 : g === EXPOSURE_GROUP ? 1 : 0;
}

function compareNodes(a: ReachNode, b: ReachNode): number {
  const ga = groupOf(a);
  const gb = groupOf(b);
  if (ga !== gb) return groupRank(ga) - groupRank(gb) || (ga < gb ? -1 : 1);
  if (a.kind === 'internet' || b.kind === 'internet') return a.kind === 'internet' ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function hasEdgeFilters(f: Filters): boolean {
  return f.port.trim() !== '' || f.onlyUnrestricted || f.onlyExternal;
}

/**
 * Which edges and nodes pass. The subjects are the focused workload, else the namespace's workloads,
 * else every workload; the direction keeps the subjects' egress (edges from them), ingress (to them) or
 * both. The text keeps edges with an end whose id or label contains it.
 */
export function applyFilters(data: ReachabilityResult, f: Filters, focus?: string): Filtered {
  const nodes = data.nodes;
  const focusIndex = focus === undefined ? -1 : nodes.findIndex((n) => n.id === focus);
  const text = f.text.trim().toLowerCase();
  const matchesText = (n: ReachNode) => text === '' || n.id.toLowerCase().includes(text) || n.label.toLowerCase().includes(text);
  const isSubject = (i: number) => {
    if (focusIndex >= 0) return i === focusIndex;
    const n = nodes[i];
    if (f.namespace) return n.kind === 'workload' && n.namespace === f.namespace;
    return n.kind === 'workload';
  };
  const parsed = parsePortFilter(f.port);
  const port = parsed === 'invalid' ? undefined : parsed;
  const edges: number[] = [];
  const visible = new Set<number>();
  data.edges.forEach((e, i) => {
    const s = isSubject(e.src);
    const d = isSubject(e.dst);
    if (f.direction === 'egress' ? !s : f.direction === 'ingress' ? !d : !s && !d) return;
    if (text && !matchesText(nodes[e.src]) && !matchesText(nodes[e.dst])) return;
    if (f.onlyUnrestricted && e.verdict !== 'unrestricted') return;
    if (f.onlyExternal && !isExternal(nodes[e.src]) && !isExternal(nodes[e.dst])) return;
    if (!connsMatch(data.conns[e.conns], port)) return;
    edges.push(i);
    visible.add(e.src);
    visible.add(e.dst);
  });
  // An egress gateway's onward legs follow the traffic shown into it: source → gateway → host, whole.
  if (f.direction !== 'ingress') {
    data.edges.forEach((e, i) => {
      if (nodes[e.src].kind !== 'gateway' || !visible.has(e.src) || edges.includes(i) || !connsMatch(data.conns[e.conns], port)) return;
      edges.push(i);
      visible.add(e.dst);
    });
  }
  if (focusIndex >= 0) visible.add(focusIndex);
  // Without edge filters, the subjects show even when they reach nothing (an isolated workload is news too).
  if (!hasEdgeFilters(f) && focusIndex < 0) nodes.forEach((n, i) => isSubject(i) && matchesText(n) && visible.add(i));
  const order = [...visible].sort((a, b) => compareNodes(nodes[a], nodes[b]));
  return { edges, nodes: order, invalidPort: parsed === 'invalid' };
}

/** Namespaces folded when the user has not chosen: all of them above the threshold. */
export function defaultCollapsed(data: ReachabilityResult): string[] {
  const workloads = data.nodes.filter((n) => n.kind === 'workload');
  if (workloads.length <= FOLD_THRESHOLD) return [];
  return [...new Set(workloads.map((n) => n.namespace ?? ''))].sort();
}

export function defaultView(data: ReachabilityResult): 'graph' | 'matrix' {
  return data.nodes.filter((n) => n.kind === 'workload').length > GRAPH_THRESHOLD ? 'matrix' : 'graph';
}

// ---- graph --------------------------------------------------------------------------------------------

export interface GraphNode {
  /** A node id of the data, or `ns:<name>` for a folded namespace. */
  id: string;
  kind: ReachNode['kind'] | 'namespace';
  label: string;
  /** Second line: the workload kind, the namespace's size. */
  detail: string;
  /** The namespace it is drawn in, or EXTERNAL_GROUP. */
  group: string;
  /** A workload (or a folded namespace holding one) whose egress no policy restricts. */
  risk: boolean;
  /** Data node indexes behind it (one, or a folded namespace's members). */
  members: number[];
  /** Edges inside a folded namespace (not drawn). */
  internal?: number;
  ariaLabel: string;
  /** Compare mode: a workload only in the new state, or only in the compared revision. */
  change?: 'added' | 'removed';
  /** Observed traffic: a destination drawn only because flows reached it. */
  observed?: boolean;
}

export interface GraphEdge {
  id: string;
  src: string;
  dst: string;
  verdict: EdgeVerdict;
  conns: ReachConns;
  /** Data edge indexes behind it. */
  members: number[];
  ariaLabel: string;
  /** Compare mode: how it differs from the compared revision (see changeOf). */
  change?: EdgeChange;
  /** Observed traffic: whether flows took it and would be blocked (see observedOf); none: no flow took it. */
  observed?: EdgeObserved;
  /** Observed traffic: the flows on it, and of them those that would be blocked. */
  flows?: number;
  blockedFlows?: number;
  /** From an egress gateway to a host: what the gateway applies, in words (`logged · no limits · TLS originated`). */
  applies?: string;
  /**
   * The namespace pair it joins (`shop→internet`, `shop→payments`): set on an aggregate, which stands for
   * every edge between two expanded namespaces (or a namespace and an address outside) until expanded.
   */
  pair?: string;
}

export interface GraphGroup {
  id: string;
  label: string;
  collapsed: boolean;
  /** Node ids drawn inside it (empty when collapsed: the namespace is then one node). */
  nodes: string[];
}

export interface Graph {
  groups: GraphGroup[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const nsNodeId = (ns: string): string => `ns:${ns}`;
export const edgeId = (src: string, dst: string): string => `${src}\u2192${dst}`;

function describeNode(n: ReachNode): string {
  if (n.kind === 'workload') return `${n.workloadKind ?? 'workload'} ${n.namespace}/${n.label}, egress ${n.egressRestricted ? 'restricted' : 'unrestricted'}`;
  if (n.kind === 'internet') return 'internet: every address no policy names';
  if (n.kind === 'exposure') return `${n.label}: pods no manifest holds yet that a policy admits (${n.selector ?? ''})`;
  if (n.observed) return `${n.label}: an observed destination no policy names`;
  return `addresses ${n.label}`;
}

function nodeName(n: ReachNode): string {
  return n.kind === 'workload' ? `${n.namespace}/${n.label}` : n.label;
}

interface DrawnEdge {
  src: GraphNode;
  dst: GraphNode;
  verdict: EdgeVerdict;
  conns: ReachConns[];
  members: number[];
  /** An aggregate: its namespace pair, and how many drawn edges it stands for. */
  pair?: string;
  edges?: number;
}

/** The end of an edge as a namespace pair sees it: a workload's namespace (drawn as its box), or the node itself. */
function pairEnd(n: { kind: string; id: string; namespace?: string }): string {
  return n.kind === 'workload' ? nsNodeId(n.namespace ?? '') : n.id;
}

/** The key of the namespace pair an edge between two nodes belongs to; undefined inside one namespace. */
export function pairOf(src: { kind: string; id: string; namespace?: string }, dst: { kind: string; id: string; namespace?: string }): string | undefined {
  const a = pairEnd(src);
  const b = pairEnd(dst);
  if (a === b || (src.kind !== 'workload' && dst.kind !== 'workload')) return undefined;
  return `${a.replace(/^ns:/, '')}\u2192${b.replace(/^ns:/, '')}`;
}

/**
 * The data edges (of those shown) behind a drawn edge whose ends may be namespaces (`ns:<name>`: a folded
 * namespace, or an aggregate's box) or nodes.
 */
export function edgesBetween(data: ReachabilityResult, shown: number[], src: string, dst: string): number[] {
  const at = (n: ReachNode, end: string) => n.id === end || (end.startsWith('ns:') && n.kind === 'workload' && nsNodeId(n.namespace ?? '') === end);
  return shown.filter((i) => at(data.nodes[data.edges[i].src], src) && at(data.nodes[data.edges[i].dst], dst));
}

/** The pair an edge between two data nodes (by id) is aggregated in, if any. */
export function pairOfEdge(data: ReachabilityResult, src: string, dst: string): string | undefined {
  const a = data.nodes.find((n) => n.id === src);
  const b = data.nodes.find((n) => n.id === dst);
  return a && b ? pairOf(a, b) : undefined;
}

/**
 * Edges between two namespaces (or a namespace and one address outside) drawn as one, from box to box,
 * unless their pair is expanded: the riskiest verdict, the union of the ports, every data edge behind it.
 * A pair with one edge is drawn as that edge.
 */
function aggregatePairs(edges: Map<string, DrawnEdge>, expanded: ReadonlySet<string> | 'all'): void {
  if (expanded === 'all') return;
  const byPair = new Map<string, [string, DrawnEdge][]>();
  for (const entry of edges) {
    const end = (n: GraphNode) => ({ kind: n.kind, id: n.id, namespace: n.group });
    const pair = pairOf(end(entry[1].src), end(entry[1].dst));
    if (pair === undefined || expanded.has(pair)) continue;
    const list = byPair.get(pair);
    if (list) list.push(entry);
    else byPair.set(pair, [entry]);
  }
  for (const [pair, list] of byPair) {
    if (list.length < 2) continue;
    const [, first] = list[0];
    const end = (n: GraphNode): GraphNode => (n.kind === 'workload' ? { ...n, id: nsNodeId(n.group), kind: 'namespace', label: n.group, members: [] } : n);
    const agg: DrawnEdge = { src: end(first.src), dst: end(first.dst), verdict: first.verdict, conns: [], members: [], pair, edges: list.length };
    for (const [id, e] of list) {
      edges.delete(id);
      agg.verdict = worst(agg.verdict, e.verdict);
      for (const c of e.conns) if (!agg.conns.includes(c)) agg.conns.push(c);
      agg.members.push(...e.members);
    }
    edges.set(edgeId(agg.src.id, agg.dst.id), agg);
  }
}

/**
 * How a drawn edge differs from the compared revision: added or removed when all of its data edges were,
 * changed when any of them changed (or they differ among themselves), none when none changed.
 */
export function changeOf(data: ReachabilityResult, members: readonly number[]): EdgeChange | undefined {
  const kinds = new Set(members.map((i) => data.edges[i].change));
  if (kinds.size === 1) return [...kinds][0];
  kinds.delete(undefined);
  return kinds.size === 0 ? undefined : 'changed';
}

/**
 * What flows did on a drawn edge: blocked when any of its data edges' flows would be blocked, seen when flows
 * took any of them, none when none (a candidate for tightening); with the flows summed.
 */
export function observedOf(data: ReachabilityResult, members: readonly number[]): { observed?: EdgeObserved; flows?: number; blockedFlows?: number } {
  let flows = 0;
  let blockedFlows = 0;
  let observed: EdgeObserved | undefined;
  for (const i of members) {
    const e = data.edges[i];
    if (!e.observed) continue;
    flows += e.flows ?? 0;
    blockedFlows += e.blockedFlows ?? 0;
    observed = observed === 'blocked' || e.observed === 'blocked' ? 'blocked' : 'seen';
  }
  return observed ? { observed, flows, ...(blockedFlows > 0 ? { blockedFlows } : {}) } : {};
}

/** The words for what flows did on an edge (its accessible name, its label's badge). */
export function observedText(e: { observed?: EdgeObserved; flows?: number; blockedFlows?: number }): string {
  const n = (k: number) => `${k.toLocaleString('en-US')} flow${k === 1 ? '' : 's'}`;
  if (e.observed === 'blocked') return e.blockedFlows === e.flows ? `observed, ${n(e.blockedFlows ?? 0)} would be blocked` : `observed, ${e.blockedFlows ?? 0} of ${n(e.flows ?? 0)} would be blocked`;
  if (e.observed === 'seen') return `observed, ${n(e.flows ?? 0)}`;
  return 'never observed';
}

/**
 * The graph drawn: namespaces `collapsed` are one node each; edges between namespaces aggregate per pair
 * except the pairs `expanded` ('all': every edge drawn on its own).
 */
export function buildGraph(data: ReachabilityResult, filtered: Filtered, collapsed: ReadonlySet<string>, expanded: ReadonlySet<string> | 'all' = 'all'): Graph {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  const repOf = new Map<number, GraphNode>();
  const groups = new Map<string, GraphGroup>();
  for (const i of filtered.nodes) {
    const n = data.nodes[i];
    const group = groupOf(n);
    let g = groups.get(group);
    if (!g) {
      g = { id: group, label: groupLabel(group), collapsed: foldable(group) && collapsed.has(group), nodes: [] };
      groups.set(group, g);
    }
    if (g.collapsed) {
      const id = nsNodeId(group);
      let rep = byId.get(id);
      if (!rep) {
        rep = { id, kind: 'namespace', label: group, detail: '', group, risk: false, members: [], internal: 0, ariaLabel: '' };
        byId.set(id, rep);
        nodes.push(rep);
      }
      rep.members.push(i);
      rep.risk ||= n.egressRestricted === false;
      repOf.set(i, rep);
      continue;
    }
    const gn: GraphNode = {
      id: n.id,
      kind: n.kind,
      label: n.label,
      detail: n.kind === 'workload' ? (n.workloadKind ?? '') : n.kind === 'exposure' ? 'may come' : n.observed ? 'observed destination' : n.kind === 'internet' ? 'unnamed addresses' : 'addresses',
      group,
      risk: n.kind === 'workload' && n.egressRestricted === false,
      members: [i],
      ariaLabel: describeNode(n),
      ...(n.change ? { change: n.change } : {}),
      ...(n.observed ? { observed: true } : {}),
    };
    byId.set(gn.id, gn);
    nodes.push(gn);
    g.nodes.push(gn.id);
    repOf.set(i, gn);
  }
  const edges = new Map<string, DrawnEdge>();
  for (const ei of filtered.edges) {
    const e = data.edges[ei];
    const src = repOf.get(e.src);
    const dst = repOf.get(e.dst);
    if (!src || !dst) continue;
    if (src === dst) {
      src.internal = (src.internal ?? 0) + 1;
      continue;
    }
    const id = edgeId(src.id, dst.id);
    const have = edges.get(id);
    if (have) {
      have.verdict = worst(have.verdict, e.verdict);
      if (!have.conns.includes(data.conns[e.conns])) have.conns.push(data.conns[e.conns]);
      have.members.push(ei);
    } else edges.set(id, { src, dst, verdict: e.verdict, conns: [data.conns[e.conns]], members: [ei] });
  }
  for (const n of nodes) {
    if (n.kind !== 'namespace') continue;
    const risky = n.members.filter((i) => data.nodes[i].egressRestricted === false).length;
    n.detail = `${n.members.length} workload${n.members.length === 1 ? '' : 's'}${risky > 0 ? `, ${risky} unrestricted` : ''}`;
    n.ariaLabel = `namespace ${n.label}, folded: ${n.detail}`;
  }
  aggregatePairs(edges, expanded);
  const graphEdges: GraphEdge[] = [...edges.entries()].map(([id, e]) => {
    const conns = unionConns(e.conns);
    const what = e.src.kind === 'namespace' || e.dst.kind === 'namespace' ? `${e.members.length} connection${e.members.length === 1 ? '' : 's'}, ` : '';
    const srcName = e.src.kind === 'namespace' ? `namespace ${e.src.label}` : nodeName(data.nodes[e.src.members[0]]);
    const dstName = e.dst.kind === 'namespace' ? `namespace ${e.dst.label}` : nodeName(data.nodes[e.dst.members[0]]);
    const change = changeOf(data, e.members);
    const seen = data.observed ? observedOf(data, e.members) : {};
    const applies = e.members.length === 1 ? appliesText(data.edges[e.members[0]].applies) : undefined;
    const ariaLabel = `${srcName} to ${dstName}: ${change ? `${change} since the compared revision, ` : ''}${data.observed ? `${observedText(seen)}, ` : ''}${what}${e.verdict}, ${conns.text}${applies ? `; at the gateway: ${applies}` : ''}${e.pair ? `; ${e.edges} edges between workloads, Enter shows them one by one` : ''}`;
    return { id, src: e.src.id, dst: e.dst.id, verdict: e.verdict, conns, members: e.members, ariaLabel, ...(e.pair ? { pair: e.pair } : {}), ...(change ? { change } : {}), ...(applies ? { applies } : {}), ...seen };
  });
  return { groups: [...groups.values()], nodes, edges: graphEdges };
}

/** What an egress gateway applies to a host's traffic, in words, for its edge. */
export function appliesText(x: ReachEdge['applies']): string | undefined {
  if (!x) return undefined;
  const tls = x.tls === 'originated' ? ['TLS originated'] : x.tls === 'passthrough' ? ['TLS passthrough'] : [];
  return [x.logged ? 'logged' : 'not logged', x.limits ? 'limits' : 'no limits', ...tls].join(' · ');
}

// ---- matrix -------------------------------------------------------------------------------------------

/** A row or a column: a namespace header (folded or not) or one node. */
export interface Axis {
  kind: 'group' | 'node';
  /** Namespace name, or EXTERNAL_GROUP. */
  group: string;
  /** Data node index (for kind 'node'). */
  node?: number;
  label: string;
  collapsed?: boolean;
  /** Data node indexes it stands for. */
  members: number[];
  risk: boolean;
}

export interface Cell {
  verdict: EdgeVerdict;
  conns: ReachConns;
  /** Data edge indexes behind the cell. */
  members: number[];
}

export interface Matrix {
  rows: Axis[];
  cols: Axis[];
  /** The cell at (row, column), or undefined when nothing connects them. */
  cell(row: number, col: number): Cell | undefined;
  /** Number of non-empty cells. */
  filled: number;
}

function axes(data: ReachabilityResult, nodes: number[], collapsed: ReadonlySet<string>): { list: Axis[]; indexOf: Map<number, number[]> } {
  const list: Axis[] = [];
  const indexOf = new Map<number, number[]>();
  let current: Axis | undefined;
  let currentAt = -1;
  for (const i of nodes) {
    const n = data.nodes[i];
    const group = groupOf(n);
    if (!current || current.group !== group) {
      current = { kind: 'group', group, label: group === EXTERNAL_GROUP ? 'external' : groupLabel(group), collapsed: foldable(group) && collapsed.has(group), members: [], risk: false };
      currentAt = list.length;
      list.push(current);
    }
    current.members.push(i);
    const risky = n.kind === 'workload' && n.egressRestricted === false;
    current.risk ||= risky;
    const at = [currentAt];
    if (!current.collapsed) {
      at.push(list.length);
      list.push({ kind: 'node', group, node: i, label: n.label, members: [i], risk: risky });
    }
    indexOf.set(i, at);
  }
  return { list, indexOf };
}

/**
 * Rows are sources and columns destinations, grouped by namespace; a namespace header row (column)
 * aggregates its members and, folded, stands for them alone.
 */
export function buildMatrix(data: ReachabilityResult, filtered: Filtered, collapsed: ReadonlySet<string>): Matrix {
  const srcNodes = new Set<number>();
  const dstNodes = new Set<number>();
  for (const ei of filtered.edges) {
    srcNodes.add(data.edges[ei].src);
    dstNodes.add(data.edges[ei].dst);
  }
  // Workloads are rows and columns even when they have no edge (an isolated workload is visible).
  for (const i of filtered.nodes) {
    if (data.nodes[i].kind === 'workload') {
      srcNodes.add(i);
      dstNodes.add(i);
    }
  }
  const rows = axes(data, filtered.nodes.filter((i) => srcNodes.has(i)), collapsed);
  const cols = axes(data, filtered.nodes.filter((i) => dstNodes.has(i)), collapsed);
  const width = cols.list.length;
  const cells = new Map<number, { verdict: EdgeVerdict; conns: ReachConns[]; members: number[]; merged?: ReachConns }>();
  for (const ei of filtered.edges) {
    const e = data.edges[ei];
    for (const r of rows.indexOf.get(e.src) ?? []) {
      for (const c of cols.indexOf.get(e.dst) ?? []) {
        const key = r * width + c;
        const have = cells.get(key);
        const conns = data.conns[e.conns];
        if (have) {
          have.verdict = worst(have.verdict, e.verdict);
          if (!have.conns.includes(conns)) have.conns.push(conns);
          have.members.push(ei);
        } else cells.set(key, { verdict: e.verdict, conns: [conns], members: [ei] });
      }
    }
  }
  return {
    rows: rows.list,
    cols: cols.list,
    filled: cells.size,
    cell(row, col) {
      const c = cells.get(row * width + col);
      if (!c) return undefined;
      c.merged ??= unionConns(c.conns);
      return { verdict: c.verdict, conns: c.merged, members: c.members };
    },
  };
}

// ---- edges as rows (exports, lists) --------------------------------------------------------------------

export interface EdgeRow {
  src: string;
  dst: string;
  srcNamespace: string;
  dstNamespace: string;
  conns: string;
  verdict: EdgeVerdict;
}

export function edgeRows(data: ReachabilityResult, filtered: Filtered): EdgeRow[] {
  return filtered.edges.map((ei) => {
    const e = data.edges[ei];
    const s = data.nodes[e.src];
    const d = data.nodes[e.dst];
    return {
      src: s.kind === 'workload' ? s.id : s.label,
      dst: d.kind === 'workload' ? d.id : d.label,
      srcNamespace: s.namespace ?? '',
      dstNamespace: d.namespace ?? '',
      conns: data.conns[e.conns].text,
      verdict: e.verdict,
    };
  });
}
