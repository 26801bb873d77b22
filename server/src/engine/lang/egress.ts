/**
 * A workload's egress in one look: whether any policy restricts it, every destination it can reach with
 * the connections allowed (its egress meets the destination's ingress), and the policies that decide.
 */
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { ConnectionSet } from '../sets/connections';
import { IpRangeSet } from '../sets/iprange';
import type { Reachability } from '../reach/reachability';
import { addressLabels } from './addresses';
import { unrestrictedEgress, type UnrestrictedEgress } from '../reach/unrestricted';

export type Destination =
  | { kind: 'workload'; workload: Workload; conns: ConnectionSet; label: string }
  | { kind: 'addresses'; ips: IpRangeSet; conns: ConnectionSet; label: string }
  | { kind: 'host'; host: string; conns: ConnectionSet; label: string };

export interface EgressSummary {
  workload: Workload;
  /** Whether its egress misses any destination or port (see reach/unrestricted). */
  restricted: boolean;
  /** Why it reaches everything, when it does. */
  unrestricted?: UnrestrictedEgress;
  /** Workloads first (by id), then address ranges, then host names. Empty when unrestricted. */
  destinations: Destination[];
  /** The policies that restrict its egress, in evaluation order. */
  deciding: Resource[];
  /** NetworkPolicies that select it for ingress only (why a policy "for it" does not restrict egress). */
  ingressOnly: Resource[];
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

const cache = new WeakMap<Reachability, Map<Workload, EgressSummary>>();

/** The egress summary of a workload (cached per Reachability). */
export function egressSummary(reach: Reachability, w: Workload): EgressSummary {
  let m = cache.get(reach);
  if (!m) cache.set(reach, (m = new Map()));
  const hit = m.get(w);
  if (hit) return hit;
  const applied = reach.policies.of(w, 'egress');
  const deciding = unique([...applied.admin.map((p) => p.resource), ...applied.tiers.flatMap((t) => t.policies.map((p) => p.resource)), ...applied.baseline.map((p) => p.resource)]);
  const ingressOnly = reach.policies
    .of(w, 'ingress')
    .netpol.filter((np) => !np.policy.affects.egress)
    .map((np) => np.policy.resource);
  const unrestricted = unrestrictedEgress(reach, w);
  const restricted = unrestricted === undefined;
  const destinations: Destination[] = [];
  if (restricted) {
    const table = reach.table(w, 'egress');
    // The cluster DNS the settings describe counts as a destination even when the workspace does not declare it.
    const all = [...reach.workloads, ...reach.dnsTargets.filter((d) => !reach.workloads.includes(d))];
    // Egress open to workloads no rule names reaches every workload; otherwise only those its rules name
    // can be reached (and only their ingress tables are needed).
    const targets = table.generic.isEmpty ? all.filter((d) => table.specific.has(d.id)) : all;
    for (const dst of targets) {
      if (dst === w) continue;
      const conns = table.get(dst).intersect(reach.table(dst, 'ingress').get(w));
      if (!conns.isEmpty) destinations.push({ kind: 'workload', workload: dst, conns, label: dst.id });
    }
    // Address parts with the same connections merge into one destination.
    const byConns = new Map<string, { conns: ConnectionSet; ips: IpRangeSet }>();
    for (const part of reach.externalDestinations) {
      if (part.kind !== 'ip') continue;
      const conns = table.getIp(part);
      if (conns.isEmpty) continue;
      const key = conns.toString();
      const have = byConns.get(key);
      if (have) have.ips = have.ips.union(part.ips);
      else byConns.set(key, { conns, ips: part.ips });
    }
    for (const { conns, ips } of byConns.values()) {
      const all = ips.contains(IpRangeSet.allV4);
      destinations.push({ kind: 'addresses', ips, conns, label: all ? 'any address (0.0.0.0/0)' : addressLabels(ips).join(', ') });
    }
    for (const h of reach.externalHosts) {
      if (h.kind !== 'host') continue;
      const conns = table.getHost(h);
      if (!conns.isEmpty) destinations.push({ kind: 'host', host: h.host, conns, label: h.host });
    }
  }
  const out: EgressSummary = { workload: w, restricted, unrestricted, destinations, deciding, ingressOnly };
  m.set(w, out);
  return out;
}

/** How many destinations a code lens counts: workloads, address ranges and host names. */
export function destinationCount(s: EgressSummary): number {
  return s.destinations.length;
}
