/**
 * The reachability panel's side of the server: `egressLens/reachability` (nodes and edges of the
 * workspace, from the engine's Reachability of the current analysis), `egressLens/explain` (every
 * deciding rule of an edge or node, with LSP ranges), `egressLens/workloadLenses` (for the CodeLens),
 * and the `egressLens/reachabilityChanged` notification after each published analysis.
 *
 * Nothing here analyses: it reads the analysis the server already keeps (`current()`), and caches
 * what it derives from it per analysis object.
 */
import type { Connection } from 'vscode-languageserver/node';
import {
  ConnectionSet,
  egressPath,
  explainPair,
  gatewayHosts,
  gatewayLegs,
  meshLegs,
  PortSet,
  IpRangeSet,
  parseCidr,
  unrestrictedEgress,
  unrestrictedReason,
  type Analysis,
  type Explanation,
  type LineIndex,
  type Peer,
  type Reachability,
  type SourceRef,
  type Span,
  type GatewayDeployment,
  type Workload,
} from '../engine';
import { isMeshed } from '../engine/mesh/mesh';
import { nameSpan, spanAt } from '../engine/model/anchor';
import type { Resource } from '../engine/model/resources';
import { isRecord, kindName } from '../engine/model/resources';
import type { Direction } from '../engine/types';
import { observedExplanation, observedOverlay } from './flows-panel';
import { INTERNET, toConns, type ReachabilityView } from './panel-view';
import { normalizeUri } from '../host/files';
import {
  PanelNotifications,
  PanelRequests,
  type EdgeVerdict,
  type ExplainItem,
  type ExplainLink,
  type ExplainParams,
  type ExplainResult,
  type ExplainSection,
  type PanelLocation,
  type ReachabilityChangedParams,
  type ReachabilityParams,
  type ReachabilityResult,
  type ReachConns,
  type ReachEdge,
  type ReachNamespace,
  type ReachNode,
  type WorkloadLens,
  type WorkloadLensParams,
} from './protocol';

export interface PanelHost {
  /**
   * The server's current analysis (analyses when dirty, otherwise the cached one); with the URI of a
   * document that is not a file (an unsaved buffer), that document's own analysis.
   */
  current(uri?: string): Analysis;
  /** Publish a pending analysis now, so that requests answer for the latest text. */
  flush(): void;
  linesOf(uri: string): LineIndex;
  /** With cluster views: the file and range that wrote a place of the active view's render. */
  trace?(uri: string, span: Span): { uri: string; span: Span };
  /** The flow logs loaded (egressLens/loadFlows), for the panel's bar. */
  observedSources?(): string[];
}

export interface PanelHooks {
  /** Call after diagnostics were published: notifies the panel when the analysis is a new one. */
  changed(): void;
  /** The revision number of the current analysis (as egressLens/reachability answers it). */
  revision(): number;
}

/** Line indexes by URI; with cluster views, also where a place of the active view's render was written. */
type PanelLines = ((uri: string) => LineIndex) & { trace?: (uri: string, span: Span) => { uri: string; span: Span } };

function location(lines: PanelLines, uri: string, span: Span): PanelLocation {
  const at = lines.trace?.(uri, span) ?? { uri, span };
  const l = lines(at.uri);
  return { uri: at.uri, range: { start: l.position(at.span.start), end: l.position(at.span.end) } };
}

/**
 * Egress: whether it misses any destination or port (the engine's one meaning of "unrestricted").
 * Ingress: whether any policy applies to it (NetworkPolicy, admin or baseline tiers).
 */
export function restricted(reach: Reachability, w: Workload, dir: Direction): boolean {
  if (dir === 'egress') return !unrestrictedEgress(reach, w);
  const a = reach.policies.of(w, dir);
  return a.admin.length + a.netpol.length + a.baseline.length > 0;
}

/**
 * Every address block that a rule names in one direction (cidr and except), IPv4 as the partition is.
 * The partition is cut at each of these boundaries, so a part lies either inside or outside of it.
 */
function namedAddresses(a: Analysis, dir: Direction): IpRangeSet {
  let named = IpRangeSet.empty;
  const add = (text: string) => {
    const c = parseCidr(text);
    if (c) named = named.union(c.set);
  };
  for (const np of a.model.networkPolicies) {
    for (const rule of np.rules[dir]) {
      for (const p of rule.peers ?? []) {
        if (p.kind !== 'ipBlock') continue;
        add(p.cidr);
        for (const e of p.except) add(e);
      }
    }
  }
  for (const r of a.model.adminPolicies) {
    const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
    for (const rule of Array.isArray(spec[dir]) ? spec[dir] : []) {
      if (!isRecord(rule)) continue;
      const peers = rule[dir === 'egress' ? 'to' : 'from'];
      for (const peer of Array.isArray(peers) ? peers : []) {
        if (isRecord(peer) && Array.isArray(peer.networks)) for (const n of peer.networks) add(String(n));
      }
    }
  }
  return named.intersect(IpRangeSet.allV4);
}

/** `spec.egress[2].to[0].ipBlock.cidr` */
function pathText(path: ReadonlyArray<string | number>): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** `10.40.0.0/16` when a range is exactly one CIDR block, otherwise `first-last`. */
export function rangeLabel(range: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)-(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) return range;
  const n = (i: number) => ((+m[i] << 24) >>> 0) + (+m[i + 1] << 16) + (+m[i + 2] << 8) + +m[i + 3];
  const lo = n(1);
  const hi = n(5);
  const size = hi - lo + 1;
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && lo % size === 0) return `${range.split('-')[0]}/${32 - bits}`;
  return range;
}

function peerUnion(peers: Peer[], name: string): Peer {
  let ips = IpRangeSet.empty;
  for (const p of peers) if (p.kind === 'ip') ips = ips.union(p.ips);
  return { kind: 'ip', ips, name };
}

const views = new WeakMap<Analysis, ReachabilityView>();

/** The nodes and edges of an analysis (cached per analysis: asked again, it costs nothing). */
export function reachabilityView(a: Analysis, lines: (uri: string) => LineIndex): ReachabilityView {
  const hit = views.get(a);
  if (hit) return hit;
  const reach = a.reach;
  const nodes: ReachNode[] = [];
  const index = new Map<string, number>();
  const workloads = new Map<string, Workload>();
  let unrestrictedWorkloads = 0;
  const egressOpen = new Set<Workload>();
  for (const w of reach.workloads) {
    const r = w.resources[0];
    const egress = restricted(reach, w, 'egress');
    if (!egress) {
      unrestrictedWorkloads++;
      egressOpen.add(w);
    }
    index.set(w.id, nodes.length);
    workloads.set(w.id, w);
    nodes.push({
      id: w.id,
      kind: 'workload',
      label: w.name,
      namespace: w.namespace,
      workloadKind: w.kind,
      egressRestricted: egress,
      ingressRestricted: restricted(reach, w, 'ingress'),
      labels: { ...w.labels },
      location: r ? location(lines, r.uri, nameSpan(r)) : undefined,
    });
  }

  // External parts: those a policy names get their own node; the remainder is "internet".
  const named = { dst: namedAddresses(a, 'egress'), src: namedAddresses(a, 'ingress') };
  const isNamed = (part: Peer & { kind: 'ip' }, role: 'dst' | 'src') => !part.ips.isEmpty && named[role].contains(part.ips);
  const nodeOfPeer = new Map<Peer, number>();
  const asDestination = new Map<string, Peer>();
  const asSource = new Map<string, Peer>();
  const remainder = { dst: [] as Peer[], src: [] as Peer[] };
  const externalNodes: { id: string; ranges: string[]; asDestination?: boolean }[] = [];
  const addExternal = (part: Peer, role: 'dst' | 'src') => {
    if (part.kind !== 'ip') return;
    const own = isNamed(part, role);
    if (!own) remainder[role].push(part);
    const id = own ? `ip:${part.ips.toString()}` : INTERNET;
    if (own) (role === 'dst' ? asDestination : asSource).set(id, part);
    let i = index.get(id);
    if (i === undefined) {
      index.set(id, (i = -1 - externalNodes.length));
      externalNodes.push({ id, ranges: [] });
    }
    const node = externalNodes[-1 - i];
    // The internet is the remainder of what egress rules name; as a source (what ingress rules leave
    // unnamed, usually everything) it would only blur that, so its addresses are the destination's.
    if (id === INTERNET && role === 'src' && node.asDestination) return;
    if (role === 'dst') node.asDestination = true;
    for (const r of part.ips.ranges()) if (!node.ranges.includes(r)) node.ranges.push(r);
  };
  for (const part of reach.externalDestinations) addExternal(part, 'dst');
  for (const part of reach.externalSources) addExternal(part, 'src');
  if (remainder.dst.length > 0) asDestination.set(INTERNET, peerUnion(remainder.dst, INTERNET));
  if (remainder.src.length > 0) asSource.set(INTERNET, peerUnion(remainder.src, INTERNET));
  // Named ranges in address order, then the internet.
  externalNodes.sort((x, y) => (x.id === INTERNET ? 1 : y.id === INTERNET ? -1 : 0));
  for (const e of externalNodes) {
    index.set(e.id, nodes.length);
    nodes.push(
      e.id === INTERNET
        ? { id: e.id, kind: 'internet', label: 'internet', ranges: e.ranges }
        : { id: e.id, kind: 'external', label: e.ranges.length === 1 ? rangeLabel(e.ranges[0]) : e.ranges.map(rangeLabel).join(', '), ranges: e.ranges },
    );
  }
  for (const [role, parts] of [['dst', reach.externalDestinations], ['src', reach.externalSources]] as const) {
    for (const part of parts) if (part.kind === 'ip') nodeOfPeer.set(part, index.get(isNamed(part, role) ? `ip:${part.ips.toString()}` : INTERNET)!);
  }
  // Host names (toFQDNs, Calico domains, ServiceEntries): destinations of their own.
  const hostNode = (host: string): number => {
    const id = `fqdn:${host}`;
    let i = index.get(id);
    if (i === undefined) {
      index.set(id, (i = nodes.length));
      nodes.push({ id, kind: 'fqdn', label: host });
    }
    return i;
  };
  for (const hp of reach.externalHosts) {
    if (hp.kind !== 'host') continue;
    nodeOfPeer.set(hp, hostNode(hp.host));
    asDestination.set(`fqdn:${hp.host}`, hp);
  }
  // Egress gateways that route hosts: a node each, standing for their pods.
  const mesh = a.model.mesh;
  const gatewayNodes = new Map<GatewayDeployment, number>();
  const routed = gatewayHosts(mesh).filter((g) => g.hosts.length > 0);
  for (const { gateway } of routed) {
    const id = `gateway:${gateway.label}`;
    const def = gateway.istio[0]?.r ?? gateway.gwApi?.r;
    index.set(id, nodes.length);
    gatewayNodes.set(gateway, nodes.length);
    workloads.set(id, gateway.workloads[0]);
    nodes.push({ id, kind: 'gateway', label: gateway.label.split('/')[1] ?? gateway.label, namespace: gateway.namespace, location: def ? location(lines, def.uri, nameSpan(def)) : undefined });
  }

  // Edges: one per pair of nodes (the internet's parts merge).
  const merged = new Map<string, { src: number; dst: number; conns: ConnectionSet; verdict: EdgeVerdict }>();
  const indexOf = (p: Peer): number => (p.kind === 'workload' ? index.get(p.workload.id)! : nodeOfPeer.get(p)!);
  for (const c of reach.connections()) {
    const src = indexOf(c.src);
    const dst = indexOf(c.dst);
    if (src === undefined || dst === undefined) continue;
    const key = `${src}>${dst}`;
    const have = merged.get(key);
    if (have) {
      have.conns = have.conns.union(c.conns);
      continue;
    }
    let verdict: EdgeVerdict;
    if (c.src.kind === 'workload') verdict = egressOpen.has(c.src.workload) ? 'unrestricted' : 'allowed';
    else verdict = c.dst.kind === 'workload' && !nodes[dst].ingressRestricted ? 'unrestricted' : 'allowed';
    merged.set(key, { src, dst, conns: c.conns, verdict });
  }
  // Traffic that meshed workloads send through an egress gateway: source → gateway → host. A direct edge to
  // the host stays only where NetworkPolicy also allows it (the gateway can then be bypassed).
  for (const { gateway, hosts } of routed) {
    const gi = gatewayNodes.get(gateway)!;
    for (const host of hosts) {
      const hi = hostNode(host);
      const legs = meshLegs(mesh, host, undefined).filter((l) => l.gateway === gateway);
      const tcp = (ports: (number | undefined)[] | undefined) => (ports && ports.every((x) => x !== undefined) ? ConnectionSet.of('TCP', PortSet.of((ports as number[]).map((x) => [x, x] as const))) : ConnectionSet.of('TCP', PortSet.all));
      let through = false;
      for (const w of reach.workloads) {
        if (gateway.workloads.includes(w) || !isMeshed(w, a.model.namespaces)) continue;
        const p = egressPath(mesh, reach, w, host);
        if (p.outcome !== 'via-gateway' || p.gateway !== gateway) continue;
        through = true;
        const key = `${index.get(w.id)!}>${gi}`;
        const c = tcp(legs.map((l) => l.gatewayPort));
        const have = merged.get(key);
        if (have) have.conns = have.conns.union(c);
        else merged.set(key, { src: index.get(w.id)!, dst: gi, conns: c, verdict: 'gateway' });
      }
      const onward = gatewayLegs(mesh, gateway, host);
      if (through && onward.length > 0) merged.set(`${gi}>${hi}`, { src: gi, dst: hi, conns: tcp(legs.flatMap((l) => l.ports ?? [undefined])), verdict: 'gateway' });
    }
  }
  const conns: ReachConns[] = [];
  const connsIndex = new Map<string, number>();
  const edges: ReachEdge[] = [];
  for (const e of merged.values()) {
    const text = e.conns.toString();
    let ci = connsIndex.get(text);
    if (ci === undefined) {
      connsIndex.set(text, (ci = conns.length));
      conns.push(toConns(e.conns));
    }
    edges.push({ src: e.src, dst: e.dst, conns: ci, verdict: e.verdict });
  }

  const namespaces: ReachNamespace[] = [...a.model.namespaces.values()]
    .map((ns) => ({
      name: ns.name,
      labels: { ...ns.labels },
      declared: ns.resource !== undefined,
      location: ns.resource ? location(lines, ns.resource.uri, nameSpan(ns.resource)) : undefined,
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  const view: ReachabilityView = { nodes, conns, edges, namespaces, index, asDestination, asSource, workloads, unrestrictedWorkloads };
  views.set(a, view);
  return view;
}

/** The workload defined at a place of a document (the innermost resource containing the offset). */
function workloadAt(a: Analysis, uri: string, offset: number): Workload | undefined {
  for (const w of a.reach.workloads) {
    for (const r of w.resources) {
      if (r.uri !== uri) continue;
      const s = spanAt(r, []);
      const span = s.end > s.start ? s : r.doc.span;
      if (offset >= span.start && offset <= span.end) return w;
    }
  }
  return undefined;
}

/** The response for a request: the whole view, or the part that touches one workload; with flows loaded, their overlay. */
export function reachabilityResult(a: Analysis, lines: (uri: string) => LineIndex, params: ReachabilityParams, revision: number, observedSources: readonly string[] = []): ReachabilityResult {
  const view = reachabilityView(a, lines);
  const o = observedOverlay(a, view);
  const shown = o ?? view;
  let focus = params.focus;
  if (params.at) {
    const uri = normalizeUri(params.at.uri);
    if (a.files.some((f) => f.uri === uri)) {
      const w = workloadAt(a, uri, lines(uri).offset(params.at.position));
      if (w) focus = w.id;
    }
  }
  const stats = { workloads: a.reach.workloads.length, edges: view.edges.length, unrestrictedWorkloads: view.unrestrictedWorkloads };
  const base = { revision, namespaces: view.namespaces, conns: shown.conns, stats, ...(o ? { observed: { sources: [...observedSources], ...o.summary } } : {}) };
  const fi = focus === undefined ? undefined : shown.index.get(focus);
  if (fi === undefined || shown.nodes[fi].kind !== 'workload') return { ...base, nodes: shown.nodes, edges: shown.edges };
  const keep = new Map<number, number>([[fi, 0]]);
  const edges = shown.edges.filter((e) => e.src === fi || e.dst === fi);
  for (const e of edges) for (const i of [e.src, e.dst]) if (!keep.has(i)) keep.set(i, keep.size);
  const order = [...keep.keys()].sort((x, y) => x - y);
  const remap = new Map(order.map((old, i) => [old, i]));
  return {
    ...base,
    focus,
    nodes: order.map((i) => shown.nodes[i]),
    edges: edges.map((e) => ({ ...e, src: remap.get(e.src)!, dst: remap.get(e.dst)! })),
  };
}


function refLink(lines: (uri: string) => LineIndex, ref: SourceRef): ExplainLink {
  return { label: ref.label, location: location(lines, ref.uri, ref.span) };
}

function resourceLink(lines: (uri: string) => LineIndex, r: Resource, path: ReadonlyArray<string | number> = ['metadata', 'name'], label = kindName(r)): ExplainLink {
  return { label, location: location(lines, r.uri, spanAt(r, path)) };
}

/** The policies that apply to a workload in one direction, as resources, tiers in evaluation order. */
function policiesOf(reach: Reachability, w: Workload, dir: Direction): Resource[] {
  const a = reach.policies.of(w, dir);
  return [...a.admin.map((p) => p.resource), ...a.netpol.map((p) => p.policy.resource), ...a.baseline.map((p) => p.resource)];
}

/** Why a workload's egress is open: nothing restricts it, or the rules that allow everything; policies that select it for ingress only. */
function unrestrictedItems(a: Analysis, lines: (uri: string) => LineIndex, w: Workload): ExplainItem[] {
  const r = w.resources[0];
  const open = unrestrictedEgress(a.reach, w) ?? { cause: 'no-policy' as const };
  const items: ExplainItem[] = [
    {
      text:
        open.cause === 'no-policy'
          ? `No policy restricts the egress of ${w.id}: its pods can open any connection to any destination.`
          : `The pods of ${w.id} can open any connection to any destination: ${unrestrictedReason(open)}.`,
      tone: 'risk',
      links: r ? [resourceLink(lines, r, ['metadata', 'name'], `${r.kind} ${w.namespace}/${w.name}`)] : [],
    },
  ];
  if (open.cause === 'allows-all') {
    for (const o of open.rules) items.push({ text: `${kindName(o.policy)}, ${pathText(o.path)} allows every destination on every port.`, tone: 'risk', links: [resourceLink(lines, o.policy, o.path, `${kindName(o.policy)}, ${pathText(o.path)}`)] });
  }
  for (const np of a.reach.policies.of(w, 'ingress').netpol) {
    if (np.policy.affects.egress) continue;
    const res = np.policy.resource;
    const hasEgressRules = np.policy.present.egress;
    const path = np.policy.policyTypesGiven ? ['spec', 'policyTypes'] : ['spec', 'podSelector'];
    items.push({
      text: hasEgressRules
        ? `${kindName(res)} selects it and has egress rules, but its policyTypes leave out Egress, so they are ignored.`
        : `${kindName(res)} selects it for ingress only.`,
      tone: hasEgressRules ? 'risk' : 'info',
      links: [resourceLink(lines, res, path, `${kindName(res)}, ${pathText(path)}`)],
    });
  }
  return items;
}

function sectionsOf(lines: (uri: string) => LineIndex, e: Explanation): ExplainSection[] {
  const undecidable: ExplainSection[] = e.sides
    .filter((s) => (s.undecidable ?? []).length > 0)
    .map((s) => ({ heading: `Undecidable for the ${s.direction} of ${s.subject} (taken to match nothing above)`, items: s.undecidable!.map((u) => ({ text: u.text, tone: 'info' as const, links: u.refs.map((ref) => refLink(lines, ref)) })) }));
  return [...e.sides.map((s): ExplainSection => ({
    heading: `${s.direction === 'egress' ? 'Egress' : 'Ingress'} of ${s.subject}: ${s.restricted ? `allows ${s.allowed.toString()}` : 'no policy restricts it'}`,
    items: s.decisions.map((d) => ({
      text: d.text,
      tone: d.verdict === 'allow' ? (d.refs.length === 0 ? 'info' : 'allow') : 'deny',
      conns: d.conns.toString(),
      links: d.refs.map((ref) => refLink(lines, ref)),
    })),
  })), ...undecidable];
}

function labelOf(view: Pick<ReachabilityView, 'nodes' | 'index'>, id: string): string {
  const i = view.index.get(id);
  const n = i === undefined ? undefined : view.nodes[i];
  return n?.kind === 'external' ? n.label : id;
}

/** Explain an edge (every deciding rule of both sides) or a node (what restricts it, what names it). */
export function explain(a: Analysis, lines: (uri: string) => LineIndex, params: ExplainParams): ExplainResult {
  const view = reachabilityView(a, lines);
  const peer = (id: string, role: 'src' | 'dst'): Peer | undefined => {
    const w = view.workloads.get(id);
    if (w) return { kind: 'workload', workload: w };
    return (role === 'dst' ? view.asDestination : view.asSource).get(id);
  };
  const o = observedOverlay(a, view);
  if ('node' in params) {
    const i = o?.index.get(params.node);
    // A destination drawn only because flows reached it: what reached it, and why it would be blocked or not.
    if (o && i !== undefined && o.nodes[i].observed) {
      const sections = o.edges
        .filter((e) => e.dst === i)
        .map((e) => observedExplanation(o, o.nodes[e.src].id, params.node, (ref) => refLink(lines, ref)).section)
        .filter((x): x is ExplainSection => x !== undefined);
      return { title: o.nodes[i].label, summary: 'An observed destination: no policy names it; it is drawn because flows reached it.', sections };
    }
    return explainNode(a, lines, view, params.node);
  }
  if (!o) return explainEdge(a, lines, view, params, peer);
  // With flows loaded: what was observed on it first, then what the workspace allows.
  const seen = observedExplanation(o, params.src, params.dst, (ref) => refLink(lines, ref));
  const title = `${labelOf(o, params.src)} → ${labelOf(o, params.dst)}`;
  const edge = o.edges.find((e) => o.nodes[e.src].id === params.src && o.nodes[e.dst].id === params.dst);
  if (edge?.verdict === 'blocked' || (seen.section && (!peer(params.src, 'src') || !peer(params.dst, 'dst')))) {
    return { title, summary: `${seen.summary} No rule of the workspace allows it.`, verdict: 'blocked', conns: edge ? o.conns[edge.conns].text : undefined, sections: seen.section ? [seen.section] : [] };
  }
  const r = explainEdge(a, lines, view, params, peer);
  return { ...r, summary: `${seen.summary} ${r.summary}`, sections: [...(seen.section ? [seen.section] : []), ...r.sections] };
}

/** An edge of the workspace alone: every deciding rule of both sides. */
function explainEdge(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, params: { src: string; dst: string }, peer: (id: string, role: 'src' | 'dst') => Peer | undefined): ExplainResult {
  const reach = a.reach;
  const src = peer(params.src, 'src');
  const dst = peer(params.dst, 'dst');
  const title = `${labelOf(view, params.src)} → ${labelOf(view, params.dst)}`;
  if (!src || !dst) return { title, summary: 'This connection is no longer in the workspace.', sections: [], missing: true };
  const e = explainPair(reach, src, dst);
  const si = view.index.get(params.src)!;
  const di = view.index.get(params.dst)!;
  const edge = view.edges.find((x) => x.src === si && x.dst === di);
  const sections = sectionsOf(lines, e);
  const conns = e.allowed.toString();
  if (e.allowed.isEmpty) return { title, summary: 'No connections are allowed.', conns, sections };
  let summary = `Allowed: ${conns}.`;
  if (edge?.verdict === 'gateway') {
    // Through the mesh: every host this source sends through the gateway (or the one host it is forwarded to).
    const mesh = a.model.mesh;
    const dstNode = view.nodes[di];
    const srcW = src.kind === 'workload' ? src.workload : undefined;
    const items: ExplainItem[] = [];
    if (dstNode.kind === 'gateway' && srcW) {
      for (const e of view.edges.filter((x) => x.src === di)) {
        const p = egressPath(mesh, reach, srcW, view.nodes[e.dst].label);
        items.push({ text: p.summary, tone: 'allow', links: [] }, ...pathItems(lines, p.steps));
      }
      summary = `Through the egress gateway: ${conns} from ${srcW.id} to the gateway, which forwards it.`;
    } else if (dstNode.kind === 'fqdn') {
      const gw = mesh.deployments.find((d) => `gateway:${d.label}` === params.src);
      if (gw) for (const l of gatewayLegs(mesh, gw, dstNode.label)) items.push({ text: l.text, tone: 'allow', links: [resourceLink(lines, l.resource, l.path, `${kindName(l.resource)}, ${pathText(l.path)}`)] });
      summary = `The egress gateway forwards ${dstNode.label}.`;
    }
    sections.unshift({ heading: 'Mesh path', items });
  }
  if (edge?.verdict === 'unrestricted' && src.kind === 'workload') {
    summary = `Unrestricted: ${conns}, because ${src.workload.id} reaches every destination: ${unrestrictedReason(unrestrictedEgress(a.reach, src.workload) ?? { cause: 'no-policy' })}.`;
    sections.unshift({ heading: 'Why this is a risk', items: unrestrictedItems(a, lines, src.workload) });
  } else if (edge?.verdict === 'unrestricted') {
    summary = `Unrestricted: ${conns}, because no policy restricts the ingress of ${params.dst}.`;
  }
  return { title, summary, verdict: edge?.verdict, conns, sections };
}

/** The steps of a mesh path as explanation items, each linked to its YAML. */
function pathItems(lines: (uri: string) => LineIndex, steps: readonly { text: string; resource: Resource; path: ReadonlyArray<string | number> }[]): ExplainItem[] {
  return steps.map((st) => ({ text: st.text, tone: 'info' as const, links: [resourceLink(lines, st.resource, st.path, `${kindName(st.resource)}, ${pathText(st.path)}`)] }));
}

/** An egress gateway or a host name: what configures it, and who reaches it. */
function explainMeshNode(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, node: ReachNode, into: ReachEdge[], out: ReachEdge[]): ExplainResult {
  const mesh = a.model.mesh;
  const sections: ExplainSection[] = [];
  const from = into.map((e) => ({ text: view.nodes[e.src].id, tone: (e.verdict === 'unrestricted' ? 'risk' : e.verdict === 'gateway' ? 'allow' : 'allow') as ExplainItem['tone'], conns: view.conns[e.conns].text, links: [] }));
  if (node.kind === 'gateway') {
    const gw = mesh.deployments.find((d) => `gateway:${d.label}` === node.id);
    const config = gw ? [...gw.istio.map((g) => g.r), ...(gw.gwApi ? [gw.gwApi.r] : [])] : [];
    sections.push({ heading: 'Configured by', items: config.map((r) => ({ text: kindName(r), tone: 'info' as const, links: [resourceLink(lines, r)] })) });
    const hosts = out.map((e) => view.nodes[e.dst].label);
    sections.push({ heading: 'Routes onward to', items: hosts.flatMap((h) => (gw ? gatewayLegs(mesh, gw, h) : []).map((l) => ({ text: l.text, tone: 'allow' as const, links: [resourceLink(lines, l.resource, l.path, `${kindName(l.resource)}, ${pathText(l.path)}`)] }))) });
    sections.push({ heading: 'Traffic from', items: from });
    return {
      title: `egress gateway ${gw?.label ?? node.label}`,
      summary: `${gw?.assumed ? 'Installed by Istio (not in the workspace); ' : ''}routes ${hosts.length} host${hosts.length === 1 ? '' : 's'} for ${into.length} workload${into.length === 1 ? '' : 's'}.`,
      verdict: 'gateway',
      sections,
    };
  }
  const host = node.label;
  const entries = mesh.serviceEntries.filter((e) => e.hosts.some((h) => h.value.toLowerCase() === host));
  sections.push({ heading: 'Registered by', items: entries.map((e) => ({ text: kindName(e.r), tone: 'info' as const, links: [resourceLink(lines, e.r)] })) });
  sections.push({ heading: 'Reached from', items: from });
  const direct = into.filter((e) => e.verdict !== 'gateway').length;
  return { title: host, summary: `A host outside the cluster, reached from ${into.length} node${into.length === 1 ? '' : 's'}${direct > 0 ? ` (${direct} directly)` : ''}.`, sections };
}

function explainNode(a: Analysis, lines: (uri: string) => LineIndex, view: ReachabilityView, id: string): ExplainResult {
  const reach = a.reach;
  const i = view.index.get(id);
  if (i === undefined) return { title: id, summary: 'This is no longer in the workspace.', sections: [], missing: true };
  const node = view.nodes[i];
  const out = view.edges.filter((e) => e.src === i);
  const into = view.edges.filter((e) => e.dst === i);
  if (node.kind === 'gateway' || node.kind === 'fqdn') return explainMeshNode(a, lines, view, node, into, out);
  const w = view.workloads.get(id);
  if (w) {
    const r = w.resources[0];
    const sections: ExplainSection[] = [];
    if (r) sections.push({ heading: 'Defined in', items: [{ text: `${r.kind} ${w.namespace}/${w.name}`, tone: 'info', links: [resourceLink(lines, r)] }] });
    for (const dir of ['egress', 'ingress'] as const) {
      const policies = policiesOf(reach, w, dir);
      const open = dir === 'egress' ? !node.egressRestricted : policies.length === 0;
      const items: ExplainItem[] =
        dir === 'egress' && open
          ? unrestrictedItems(a, lines, w)
          : policies.length > 0
            ? policies.map((p) => ({ text: `${kindName(p)} selects it for ${dir}.`, tone: 'allow' as const, links: [resourceLink(lines, p)] }))
            : [{ text: `No policy restricts the ingress of ${w.id}.`, tone: 'info', links: [] }];
      sections.push({ heading: `${dir === 'egress' ? 'Egress' : 'Ingress'}: ${open ? 'unrestricted' : 'restricted'}`, items });
    }
    const external = out.filter((e) => view.nodes[e.dst].kind !== 'workload').length;
    sections.push({
      heading: 'Reaches',
      items: out.map((e) => ({ text: `${view.nodes[e.dst].kind === 'workload' ? view.nodes[e.dst].id : view.nodes[e.dst].label}`, tone: e.verdict === 'unrestricted' ? 'risk' : 'allow', conns: view.conns[e.conns].text, links: [] })),
    });
    const labels = Object.entries(w.labels);
    if (labels.length > 0) sections.push({ heading: 'Pod labels', items: labels.map(([k, v]) => ({ text: `${k}=${v}`, tone: 'info', links: [] })) });
    const egress = node.egressRestricted ? `egress restricted by ${policiesOf(reach, w, 'egress').length} ${policiesOf(reach, w, 'egress').length === 1 ? 'policy' : 'policies'}` : `egress unrestricted: ${unrestrictedReason(unrestrictedEgress(reach, w) ?? { cause: 'no-policy' })}`;
    return {
      title: w.id,
      summary: `${egress}; reaches ${out.length} destination${out.length === 1 ? '' : 's'} (${external} outside the cluster), reached from ${into.length}.`,
      verdict: node.egressRestricted ? 'allowed' : 'unrestricted',
      sections,
    };
  }
  // An external node: its ranges, and the rules that name them.
  const sections: ExplainSection[] = [{ heading: 'Addresses', items: (node.ranges ?? []).map((r) => ({ text: rangeLabel(r), tone: 'info' as const, links: [] })) }];
  const parts = [view.asDestination.get(id), view.asSource.get(id)].filter((p): p is Peer & { kind: 'ip' } => p?.kind === 'ip');
  const namedBy: ExplainItem[] = [];
  // No rule names the internet (it is what they leave out); the blocks they name have their own nodes.
  for (const np of node.kind === 'internet' ? [] : a.model.networkPolicies) {
    for (const dir of ['egress', 'ingress'] as const) {
      for (const rule of np.rules[dir]) {
        for (const p of rule.peers ?? []) {
          if (p.kind !== 'ipBlock') continue;
          const c = parseCidr(p.cidr);
          if (!c || !parts.some((part) => part.ips.overlaps(c.set))) continue;
          const path = ['spec', dir, rule.index, dir === 'egress' ? 'to' : 'from', p.index, 'ipBlock', 'cidr'];
          namedBy.push({ text: `${kindName(np.resource)}, spec.${dir}[${rule.index}]: ipBlock ${p.cidr}${p.except.length > 0 ? ` except ${p.except.join(', ')}` : ''}`, tone: 'info', links: [resourceLink(lines, np.resource, path, `${kindName(np.resource)}, ${pathText(path)}`)] });
        }
      }
    }
  }
  if (namedBy.length > 0) sections.push({ heading: 'Named by', items: namedBy });
  const unrestricted = into.filter((e) => e.verdict === 'unrestricted').length;
  sections.push({
    heading: 'Reached from',
    items: into.map((e) => ({ text: view.nodes[e.src].id, tone: e.verdict === 'unrestricted' ? 'risk' : 'allow', conns: view.conns[e.conns].text, links: [] })),
  });
  return {
    title: node.kind === 'internet' ? 'internet' : node.label,
    summary:
      node.kind === 'internet'
        ? `Every address no policy names. Reached from ${into.length} workload${into.length === 1 ? '' : 's'}, ${unrestricted} of them without any egress restriction.`
        : `Addresses outside the cluster named by ${namedBy.length} rule${namedBy.length === 1 ? '' : 's'}. Reached from ${into.length} workload${into.length === 1 ? '' : 's'}.`,
    sections,
  };
}

/** The workloads defined in one document, with where their name is. */
export function workloadLenses(a: Analysis, lines: (uri: string) => LineIndex, params: WorkloadLensParams): WorkloadLens[] {
  const uri = normalizeUri(params.uri);
  const out: WorkloadLens[] = [];
  for (const w of a.reach.workloads) {
    for (const r of w.resources) {
      if (r.uri !== uri) continue;
      out.push({ workload: w.id, range: location(lines, uri, nameSpan(r)).range, egressRestricted: !unrestrictedEgress(a.reach, w) });
      break;
    }
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line);
}

/** Registers the panel's requests; the returned hook goes into the server's publish(). */
export function registerPanel(connection: Connection, host: PanelHost): PanelHooks {
  let revision = 0;
  let notified: Analysis | undefined;
  const revisions = new WeakMap<Analysis, number>();
  const revisionOf = (a: Analysis): number => {
    let r = revisions.get(a);
    if (r === undefined) revisions.set(a, (r = ++revision));
    return r;
  };
  const lines: PanelLines = Object.assign((uri: string) => host.linesOf(uri), { trace: host.trace });

  connection.onRequest(PanelRequests.reachability, (params: ReachabilityParams | null): ReachabilityResult => {
    host.flush();
    const a = host.current();
    return reachabilityResult(a, lines, params ?? {}, revisionOf(a), host.observedSources?.());
  });
  connection.onRequest(PanelRequests.explain, (params: ExplainParams): ExplainResult => {
    host.flush();
    return explain(host.current(), lines, params);
  });
  connection.onRequest(PanelRequests.workloadLenses, (params: WorkloadLensParams): WorkloadLens[] => {
    host.flush();
    return workloadLenses(host.current(params.uri), lines, params);
  });

  return {
    revision: () => revisionOf(host.current()),
    changed() {
      const a = host.current();
      if (a === notified) return;
      notified = a;
      const params: ReachabilityChangedParams = { revision: revisionOf(a) };
      void connection.sendNotification(PanelNotifications.reachabilityChanged, params);
    },
  };
}
