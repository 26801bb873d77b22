/**
 * The reachability panel's graph of an analysis: nodes (workloads, address ranges, the internet, host
 * names, egress gateways), edges with their connections and verdicts, namespaces; the part of it that
 * touches one workload; with flows loaded, their overlay; and the CodeLens of a document's workloads.
 * Derived once per analysis and kept with it. Ranges are computed with the line indexes handed in.
 */
import type { Analysis } from '../../analyze';
import { egressPath, gatewayHosts, gatewayLegs, meshLegs } from '../../mesh/paths';
import type { Workload } from '../../model/workloads';
import type { Reachability } from '../../reach/reachability';
import type { Peer } from '../../reach/rules';
import { unrestrictedEgress } from '../../reach/unrestricted';
import { ConnectionSet } from '../../sets/connections';
import { IpRangeSet, parseCidr } from '../../sets/iprange';
import { PortSet } from '../../sets/portset';
import type { LineIndex } from '../../text/lines';
import { isMeshed, type GatewayDeployment } from '../../mesh/mesh';
import { nameSpan, spanAt } from '../../model/anchor';
import { isRecord, type Resource } from '../../model/resources';
import type { NetworkPolicy } from '../../model/networkpolicy';
import { perObject } from '../../memo';
import { firewallRules, isEgressFirewall } from '../../policy/openshift';
import type { Direction, Span } from '../../types';
import { observedOverlay } from './observed';
import { exposureAnalysis, representativeWords, type ExposureLine } from '../../exposure/exposure';
import { gatewayApplies, isTelemetry } from '../../rules/mesh/gateway-traffic';
import { INTERNET, toConns, type ReachabilityView } from './view';
import { edgeOrder } from './delta';
import type { EdgeVerdict, PanelLocation, ReachabilityParams, ReachabilityResult, ReachConns, ReachEdge, ReachNamespace, ReachNode, WorkloadLens, WorkloadLensParams } from './types';

/** Line indexes by URI; with cluster views, also where a place of the active view's render was written. */
export type PanelLines = ((uri: string) => LineIndex) & { trace?: (uri: string, span: Span) => { uri: string; span: Span } };

export function location(lines: PanelLines, uri: string, span: Span): PanelLocation {
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

/** The address blocks a NetworkPolicy's or an admin policy's rules name, per direction (once per object). */
const blocksOfNetpol = perObject((np: NetworkPolicy): Record<Direction, string[]> => {
  const out: Record<Direction, string[]> = { egress: [], ingress: [] };
  for (const dir of ['egress', 'ingress'] as const) {
    for (const rule of np.rules[dir]) for (const p of rule.peers ?? []) if (p.kind === 'ipBlock') out[dir].push(p.cidr, ...p.except);
  }
  return out;
});
const blocksOfAdmin = perObject((r: Resource): Record<Direction, string[]> => {
  const out: Record<Direction, string[]> = { egress: [], ingress: [] };
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  for (const dir of ['egress', 'ingress'] as const) {
    for (const rule of Array.isArray(spec[dir]) ? spec[dir] : []) {
      if (!isRecord(rule)) continue;
      const peers = rule[dir === 'egress' ? 'to' : 'from'];
      for (const peer of Array.isArray(peers) ? peers : []) if (isRecord(peer) && Array.isArray(peer.networks)) for (const n of peer.networks) out[dir].push(String(n));
    }
  }
  return out;
});

/**
 * Every address block that a rule names in one direction (cidr and except), IPv4 as the partition is.
 * The partition is cut at each of these boundaries, so a part lies either inside or outside of it.
 */
function namedAddresses(a: Analysis, dir: Direction): IpRangeSet {
  const texts = new Set<string>();
  for (const np of a.model.networkPolicies) for (const t of blocksOfNetpol(np)[dir]) texts.add(t);
  for (const r of a.model.adminPolicies) for (const t of blocksOfAdmin(r)[dir]) texts.add(t);
  // OpenShift egress firewalls: their address blocks are destinations of their own too.
  if (dir === 'egress') for (const r of a.model.definitions) if (isEgressFirewall(r)) for (const { rule } of firewallRules(r)) if (isRecord(rule.to) && typeof rule.to.cidrSelector === 'string') texts.add(rule.to.cidrSelector);
  const sets: IpRangeSet[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (c) sets.push(c.set);
  }
  return IpRangeSet.unionAll(sets).intersect(IpRangeSet.allV4);
}

/** `spec.egress[2].to[0].ipBlock.cidr` */
export function pathText(path: ReadonlyArray<string | number>): string {
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

/**
 * The nodes and edges of an analysis (cached per analysis: asked again, it costs nothing). With the view of
 * an earlier analysis (`previous`), the connections of the pairs whose tables did not change are copied from
 * it rather than evaluated again.
 */
export function reachabilityView(a: Analysis, lines: (uri: string) => LineIndex, previous?: Analysis): ReachabilityView {
  const hit = views.get(a);
  if (hit) return hit;
  const reach = a.reach;
  const before = previous && views.get(previous);
  const connections = reach.connections(before?.connections);
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
  const mesh = a.mesh;
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
  const merged = new Map<string, { src: number; dst: number; conns: ConnectionSet; verdict: EdgeVerdict; applies?: ReachEdge['applies'] }>();
  const telemetries = a.model.definitions.filter(isTelemetry);
  const indexOf = (p: Peer): number => (p.kind === 'workload' ? index.get(p.workload.id)! : nodeOfPeer.get(p)!);
  for (const c of connections) {
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
      if (through && onward.length > 0) merged.set(`${gi}>${hi}`, { src: gi, dst: hi, conns: tcp(legs.flatMap((l) => l.ports ?? [undefined])), verdict: 'gateway', applies: gatewayApplies(mesh, telemetries, gateway, host) });
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
    edges.push({ src: e.src, dst: e.dst, conns: ci, verdict: e.verdict, ...(e.applies ? { applies: e.applies } : {}) });
  }

  // Exposure: pods no manifest holds yet that the policies of a workload admit by label (dashed nodes), and
  // every pod of the cluster where a rule admits it whole. Unprotected workloads are the unrestricted edges already.
  const exposure = new Map<string, ExposureLine>();
  const x = exposureAnalysis(a.model, reach, { connections, previous: before?.exposureMemo });
  const unprotected = new Set(x.unprotected.map((u) => `${u.workload.id}\u0000${u.direction}`));
  for (const l of [...x.egress, ...x.ingress]) {
    if (l.peer.endsWith('[External]') || unprotected.has(`${l.workload.id}\u0000${l.direction}`) || l.conns.isEmpty) continue;
    const id = `exposure:${l.peer}`;
    let ni = index.get(id);
    if (ni === undefined) {
      index.set(id, (ni = nodes.length));
      nodes.push({ id, kind: 'exposure', label: representativeWords(l.representative), selector: l.peer });
    }
    const wi = index.get(l.workload.id)!;
    const [src, dst] = l.direction === 'egress' ? [wi, ni] : [ni, wi];
    const text = l.conns.toString();
    let ci = connsIndex.get(text);
    if (ci === undefined) {
      connsIndex.set(text, (ci = conns.length));
      conns.push({ ...toConns(l.conns.ports), all: l.conns.isAll, text });
    }
    edges.push({ src, dst, conns: ci, verdict: 'exposure' });
    exposure.set(`${nodes[src].id}>${nodes[dst].id}`, l);
  }

  const namespaces: ReachNamespace[] = [...a.model.namespaces.values()]
    .map((ns) => ({
      name: ns.name,
      labels: { ...ns.labels },
      declared: ns.resource !== undefined,
      location: ns.resource ? location(lines, ns.resource.uri, nameSpan(ns.resource)) : undefined,
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  const view: ReachabilityView = { nodes, conns, edges, namespaces, index, asDestination, asSource, workloads, unrestrictedWorkloads, exposure, connections: { reach, connections }, exposureMemo: x.memo };
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
export function reachabilityResult(a: Analysis, lines: (uri: string) => LineIndex, params: ReachabilityParams, revision: number, observedSources: readonly string[] = [], previous?: Analysis): ReachabilityResult {
  const view = reachabilityView(a, lines, previous);
  const o = observedOverlay(a, view);
  const shown = o ?? view;
  let focus = params.focus;
  if (params.at) {
    const uri = params.at.uri;
    if (a.files.some((f) => f.uri === uri)) {
      const w = workloadAt(a, uri, lines(uri).offset(params.at.position));
      if (w) focus = w.id;
    }
  }
  // Connections between what exists (exposure edges are potential ones, to pods that may come).
  const stats = { workloads: a.reach.workloads.length, edges: view.edges.filter((e) => e.verdict !== 'exposure').length, unrestrictedWorkloads: view.unrestrictedWorkloads };
  const base = { revision, namespaces: view.namespaces, conns: shown.conns, stats, ...(o ? { observed: { sources: [...observedSources], ...o.summary } } : {}) };
  const fi = focus === undefined ? undefined : shown.index.get(focus);
  // Edges by source then destination: a change of the data (`delta.ts`) keeps that order.
  if (fi === undefined || shown.nodes[fi].kind !== 'workload') return { ...base, nodes: shown.nodes, edges: [...shown.edges].sort(edgeOrder) };
  const keep = new Map<number, number>([[fi, 0]]);
  const edges = shown.edges.filter((e) => e.src === fi || e.dst === fi);
  for (const e of edges) for (const i of [e.src, e.dst]) if (!keep.has(i)) keep.set(i, keep.size);
  const order = [...keep.keys()].sort((x, y) => x - y);
  const remap = new Map(order.map((old, i) => [old, i]));
  return {
    ...base,
    focus,
    nodes: order.map((i) => shown.nodes[i]),
    edges: edges.map((e) => ({ ...e, src: remap.get(e.src)!, dst: remap.get(e.dst)! })).sort(edgeOrder),
  };
}



/** The workloads defined in one document, with where their name is. */
export function workloadLenses(a: Analysis, lines: (uri: string) => LineIndex, params: WorkloadLensParams): WorkloadLens[] {
  const uri = params.uri;
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
