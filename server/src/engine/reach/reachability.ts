import type { Model } from '../model/model';
import { WorkloadIndex } from '../model/index';
import { isRecord } from '../model/resources';
import type { Workload } from '../model/workloads';
import { compileAdminPolicy, type CompiledAdminPolicy } from './compile-admin';
import { compileNetpol, ipBlockSet } from './compile-netpol';
import { ConnectionSet } from './connections';
import { evaluate, PolicyIndex, type DirectionVerdict } from './evaluate';
import { IpRangeSet, parseCidr, partition } from './iprange';
import type { Peer } from './rules';

export interface Connection {
  src: Peer;
  dst: Peer;
  conns: ConnectionSet;
}

export interface PairVerdict {
  allowed: ConnectionSet;
  /** The source's egress side (absent when the source is an address). */
  egress?: DirectionVerdict;
  /** The destination's ingress side (absent when the destination is an address). */
  ingress?: DirectionVerdict;
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
  private readonly egressCache = new Map<Workload, Map<string, ConnectionSet>>();

  constructor(model: Model) {
    this.index = new WorkloadIndex(model.workloads, model.namespaces);
    this.workloads = [...model.workloads].sort((a, b) => byteCompare(a.id, b.id));
    const netpols = model.networkPolicies.map((np) => compileNetpol(np, this.index));
    const admin = model.adminPolicies.map((r) => compileAdminPolicy(r, this.index)).filter((p): p is CompiledAdminPolicy => p !== undefined);
    this.policies = new PolicyIndex(netpols, admin);

    const v4 = (s: IpRangeSet | undefined): IpRangeSet | undefined => (s ? s.intersect(IpRangeSet.allV4) : undefined);
    const dstSets: IpRangeSet[] = [];
    const srcSets: IpRangeSet[] = [];
    // Every CIDR counts, whether or not its policy selects anything or its direction is in effect.
    for (const np of model.networkPolicies) {
      for (const [dir, sink] of [['egress', dstSets], ['ingress', srcSets]] as const) {
        for (const rule of np.rules[dir]) {
          for (const p of rule.peers ?? []) {
            if (p.kind !== 'ipBlock') continue;
            const set = v4(ipBlockSet(p.cidr, p.except));
            if (set && !set.isEmpty) sink.push(set);
          }
        }
      }
    }
    for (const r of model.adminPolicies) {
      const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
      for (const rule of Array.isArray(spec.egress) ? spec.egress : []) {
        if (!isRecord(rule) || !Array.isArray(rule.to)) continue;
        for (const peer of rule.to) {
          if (!isRecord(peer) || !Array.isArray(peer.networks)) continue;
          for (const n of peer.networks) {
            const c = parseCidr(String(n));
            if (c?.family === 4) dstSets.push(c.set);
          }
        }
      }
    }
    this.externalDestinations = partition(IpRangeSet.allV4, dstSets).map(ipPeer);
    this.externalSources = partition(IpRangeSet.allV4, srcSets).map(ipPeer);
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

  /** Whether a workload's egress is restricted by any policy at all. */
  egressRestricted(w: Workload): boolean {
    const a = this.policies.of(w, 'egress');
    return a.admin.length + a.netpol.length + a.baseline.length > 0;
  }

  /**
   * Every ordered pair with a non-empty allowed set, as netpol-analyzer's connlist lists them:
   * workloads and external sources to workloads and external destinations, no address-to-address
   * pairs, no workload to itself; sorted by source then destination name.
   */
  connections(): Connection[] {
    const out: Connection[] = [];
    const wl: Peer[] = this.workloads.map((w) => ({ kind: 'workload', workload: w }));
    for (const src of [...this.externalSources, ...wl]) {
      for (const dst of [...wl, ...this.externalDestinations]) {
        if (src.kind === 'ip' && dst.kind === 'ip') continue;
        if (src.kind === 'workload' && dst.kind === 'workload' && src.workload.id === dst.workload.id) continue;
        const { allowed } = this.between(src, dst);
        if (!allowed.isEmpty) out.push({ src, dst, conns: allowed });
      }
    }
    const name = (p: Peer) => (p.kind === 'workload' ? p.workload.id : p.name);
    return out.sort((a, b) => byteCompare(name(a.src), name(b.src)) || byteCompare(name(a.dst), name(b.dst)));
  }
}
