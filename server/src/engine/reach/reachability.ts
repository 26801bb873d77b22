import type { Model, Namespace } from '../model/model';
import type { DnsSelector } from '../config';
import { matches, readSelector } from '../model/selector';
import { WorkloadIndex } from '../model/index';
import { perObject } from '../memo';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { CompiledPolicies } from './compiled';
import { ConnectionSet } from '../sets/connections';
import { anyApplied, appliedRules, evaluate, PolicyIndex, type DirectionVerdict } from './evaluate';
import { IpRangeSet, partition } from '../sets/iprange';
import { hostPeer, peerName, type CompiledRule, type Direction, type Peer } from './rules';
import type { TierPolicy } from './tiers';

export interface ReachOptions {
  /** Where the cluster DNS runs; when the workspace does not declare it, a DNS workload is assumed there. */
  dns?: DnsSelector;
  /** Pods the workspace implies but does not declare (the mesh's gateways), and the namespaces they live in. */
  assumed?: { workloads: readonly Workload[]; namespaces: readonly Namespace[] };
}

type Fingerprint = { fingerprint: string; subjects: string[]; namedAny: boolean };
const fingerprints = new WeakMap<object, { extra: string; value: Fingerprint }>();

/** A compiled policy's fingerprint, once per compiled object. */
function fingerprintOf(key: object, subjects: Iterable<Workload>, rules: Record<Direction, CompiledRule[]>, extra = ''): Fingerprint {
  const hit = fingerprints.get(key);
  if (hit && hit.extra === extra) return hit.value;
  const value = fingerprint(subjects, rules, extra);
  fingerprints.set(key, { extra, value });
  return value;
}

/** A workload's container ports as text, as named-port resolution sees them. */
const portsOf = perObject((w: Workload) => JSON.stringify(w.ports));

/** The DNS pods of the workspace, or an assumed one (not listed among the workloads). */
/** The DNS pods; an assumed one is the previous analysis's object when the setting did not change (so the index's namespace is unchanged). */
function dnsWorkloads(model: Model, dns: DnsSelector | undefined, previous: Workload | undefined): { targets: Workload[]; assumed?: Workload; namespaces: ReadonlyMap<string, Namespace> } {
  if (!dns) return { targets: [], namespaces: model.namespaces };
  const nsSel = readSelector({ matchLabels: dns.namespaceSelector });
  const podSel = readSelector({ matchLabels: dns.podSelector });
  const targets = model.workloads.filter((w) => matches(podSel, w.labels) && matches(nsSel, model.namespaces.get(w.namespace)?.labels ?? {}));
  if (targets.length > 0) return { targets, namespaces: model.namespaces };
  const nsName = dns.namespaceSelector['kubernetes.io/metadata.name'] ?? 'kube-system';
  const existing = model.namespaces.get(nsName);
  // A declared namespace that does not carry the configured labels cannot host the DNS the setting describes.
  if (existing && !matches(nsSel, existing.labels)) return { targets: [], namespaces: model.namespaces };
  const namespaces = new Map(model.namespaces);
  if (!existing) namespaces.set(nsName, { name: nsName, labels: { 'kubernetes.io/metadata.name': nsName, ...dns.namespaceSelector } });
  const id = `${nsName}/cluster-dns[assumed]`;
  const same = previous !== undefined && previous.id === id && JSON.stringify(previous.labels) === JSON.stringify(dns.podSelector);
  const assumed: Workload = (same ? previous : undefined) ?? {
    id,
    kind: 'assumed',
    name: 'cluster-dns',
    namespace: nsName,
    labels: { ...dns.podSelector },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
    hostNetwork: false,
    resources: [],
  };
  return { targets: [assumed], assumed, namespaces };
}

export interface Connection {
  src: Peer;
  dst: Peer;
  conns: ConnectionSet;
}

/** The connections that allow one connection (a protocol and port), each shown as that connection. */
export function focusOn(conns: readonly Connection[], focus: ConnectionSet): Connection[] {
  return conns.filter((c) => c.conns.contains(focus)).map((c) => ({ ...c, conns: focus }));
}

export interface PairVerdict {
  allowed: ConnectionSet;
  /** The source's egress side (absent when the source is an address). */
  egress?: DirectionVerdict;
  /** The destination's ingress side (absent when the destination is an address). */
  ingress?: DirectionVerdict;
}

const policyKey = perObject((r: Resource) => `${r.kind}/${r.namespace}/${r.name}/${r.uri}`);

/** What a compiled policy means, independent of where its text sits: subjects, and each rule resolved. */
function fingerprint(subjects: Iterable<Workload>, rules: Record<Direction, CompiledRule[]>, extra = ''): { fingerprint: string; subjects: string[]; namedAny: boolean } {
  const ids = [...subjects].map((w) => w.id).sort();
  let namedAny = false;
  const parts: string[] = [extra, ids.join(',')];
  for (const dir of ['egress', 'ingress'] as const) {
    parts.push(dir);
    for (const r of rules[dir]) {
      if (r.peers.any && r.ports.hasNamedPorts) namedAny = true;
      if (r.peers.unmodelled) parts.push(r.peers.unmodelled.join(';'));
      const peers = r.peers.any ? '*' : `${[...r.peers.workloads].map((w) => w.id).sort().join(',')}|${r.peers.ips.toString()}|${(r.peers.hosts ?? []).join(',')}`;
      parts.push(`${r.action}|${peers}|${r.ports.numeric.toString()}|${r.ports.namedPorts().map((n) => `${n.name}/${n.protocol ?? ''}`).join(',')}`);
    }
  }
  return { fingerprint: parts.join('\n'), subjects: ids, namedAny };
}

function samePorts(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  for (const [id, ports] of b) {
    const before = a.get(id);
    if (before !== undefined && before !== ports) return false;
  }
  return true;
}

function ipPeer(set: IpRangeSet): Peer {
  return { kind: 'ip', ips: set, name: `${set.toString()}[External]` };
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Who can talk to whom: every workload to every workload and to every part of the external address space,
 * with the policies that decide. Built from the model; queries are computed on demand and cached.
 */
export class Reachability {
  readonly index: WorkloadIndex;
  readonly policies: PolicyIndex;
  /** Workloads, sorted by id. */
  readonly workloads: Workload[];
  /** External destinations: the IPv4 space cut by every CIDR of an egress rule (as netpol-analyzer does). */
  readonly externalDestinations: Peer[];
  /** External sources: the IPv4 space cut by every CIDR of an ingress rule. */
  readonly externalSources: Peer[];
  /** External host names (and patterns) that policies name (Cilium toFQDNs, Calico domains). */
  readonly externalHosts: Peer[];
  /** Calico staged policies: shown, not enforced. */
  readonly stagedPolicies: TierPolicy[];
  private readonly tables: Record<Direction, Map<string, DirectionTable>> = { egress: new Map(), ingress: new Map() };

  /** Per policy (kind/namespace/name): what it means, resolved, and whom it applies to. */
  private readonly fingerprints = new Map<string, Fingerprint>();
  /** Per workload id: its container ports, as named-port resolution sees them. */
  private readonly portsById = new Map<string, string>();
  /**
   * The previous reachability whose tables (and external parts) this one took over where nothing changed.
   * Weakly held: each analysis took over from the one before, and a strong reference would keep every
   * analysis of an editing session alive.
   */
  private readonly basisRef?: WeakRef<Reachability>;
  /**
   * Shared by every reachability that took tables over from another with the same external address parts
   * and container ports, in a chain of any length: between two of them, a table that is the same object is
   * the same row (`changedSince`).
   */
  private readonly lineage: object;

  private get basis(): Reachability | undefined {
    return this.basisRef?.deref();
  }

  /** The previous reachability this one took tables from, when it took any (and it is still held). */
  get takenOver(): Reachability | undefined {
    return this.basis;
  }

  /**
   * With the reachability of the previous analysis, the tables of every workload that no changed policy
   * applies to are reused. A policy "changed" when what it resolves to changed: its subjects, its rules'
   * peers, ports or actions, not its text (so edits elsewhere in its file, or to unrelated policies, cost
   * nothing). Changes to container ports or to the external address partition recompute everything.
   */
  /** The cluster DNS pods: those of the workspace that match the `dns` setting, or one assumed from it. */
  readonly dnsTargets: Workload[];
  /** The DNS workload assumed from the `dns` setting, when the workspace declares none. */
  readonly assumedDns: Workload | undefined;

  constructor(
    readonly model: Model,
    /** The policies of the model compiled against this reachability's workload index (policy/compile.ts). */
    compile: (index: WorkloadIndex) => CompiledPolicies,
    previous?: Reachability,
    options: ReachOptions = {},
  ) {
    const dns = dnsWorkloads(model, options.dns, previous?.assumedDns);
    this.dnsTargets = dns.targets;
    this.assumedDns = dns.assumed;
    // Pods the workspace implies but does not declare: the cluster DNS, and the mesh's gateways.
    const implied = options.assumed ?? { workloads: [], namespaces: [] };
    const assumed = [...(dns.assumed ? [dns.assumed] : []), ...implied.workloads];
    let namespaces = dns.namespaces;
    if (implied.namespaces.length > 0) {
      const all = new Map(namespaces);
      for (const ns of implied.namespaces) if (!all.has(ns.name)) all.set(ns.name, ns);
      namespaces = all;
    }
    this.index = new WorkloadIndex(assumed.length > 0 ? [...model.workloads, ...assumed] : model.workloads, namespaces, previous?.index);
    this.workloads = [...model.workloads].sort((a, b) => byteCompare(a.id, b.id));
    const { netpols, admin, tiers, firewalls, staged, destinationCuts, sourceCuts, hosts } = compile(this.index);
    this.stagedPolicies = staged;
    this.policies = new PolicyIndex(netpols, admin, tiers, previous?.policies, firewalls);
    for (const f of firewalls) this.fingerprints.set(policyKey(f.resource), fingerprint(f.subjects, { egress: f.rules, ingress: [] }, 'firewall'));
    for (const c of netpols) this.fingerprints.set(policyKey(c.policy.resource), fingerprintOf(c, c.subjects, c.rules));
    // An Antrea policy compiled once per namespace gives several: each its own key.
    const seen = new Map<Resource, number>();
    for (const c of admin) {
      const k = seen.get(c.resource) ?? 0;
      seen.set(c.resource, k + 1);
      this.fingerprints.set(k === 0 ? policyKey(c.resource) : `${policyKey(c.resource)}#${k}`, fingerprintOf(c, c.subjects, c.rules, `${c.tier}/${c.priority}`));
    }
    for (const t of tiers) {
      for (const p of t.policies) this.fingerprints.set(`${policyKey(p.resource)}#${p.name}#${p.order}`, fingerprint(p.subjects, p.rules, `${t.name}/${t.order}/${t.defaultAction}/${p.order}/${p.isolates.ingress}/${p.isolates.egress}`));
    }
    for (const w of this.workloads) this.portsById.set(w.id, portsOf(w));

    this.externalHosts = [...hosts].sort().map(hostPeer);
    const dst = partition(IpRangeSet.allV4, destinationCuts).map(ipPeer);
    const src = partition(IpRangeSet.allV4, sourceCuts).map(ipPeer);
    const sameParts = (a: Peer[], b: readonly Peer[]) => a.length === b.length && a.every((p, i) => peerName(p) === peerName(b[i]));
    const reusable =
      previous !== undefined &&
      sameParts(dst, previous.externalDestinations) &&
      sameParts(src, previous.externalSources) &&
      sameParts(this.externalHosts, previous.externalHosts) &&
      samePorts(previous.portsById, this.portsById);
    this.externalDestinations = reusable ? previous.externalDestinations : dst;
    this.externalSources = reusable ? previous.externalSources : src;
    this.lineage = reusable ? previous.lineage : {};
    if (reusable) {
      this.basisRef = new WeakRef(previous);
      const affected = new Set<string>();
      const membershipChanged = previous.portsById.size !== this.portsById.size || [...this.portsById.keys()].some((id) => !previous.portsById.has(id));
      for (const [key, now] of this.fingerprints) {
        const before = previous.fingerprints.get(key);
        if (before?.fingerprint === now.fingerprint && !(membershipChanged && now.namedAny)) continue;
        for (const id of now.subjects) affected.add(id);
        for (const id of before?.subjects ?? []) affected.add(id);
      }
      for (const [key, before] of previous.fingerprints) if (!this.fingerprints.has(key)) for (const id of before.subjects) affected.add(id);
      for (const dir of ['egress', 'ingress'] as const) {
        for (const [id, t] of previous.tables[dir]) if (!affected.has(id) && this.portsById.has(id)) this.tables[dir].set(id, t);
      }
    }
  }

  egress(src: Workload, dst: Peer, explain = false): DirectionVerdict {
    return evaluate(this.policies, 'egress', src, dst, explain);
  }

  ingress(dst: Workload, src: Peer, explain = false): DirectionVerdict {
    return evaluate(this.policies, 'ingress', dst, src, explain);
  }

  /** Allowed connections from one peer to another: the source's egress meets the destination's ingress. */
  between(src: Peer, dst: Peer, explain = false): PairVerdict {
    const egress = src.kind === 'workload' ? this.egress(src.workload, dst, explain) : undefined;
    const ingress = dst.kind === 'workload' ? this.ingress(dst.workload, src, explain) : undefined;
    let allowed = ConnectionSet.all;
    if (egress) allowed = allowed.intersect(egress.allowed);
    if (ingress) allowed = allowed.intersect(ingress.allowed);
    return { allowed, egress, ingress };
  }

  /**
   * What a workload allows in one direction, for every peer at once: one generic verdict for the peers
   * that no specific rule names, and verdicts for the few peers that rules do name.
   */
  table(w: Workload, dir: Direction): DirectionTable {
    let t = this.tables[dir].get(w.id);
    if (!t) {
      t = buildTable(this.policies, dir, w, dir === 'egress' ? this.externalDestinations : this.externalSources, this.workloads, dir === 'egress' ? this.externalHosts : []);
      this.tables[dir].set(w.id, t);
    }
    return t;
  }

  /** Whether a workload's egress is restricted by any policy at all. */
  egressRestricted(w: Workload): boolean {
    return anyApplied(this.policies.of(w, 'egress'));
  }

  /**
   * The workloads a source's egress table can reach at all: those it names, and, when it allows peers it
   * does not name, those whose ingress is open to peers they do not name or names this source.
   */
  private destinationFinder(byId: ReadonlyMap<string, Workload>): (src: Workload, e: DirectionTable) => Set<Workload> {
    const open: Workload[] = [];
    const namedBy = new Map<string, Workload[]>();
    for (const w of this.workloads) {
      const t = this.table(w, 'ingress');
      if (!t.generic.isEmpty) open.push(w);
      for (const src of t.specific.keys()) {
        let l = namedBy.get(src);
        if (!l) namedBy.set(src, (l = []));
        l.push(w);
      }
    }
    return (src, e) => {
      const candidates = new Set<Workload>();
      for (const id of e.specific.keys()) {
        const w = byId.get(id);
        if (w) candidates.add(w);
      }
      if (!e.generic.isEmpty) {
        for (const w of open) candidates.add(w);
        for (const w of namedBy.get(src.id) ?? []) candidates.add(w);
      }
      return candidates;
    };
  }

  /**
   * Whether a reachability built with `other` as its previous one would take tables over from it: the same
   * external address parts and host names, and the same container ports for the workloads both have.
   */
  sameOutside(other: Reachability): boolean {
    const same = (a: readonly Peer[], b: readonly Peer[]) => a === b || (a.length === b.length && a.every((p, i) => peerName(p) === peerName(b[i])));
    return same(this.externalDestinations, other.externalDestinations) && same(this.externalSources, other.externalSources) && same(this.externalHosts, other.externalHosts) && samePorts(other.portsById, this.portsById);
  }

  /**
   * The same object for every reachability of one lineage: the same external address parts, host names and
   * container ports. A workload whose policies in force are the same objects in two of them has the same tables.
   */
  get lineageToken(): object {
    return this.lineage;
  }

  /** Whether `changedSince(other)` can tell what differs (else every pair may). */
  sharesLineage(other: Reachability): boolean {
    return this.lineage === other.lineage;
  }

  /**
   * Against another reachability of the same lineage (this one's basis, a basis of its basis, or one that
   * took tables over from any of them): the workloads whose egress table, and those whose ingress table,
   * differ (are not the same object), with the workloads only `other` has. Every other pair's connections
   * are as they are there. Undefined when the two share no lineage (nothing is known to be the same).
   */
  changedSince(other: Reachability): { egress: ReadonlySet<string>; ingress: ReadonlySet<string> } | undefined {
    if (!this.sharesLineage(other)) return undefined;
    const mine = new Set(this.workloads.map((w) => w.id));
    const gone = other.workloads.filter((w) => !mine.has(w.id)).map((w) => w.id);
    const changed = (dir: Direction) => new Set([...this.workloads.filter((w) => other.tables[dir].get(w.id) !== this.table(w, dir)).map((w) => w.id), ...gone]);
    return { egress: changed('egress'), ingress: changed('ingress') };
  }

  /**
   * The connections of the pairs whose source's egress is in `changed.egress` or whose destination's
   * ingress is in `changed.ingress` (as `changedSince` gives them): the only pairs that can differ from the
   * basis. The rest of the workspace is not evaluated. Unsorted.
   */
  connectionsTouching(changed: { egress: ReadonlySet<string>; ingress: ReadonlySet<string> }): Connection[] {
    const out: Connection[] = [];
    const byId = new Map(this.workloads.map((w) => [w.id, w]));
    const peers = new Map<Workload, Peer>();
    const peer = (w: Workload): Peer => {
      let p = peers.get(w);
      if (!p) peers.set(w, (p = { kind: 'workload', workload: w }));
      return p;
    };
    const push = (src: Workload, dst: Workload, e: DirectionTable) => {
      if (src.id === dst.id) return;
      const out1 = e.get(dst);
      if (out1.isEmpty) return;
      const allowed = out1.intersect(this.table(dst, 'ingress').get(src));
      if (!allowed.isEmpty) out.push({ src: peer(src), dst: peer(dst), conns: allowed });
    };
    // The workloads a table can allow at all: those it names, or every workload when it allows peers it does not name.
    const reachable = (t: DirectionTable): Iterable<Workload> =>
      t.generic.isEmpty ? [...t.specific.keys()].flatMap((id) => byId.get(id) ?? []) : this.workloads;
    // Rows: every destination of a source whose egress changed.
    for (const src of this.workloads) {
      if (!changed.egress.has(src.id)) continue;
      const e = this.table(src, 'egress');
      for (const dst of reachable(e)) push(src, dst, e);
      for (const part of this.externalDestinations) {
        const allowed = e.getIp(part);
        if (!allowed.isEmpty) out.push({ src: peer(src), dst: part, conns: allowed });
      }
      for (const host of this.externalHosts) {
        const allowed = e.getHost(host);
        if (!allowed.isEmpty) out.push({ src: peer(src), dst: host, conns: allowed });
      }
    }
    // Columns: every other source of a destination whose ingress changed.
    for (const dst of this.workloads) {
      if (!changed.ingress.has(dst.id)) continue;
      const t = this.table(dst, 'ingress');
      for (const src of reachable(t)) if (!changed.egress.has(src.id)) push(src, dst, this.table(src, 'egress'));
      for (const part of this.externalSources) {
        const allowed = t.getIp(part);
        if (!allowed.isEmpty) out.push({ src: part, dst: peer(dst), conns: allowed });
      }
    }
    return out;
  }

  /**
   * Every ordered pair with a non-empty allowed set, as netpol-analyzer's connlist lists them:
   * workloads and external sources to workloads and external destinations, no address-to-address
   * pairs, no workload to itself; sorted by source then destination name.
   *
   * With the connections of a reachability of this one's lineage (`previous`: the one it was built from, or
   * any other that shares its tables), the pairs whose two tables are the same objects there are copied
   * from there, and only the others are evaluated.
   */
  connections(previous?: { reach: Reachability; connections: readonly Connection[] }): Connection[] {
    const out: Connection[] = [];
    const name = (p: Peer) => (p.kind === 'workload' ? p.workload.id : p.name);
    const wl: Peer[] = this.workloads.map((w) => ({ kind: 'workload', workload: w }));
    const peerOf = new Map(wl.map((p) => [(p as { workload: Workload }).workload, p]));
    const byId = new Map(this.workloads.map((w) => [w.id, w]));
    // Any reachability of this one's lineage will do (see changedSince), not only the one it took over from.
    const basis = previous && this.sharesLineage(previous.reach) ? previous.reach : undefined;
    // Tables taken over from the basis: a pair whose source's egress and destination's ingress both were, is as it was.
    const kept = (w: Workload, dir: Direction) => basis !== undefined && basis.tables[dir].get(w.id) === this.table(w, dir);
    const changedIngress = basis ? this.workloads.filter((w) => !kept(w, 'ingress')) : [];
    const before = new Map<string, Connection[]>();
    if (basis) for (const c of previous!.connections) {
      const key = c.src.kind === 'workload' ? c.src.workload.id : `>${name(c.dst)}`;
      let l = before.get(key);
      if (!l) before.set(key, (l = []));
      l.push(c);
    }
    const hostByName = new Map(this.externalHosts.map((h) => [name(h), h]));
    // Built on first use: a list that copies most pairs from `previous` may evaluate no source whole.
    let finder: ReturnType<Reachability['destinationFinder']> | undefined;
    const destinations = (src: Workload, e: DirectionTable) => (finder ??= this.destinationFinder(byId))(src, e);
    const pair = (srcW: Workload, dstW: Workload, e: DirectionTable) => {
      if (dstW.id === srcW.id) return;
      const allowed = e.get(dstW).intersect(this.table(dstW, 'ingress').get(srcW));
      if (!allowed.isEmpty) out.push({ src: peerOf.get(srcW)!, dst: peerOf.get(dstW)!, conns: allowed });
    };
    for (const srcW of this.workloads) {
      const src = peerOf.get(srcW)!;
      const e = this.table(srcW, 'egress');
      if (basis && kept(srcW, 'egress')) {
        const changed = new Set(changedIngress);
        for (const c of before.get(srcW.id) ?? []) {
          if (c.dst.kind !== 'workload') {
            const dst = c.dst.kind === 'host' ? hostByName.get(c.dst.name) : c.dst;
            if (dst) out.push({ src, dst, conns: c.conns });
            continue;
          }
          const dstW = byId.get(c.dst.workload.id);
          if (dstW && !changed.has(dstW)) out.push({ src, dst: peerOf.get(dstW)!, conns: c.conns });
        }
        for (const dstW of changed) pair(srcW, dstW, e);
        continue;
      }
      for (const dstW of destinations(srcW, e)) pair(srcW, dstW, e);
      for (const part of this.externalDestinations) {
        const allowed = e.getIp(part);
        if (!allowed.isEmpty) out.push({ src, dst: part, conns: allowed });
      }
      for (const host of this.externalHosts) {
        const allowed = e.getHost(host);
        if (!allowed.isEmpty) out.push({ src, dst: host, conns: allowed });
      }
    }
    for (const dstW of this.workloads) {
      if (basis && kept(dstW, 'ingress')) {
        for (const c of before.get(`>${dstW.id}`) ?? []) out.push({ src: c.src, dst: peerOf.get(dstW)!, conns: c.conns });
        continue;
      }
      for (const part of this.externalSources) {
        const allowed = this.table(dstW, 'ingress').getIp(part);
        if (!allowed.isEmpty) out.push({ src: part, dst: peerOf.get(dstW)!, conns: allowed });
      }
    }
    return out.sort((a, b) => byteCompare(name(a.src), name(b.src)) || byteCompare(name(a.dst), name(b.dst)));
  }
}

/** A stand-in for "any workload no rule names": matches only rules that match every peer. */
const GENERIC_WORKLOAD: Workload = { id: '', kind: '', name: '', namespace: '', labels: {}, ports: [], hostNetwork: false, resources: [] };
const GENERIC_ADDRESS: Peer = { kind: 'ip', ips: IpRangeSet.empty, name: '' };

export class DirectionTable {
  constructor(
    readonly generic: ConnectionSet,
    /** By workload id (tables outlive the workload objects of one analysis). */
    readonly specific: ReadonlyMap<string, ConnectionSet>,
    readonly ipGeneric: ConnectionSet,
    readonly ipSpecific: ReadonlyMap<Peer, ConnectionSet>,
    readonly hosts: ReadonlyMap<string, ConnectionSet> = new Map(),
  ) {}

  /** For a host name the policies name. */
  getHost(host: Peer): ConnectionSet {
    return (host.kind === 'host' ? this.hosts.get(host.host) : undefined) ?? this.ipGeneric;
  }

  get(w: Workload): ConnectionSet {
    return this.specific.get(w.id) ?? this.generic;
  }

  /** For a part of the external partition (other addresses: use Reachability.between). */
  getIp(part: Peer): ConnectionSet {
    return this.ipSpecific.get(part) ?? this.ipGeneric;
  }
}

function buildTable(policies: PolicyIndex, dir: Direction, w: Workload, parts: readonly Peer[], workloads: readonly Workload[], hosts: readonly Peer[]): DirectionTable {
  const applied = policies.of(w, dir);
  const rules = appliedRules(applied, dir);
  if (!anyApplied(applied)) {
    const all = evaluate(policies, dir, w, { kind: 'workload', workload: GENERIC_WORKLOAD }).allowed;
    return new DirectionTable(all, new Map(), all, new Map());
  }
  const named = new Set<Workload>();
  const anyNames = new Set<string>();
  let ips = IpRangeSet.empty;
  for (const r of rules) {
    if (!r.peers.any) {
      for (const x of r.peers.workloads) named.add(x);
      ips = ips.union(r.peers.ips);
    } else if (dir === 'egress') for (const n of r.ports.namedPorts()) anyNames.add(n.name);
  }
  // Egress rules to every peer with named ports: the result depends on each destination's port names.
  if (anyNames.size > 0) for (const x of workloads) if (x.ports.some((p) => p.name !== undefined && anyNames.has(p.name))) named.add(x);
  const specific = new Map<string, ConnectionSet>();
  for (const x of named) specific.set(x.id, evaluate(policies, dir, w, { kind: 'workload', workload: x }).allowed);
  const ipSpecific = new Map<Peer, ConnectionSet>();
  if (!ips.isEmpty) for (const part of parts) if (part.kind === 'ip' && ips.overlaps(part.ips)) ipSpecific.set(part, evaluate(policies, dir, w, part).allowed);
  const hostVerdicts = new Map<string, ConnectionSet>();
  for (const h of hosts) if (h.kind === 'host') hostVerdicts.set(h.host, evaluate(policies, dir, w, h).allowed);
  return new DirectionTable(
    evaluate(policies, dir, w, { kind: 'workload', workload: GENERIC_WORKLOAD }).allowed,
    specific,
    evaluate(policies, dir, w, GENERIC_ADDRESS).allowed,
    ipSpecific,
    hostVerdicts,
  );
}
