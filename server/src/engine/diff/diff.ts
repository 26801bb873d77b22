/**
 * The semantic connectivity diff: two analyses in (an old and a new state of the same sources), the
 * connections that were added, removed or changed out, each with the rules that make the difference.
 *
 * Pairs are compared by name: workloads by `ns/name[Kind]`, host names by name, and external address
 * ranges address by address (each state cuts the address space at its own CIDRs: the two cuts are
 * refined together, and touching ranges with the same connections before and after are merged again,
 * as netpol-analyzer's diff does). Through an Istio egress gateway, the route a meshed workload's
 * traffic to a host takes is compared too.
 */
import type { Analysis } from '../analyze';
import type { Workload } from '../model/workloads';
import { nameSpan, spanAt } from '../model/anchor';
import { perObject } from '../memo';
import { isMeshed } from '../mesh/mesh';
import { egressPath, gatewayHosts, type PathOutcome } from '../mesh/paths';
import { ConnectionSet } from '../sets/connections';
import { explainPair, type ExplainedDirection, type SourceRef } from '../reach/explain';
import { formatV4, IpRangeSet } from '../sets/iprange';
import { hostPeer, peerName, type Peer } from '../reach/rules';
import type { Connection, Reachability } from '../reach/reachability';

/** One end of a changed connection. */
export type DiffPeer =
  | { kind: 'workload'; id: string; namespace: string; name: string; workloadKind: string }
  | { kind: 'ip'; id: string; range: string }
  | { kind: 'host'; id: string; host: string };

export type ChangeType = 'added' | 'removed' | 'changed';

/** Where a connection leads, for grouping: outside the cluster first, then across namespaces, then within one. */
export type ChangeCategory = 'external' | 'cross-namespace' | 'in-namespace';

/** How a meshed workload's traffic to a host leaves the mesh. */
export interface MeshRoute {
  outcome: PathOutcome;
  /** The egress gateway, `namespace/name`. */
  gateway?: string;
  summary: string;
}

/** One rule (or the absence of one) that makes part of a difference. */
export interface DiffReason {
  /** The state the rule is written in: the new one, or the old one (a rule that was removed or no longer decides). */
  state: 'before' | 'after';
  /** The side that decides: the source's egress, the destination's ingress, or the mesh's route. */
  side: 'egress' | 'ingress' | 'route';
  verdict: 'allow' | 'deny';
  /** The part of the change it decides. */
  conns: ConnectionSet;
  /** One sentence, in the user's words. */
  text: string;
  /** Where it is written (in that state's files). */
  refs: SourceRef[];
}

export interface ConnectionChange {
  type: ChangeType;
  category: ChangeCategory;
  src: DiffPeer;
  dst: DiffPeer;
  /** Allowed in the old state (empty: none). */
  before: ConnectionSet;
  /** Allowed in the new state (empty: none). */
  after: ConnectionSet;
  /** What the new state allows that the old did not, and the reverse. */
  opened: ConnectionSet;
  closed: ConnectionSet;
  /** The route through the mesh, when it matters (meshed source, external host) in either state. */
  routeBefore?: MeshRoute;
  routeAfter?: MeshRoute;
  /** The workloads at either end that exist in only one state. */
  newOrRemoved: { src: boolean; dst: boolean };
  /** The rules that make the difference: new-state rules first, except for a removal. */
  why: DiffReason[];
}

/** A connection allowed alike in both states (for drawings of the whole picture). */
export interface UnchangedConnection {
  src: DiffPeer;
  dst: DiffPeer;
  conns: ConnectionSet;
}

export interface ConnectivityDiff {
  /** Changed, then added, then removed; in each, by source then destination name. */
  changes: ConnectionChange[];
  unchanged: UnchangedConnection[];
  addedWorkloads: string[];
  removedWorkloads: string[];
}

export interface DiffOptions {
  /** Work out the rules behind each change (default true; the connlist formats do not need them). */
  explain?: boolean;
  /**
   * Only the changes are wanted, not the connections that stayed (`unchanged` is then empty). When the new
   * state's reachability was built from the old one's, only the pairs whose tables it computed anew are
   * compared (the editor's change lens, after each edit).
   */
  changesOnly?: boolean;
}

/** The workloads whose egress, and whose ingress, differ between the states: pairs touching neither are as they were. */
type Touched = { egress: ReadonlySet<string>; ingress: ReadonlySet<string> };

function touches(c: Connection, t: Touched): boolean {
  return (c.src.kind === 'workload' && t.egress.has(c.src.workload.id)) || (c.dst.kind === 'workload' && t.ingress.has(c.dst.workload.id));
}

/** A pair's state on one side: what is allowed, and the route through the mesh. */
interface Side {
  conns: ConnectionSet;
  route?: MeshRoute;
  src: Peer;
  dst: Peer;
}

interface PairRecord {
  src: DiffPeer;
  dst: DiffPeer;
  before?: Side;
  after?: Side;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function workloadPeer(w: Workload): DiffPeer {
  return { kind: 'workload', id: w.id, namespace: w.namespace, name: w.name, workloadKind: w.kind };
}

function diffPeer(p: Peer): DiffPeer {
  if (p.kind === 'workload') return workloadPeer(p.workload);
  if (p.kind === 'host') return { kind: 'host', id: p.name, host: p.host };
  return { kind: 'ip', id: p.name, range: p.ips.toString() };
}

/**
 * A reachability's connections, listed once: a base compared with many new states (the editor's change
 * lens, after each edit) lists its own only the first time.
 */
const connectionsOf = perObject((r: Reachability) => r.connections());

/** An analysis' workloads by id. */
const workloadsById = perObject((a: Analysis) => new Map(a.reach.workloads.map((w) => [w.id, w])));

const sameRoute = (a?: MeshRoute, b?: MeshRoute) => a?.outcome === b?.outcome && a?.gateway === b?.gateway;

/** Whether traffic gets out on a route (undefined: no mesh on the way, the connections say). */
function routeOpen(r: MeshRoute | undefined): boolean | undefined {
  return r === undefined ? undefined : r.outcome === 'direct' || r.outcome === 'via-gateway';
}

/**
 * Meshed workloads' routes to the external hosts that the policies or the mesh name, per `src>host`
 * key. Only for workloads with a sidecar: without one, the connections alone decide.
 */
function meshRoutes(a: Analysis): Map<string, { route: MeshRoute; src: Workload; host: string }> {
  const out = new Map<string, { route: MeshRoute; src: Workload; host: string }>();
  const mesh = a.mesh;
  if (!mesh.istioPresent) return out;
  const reach = a.reach;
  const hosts = new Set<string>();
  for (const h of reach.externalHosts) if (h.kind === 'host') hosts.add(h.host);
  for (const g of gatewayHosts(mesh)) for (const h of g.hosts) if (h.includes('.') && !h.includes('*')) hosts.add(h);
  const gatewayPods = new Set<Workload>();
  for (const g of gatewayHosts(mesh)) for (const w of g.gateway.workloads) gatewayPods.add(w);
  for (const w of reach.workloads) {
    if (gatewayPods.has(w) || !isMeshed(w, a.model.namespaces)) continue;
    for (const host of hosts) {
      const p = egressPath(mesh, reach, w, host);
      out.set(`${w.id}>${peerName(hostPeer(host))}`, { route: { outcome: p.outcome, gateway: p.gateway?.label, summary: p.summary }, src: w, host });
    }
  }
  return out;
}

/** The routes of an analysis, worked out once (a base is compared with many new states). */
const meshRoutesOf = perObject(meshRoutes);

/** One contiguous address interval with a connection set, of one state. */
interface Piece {
  lo: number;
  hi: number;
  side: Side;
}

/**
 * Address pairs of one role (`src` or `dst` is the address) and one other peer, both states: cut at every
 * boundary of either, then merged where touching pieces have the same connections in both states.
 * (The partitions of a state are IPv4: connections never name IPv6 parts.)
 */
function mergeAddresses(before: Piece[], after: Piece[], emit: (lo: number, hi: number, b?: Side, a?: Side) => void): void {
  const cuts = new Set<number>();
  for (const p of [...before, ...after]) {
    cuts.add(p.lo);
    cuts.add(p.hi + 1);
  }
  const points = [...cuts].sort((x, y) => x - y);
  before.sort((x, y) => x.lo - y.lo);
  after.sort((x, y) => x.lo - y.lo);
  // Pieces of one state are disjoint: walk each list along the cut points.
  let ib = 0;
  let ia = 0;
  const at = (list: Piece[], i: number, n: number): [Piece | undefined, number] => {
    while (i < list.length && list[i].hi < n) i++;
    return [i < list.length && list[i].lo <= n ? list[i] : undefined, i];
  };
  let run: { lo: number; hi: number; b?: Side; a?: Side; key: string } | undefined;
  const flush = () => {
    if (run) emit(run.lo, run.hi, run.b, run.a);
    run = undefined;
  };
  for (let i = 0; i + 1 < points.length; i++) {
    const lo = points[i];
    const hi = points[i + 1] - 1;
    let b: Piece | undefined;
    let a: Piece | undefined;
    [b, ib] = at(before, ib, lo);
    [a, ia] = at(after, ia, lo);
    if (!b && !a) {
      flush();
      continue;
    }
    const key = `${b ? b.side.conns.toString() : ''}|${a ? a.side.conns.toString() : ''}`;
    if (run && run.key === key && run.hi + 1 === lo) run.hi = hi;
    else {
      flush();
      run = { lo, hi, b: b?.side, a: a?.side, key };
    }
  }
  flush();
}

/** The connection records of both states, paired by name (addresses refined and merged). */
function pairRecords(before: Analysis, after: Analysis, touched?: Touched): PairRecord[] {
  const records = new Map<string, PairRecord>();
  type AddressGroup = { role: 'src' | 'dst'; other: Peer; before: Connection[]; after: Connection[] };
  const addresses = new Map<string, AddressGroup>();
  const add = (c: Connection, state: 'before' | 'after', route?: MeshRoute) => {
    if (c.src.kind === 'ip' || c.dst.kind === 'ip') {
      const role = c.src.kind === 'ip' ? 'src' : 'dst';
      const other = role === 'src' ? c.dst : c.src;
      const key = `${role}|${peerName(other)}`;
      let g = addresses.get(key);
      if (!g) addresses.set(key, (g = { role, other, before: [], after: [] }));
      g[state].push(c);
      return;
    }
    const key = `${peerName(c.src)}>${peerName(c.dst)}`;
    let r = records.get(key);
    if (!r) records.set(key, (r = { src: diffPeer(c.src), dst: diffPeer(c.dst) }));
    r[state] = { conns: c.conns, route, src: c.src, dst: c.dst };
  };
  // The new state's list reuses the old one's where its reachability kept the old tables; with `touched`,
  // both lists hold only the pairs that can differ.
  const beforeList = connectionsOf(before.reach);
  const lists = touched
    ? { before: beforeList.filter((c) => touches(c, touched)), after: after.reach.connectionsTouching(touched) }
    : { before: beforeList, after: after.reach.connections({ reach: before.reach, connections: beforeList }) };
  const routes = { before: new Map(meshRoutesOf(before)), after: new Map(meshRoutesOf(after)) };
  for (const state of ['before', 'after'] as const) {
    const routesOf = routes[state];
    for (const c of lists[state]) {
      const key = `${peerName(c.src)}>${peerName(c.dst)}`;
      const route = routesOf.get(key);
      routesOf.delete(key);
      add(c, state, route?.route);
    }
    // Routes to hosts that policy alone does not open (through a gateway, or blocked): pairs of their own.
    for (const { route, src, host } of routesOf.values()) {
      if (route.outcome !== 'via-gateway' || (touched && !touched.egress.has(src.id))) continue;
      add({ src: { kind: 'workload', workload: src }, dst: hostPeer(host), conns: ConnectionSet.none }, state, route);
    }
  }
  // A host name that only one state names is still a destination in the other: there, the rules that
  // cover every public address (or none) decide, as they did for the rest of the internet.
  for (const r of records.values()) {
    if (r.dst.kind !== 'host' || r.src.kind !== 'workload' || (r.before && r.after)) continue;
    const [state, analysis, other] = r.before ? (['after', after, r.before] as const) : (['before', before, r.after!] as const);
    const src = workloadsById(analysis).get(r.src.id);
    if (!src) continue;
    const conns = analysis.reach.between({ kind: 'workload', workload: src }, other.dst).allowed;
    const mesh = analysis.mesh;
    const route = other.route && mesh.istioPresent && isMeshed(src, analysis.model.namespaces) ? egressPath(mesh, analysis.reach, src, r.dst.host) : undefined;
    if (conns.isEmpty && route?.outcome !== 'via-gateway') continue;
    r[state] = { conns, src: { kind: 'workload', workload: src }, dst: other.dst, ...(route ? { route: { outcome: route.outcome, gateway: route.gateway?.label, summary: route.summary } } : {}) };
  }
  for (const g of addresses.values()) {
    const pieces = (list: Connection[]): Piece[] =>
      list.flatMap((c) => {
        const ip = (g.role === 'src' ? c.src : c.dst) as Peer & { kind: 'ip' };
        return ip.ips.v4.map(([lo, hi]) => ({ lo, hi, side: { conns: c.conns, src: c.src, dst: c.dst } }));
      });
    mergeAddresses(pieces(g.before), pieces(g.after), (lo, hi, b, a) => {
      const ip: Peer = { kind: 'ip', ips: IpRangeSet.fromIntervals([[lo, hi]]), name: `${formatV4(lo)}-${formatV4(hi)}[External]` };
      const pair = g.role === 'src' ? { src: ip, dst: g.other } : { src: g.other, dst: ip };
      records.set(`${peerName(pair.src)}>${peerName(pair.dst)}`, { src: diffPeer(pair.src), dst: diffPeer(pair.dst), before: b && { ...b, ...pair }, after: a && { ...a, ...pair } });
    });
  }
  return [...records.values()];
}

function category(src: DiffPeer, dst: DiffPeer): ChangeCategory {
  if (src.kind !== 'workload' || dst.kind !== 'workload') return 'external';
  return src.namespace === dst.namespace ? 'in-namespace' : 'cross-namespace';
}

/** The first address of an address peer: any address of a merged range has the same verdicts. */
function representative(p: Peer): Peer {
  if (p.kind !== 'ip') return p;
  const first = p.ips.v4[0]?.[0];
  return first === undefined ? p : { kind: 'ip', ips: IpRangeSet.fromIntervals([[first, first]]), name: p.name };
}

/** The peer of a state: the workload object of that analysis (explanations read its policies). */
function inState(a: Analysis, p: Peer): Peer | undefined {
  if (p.kind !== 'workload') return representative(p);
  const w = workloadsById(a).get(p.workload.id);
  return w ? { kind: 'workload', workload: w } : undefined;
}

/** The workload's own name, for "allowed by default": nothing restricts it, so the workload is the place to look. */
function subjectRef(a: Analysis, d: ExplainedDirection): SourceRef[] {
  const w = workloadsById(a).get(d.subject);
  const r = w?.resources[0];
  return r ? [{ uri: r.uri, span: nameSpan(r), label: `${r.kind} ${w.namespace}/${w.name}` }] : [];
}

/** Why one slice of a change happened: per side whose verdict on the slice moved, the deciding rules of both states. */
function reasonsFor(before: Analysis, after: Analysis, src: Peer, dst: Peer, slice: ConnectionSet, opened: boolean): DiffReason[] {
  const out: DiffReason[] = [];
  const sides = (a: Analysis) => {
    const s = inState(a, src);
    const d = inState(a, dst);
    if (!s || !d) return undefined;
    return new Map(explainPair(a.reach, s, d).sides.map((x) => [x.direction, x]));
  };
  const b = sides(before);
  const a = sides(after);
  for (const dir of ['egress', 'ingress'] as const) {
    const sa = a?.get(dir);
    const sb = b?.get(dir);
    if (sa && sb && sa.allowed.intersect(slice).equals(sb.allowed.intersect(slice))) continue;
    /** Adds the side's decisions of a verdict on the slice; returns how many name a rule of their own. */
    const collect = (state: 'before' | 'after', analysis: Analysis, side: ExplainedDirection | undefined, verdict: 'allow' | 'deny'): number => {
      let named = 0;
      for (const d of side?.decisions ?? []) {
        const conns = d.conns.intersect(slice);
        if (d.verdict !== verdict || conns.isEmpty) continue;
        if (d.refs.length > 0) named++;
        out.push({ state, side: dir, verdict, conns, text: d.text, refs: d.refs.length > 0 ? d.refs : subjectRef(analysis, side!) });
      }
      return named;
    };
    const named = collect('after', after, sa, opened ? 'allow' : 'deny');
    // What opens it is the new rule; the old denial matters only when nothing new allows it (a policy that
    // isolated the workload is gone). What closes it: the rule that allowed it, and what denies it now.
    if (!opened || named === 0) collect('before', before, sb, opened ? 'deny' : 'allow');
  }
  return out;
}

function routeReasons(a: Analysis, state: 'before' | 'after', src: Peer, host: string, verdict: 'allow' | 'deny'): DiffReason[] {
  const w = src.kind === 'workload' ? workloadsById(a).get(src.workload.id) : undefined;
  if (!w) return [];
  const p = egressPath(a.mesh, a.reach, w, host);
  return [{ state, side: 'route', verdict, conns: ConnectionSet.none, text: p.summary, refs: p.steps.map((s) => ({ uri: s.resource.uri, span: spanAt(s.resource, s.path), label: s.text })) }];
}

function dedupe(reasons: DiffReason[]): DiffReason[] {
  const seen = new Map<string, DiffReason>();
  for (const r of reasons) {
    const key = `${r.state}|${r.side}|${r.verdict}|${r.text}|${r.refs.map((x) => `${x.uri}:${x.span.start}`).join(',')}`;
    const have = seen.get(key);
    if (have) have.conns = have.conns.union(r.conns);
    else seen.set(key, { ...r });
  }
  return [...seen.values()];
}

/**
 * The workloads whose tables the new state computed anew, when it took the rest over from the old state's
 * reachability and the routes through the mesh of every other pair are as they were; undefined otherwise.
 */
function touchedPairs(before: Analysis, after: Analysis): Touched | undefined {
  const changed = after.reach.changedSince(before.reach);
  if (!changed) return undefined;
  const routes1 = meshRoutesOf(before);
  const routes2 = meshRoutesOf(after);
  for (const key of new Set([...routes1.keys(), ...routes2.keys()])) {
    const r1 = routes1.get(key);
    const r2 = routes2.get(key);
    const src = (r1 ?? r2)!.src.id;
    if (!changed.egress.has(src) && (!r1 || !r2 || !sameRoute(r1.route, r2.route))) return undefined;
  }
  return changed;
}

const TYPE_ORDER: Record<ChangeType, number> = { changed: 0, added: 1, removed: 2 };

/** What changed in who can reach whom between two analyses of the same sources. Identical states give an empty diff. */
export function diffAnalyses(before: Analysis, after: Analysis, options: DiffOptions = {}): ConnectivityDiff {
  const explain = options.explain !== false;
  const workloads1 = new Set(before.reach.workloads.map((w) => w.id));
  const workloads2 = new Set(after.reach.workloads.map((w) => w.id));
  const changes: ConnectionChange[] = [];
  const unchanged: UnchangedConnection[] = [];
  const touched = options.changesOnly ? touchedPairs(before, after) : undefined;
  for (const r of pairRecords(before, after, touched)) {
    const c1 = r.before?.conns ?? ConnectionSet.none;
    const c2 = r.after?.conns ?? ConnectionSet.none;
    const route1 = r.before?.route;
    const route2 = r.after?.route;
    const connsSame = r.before !== undefined && r.after !== undefined && c1.equals(c2);
    if (connsSame && sameRoute(route1, route2)) {
      if (!options.changesOnly) unchanged.push({ src: r.src, dst: r.dst, conns: c1 });
      continue;
    }
    const type: ChangeType = r.before && r.after ? 'changed' : r.after ? 'added' : 'removed';
    const others = type === 'added' ? workloads1 : workloads2;
    const change: ConnectionChange = {
      type,
      category: category(r.src, r.dst),
      src: r.src,
      dst: r.dst,
      before: c1,
      after: c2,
      opened: c2.subtract(c1),
      closed: c1.subtract(c2),
      newOrRemoved: { src: type !== 'changed' && r.src.kind === 'workload' && !others.has(r.src.id), dst: type !== 'changed' && r.dst.kind === 'workload' && !others.has(r.dst.id) },
      why: [],
    };
    if (route1) change.routeBefore = route1;
    if (route2) change.routeAfter = route2;
    if (explain) {
      const src = (r.after ?? r.before)!.src;
      const dst = (r.after ?? r.before)!.dst;
      const why: DiffReason[] = [];
      if (!change.opened.isEmpty) why.push(...reasonsFor(before, after, src, dst, change.opened, true));
      if (!change.closed.isEmpty) why.push(...reasonsFor(before, after, src, dst, change.closed, false));
      if (!sameRoute(route1, route2) && dst.kind === 'host') {
        const nowOpen = routeOpen(route2) ?? !c2.isEmpty;
        if (route2) why.push(...routeReasons(after, 'after', src, dst.host, nowOpen ? 'allow' : 'deny'));
        if (route1) why.push(...routeReasons(before, 'before', src, dst.host, routeOpen(route1) ?? !c1.isEmpty ? 'allow' : 'deny'));
      }
      const list = dedupe(why);
      // A removal is explained by the old state first (the rule that allowed it); everything else by the new.
      change.why = type === 'removed' ? [...list.filter((x) => x.state === 'before'), ...list.filter((x) => x.state === 'after')] : [...list.filter((x) => x.state === 'after'), ...list.filter((x) => x.state === 'before')];
    }
    changes.push(change);
  }
  changes.sort((x, y) => TYPE_ORDER[x.type] - TYPE_ORDER[y.type] || byteCompare(x.src.id, y.src.id) || byteCompare(x.dst.id, y.dst.id));
  unchanged.sort((x, y) => byteCompare(x.src.id, y.src.id) || byteCompare(x.dst.id, y.dst.id));
  return {
    changes,
    unchanged,
    addedWorkloads: [...workloads2].filter((w) => !workloads1.has(w)).sort(byteCompare),
    removedWorkloads: [...workloads1].filter((w) => !workloads2.has(w)).sort(byteCompare),
  };
}

/** Whether the change lets traffic out that could not get out before, and the reverse (routes through the mesh included). */
export function opensAndCloses(c: ConnectionChange): { opens: boolean; closes: boolean } {
  const open1 = routeOpen(c.routeBefore) ?? !c.before.isEmpty;
  const open2 = routeOpen(c.routeAfter) ?? !c.after.isEmpty;
  const routed = !sameRoute(c.routeBefore, c.routeAfter);
  return {
    opens: (open2 && !c.opened.isEmpty) || (routed && open2 && !open1),
    closes: (!c.closed.isEmpty && (open1 || c.routeBefore === undefined)) || (routed && open1 && !open2),
  };
}
