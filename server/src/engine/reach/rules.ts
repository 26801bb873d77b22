import type { YamlPath } from '../parse/locate';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import { hostCovers, normalizeHost } from '../sets/hosts';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { PortMatcher } from './ports';
import type { Direction } from '../types';

export type { Direction };
export type Action = 'allow' | 'deny' | 'pass' | 'log';

/** Where a rule comes from, so explanations can link to its source. */
export interface RuleOrigin {
  policy: Resource;
  direction: Direction;
  /** Index in the policy's `ingress`/`egress` list; -1 for "selected, no rule allows". */
  ruleIndex: number;
  /** Path of the rule inside the resource. */
  path: YamlPath;
  /** The rule's own name (admin policies). */
  name?: string;
}

/** The peers a rule matches: workloads, external address ranges and host names. */
export interface PeerMatch {
  /** Every workload and every address (a rule without `to`/`from`). */
  any: boolean;
  workloads: ReadonlySet<Workload>;
  ips: IpRangeSet;
  /** Host names or patterns (`*.example.com`, `*`) the rule names. */
  hosts?: readonly string[];
  /** Peers whose pods cannot be decided from manifests (admin `networks` inside the pod ranges, `nodes`), said in words. */
  unmodelled?: readonly string[];
}

export const ANY_PEER: PeerMatch = { any: true, workloads: new Set(), ips: IpRangeSet.all };
export const NO_PEER: PeerMatch = { any: false, workloads: new Set(), ips: IpRangeSet.empty };

/** One rule, in the form every policy kind compiles to. */
export interface CompiledRule {
  origin: RuleOrigin;
  action: Action;
  peers: PeerMatch;
  ports: PortMatcher;
}

/** A destination or source of traffic: a workload, an external address range, or an external host name. */
export type Peer =
  | { kind: 'workload'; workload: Workload }
  | { kind: 'ip'; ips: IpRangeSet; name: string }
  | { kind: 'host'; host: string; name: string };

/** Every public IPv4 address: what an external host name may resolve to. */
export const PUBLIC_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].reduce((set, c) => set.subtract(parseCidr(c)!.set), IpRangeSet.allV4);

/** The IPv6 global unicast space (2000::/3): every public IPv6 address. */
export const PUBLIC_V6 = parseCidr('2000::/3')!.set;

/**
 * Whether a rule's peers include a peer. A host name's addresses are unknown but public: only rules naming
 * the host (or a pattern covering it), or covering every public IPv4 address, match it.
 */
export function peerMatches(m: PeerMatch, p: Peer): boolean {
  if (m.any) return true;
  switch (p.kind) {
    case 'workload':
      return m.workloads.has(p.workload);
    case 'ip':
      return !p.ips.isEmpty && m.ips.contains(p.ips);
    case 'host':
      return (m.hosts ?? []).some((h) => hostCovers(h, p.host)) || m.ips.contains(PUBLIC_V4);
  }
}

export function peerName(p: Peer): string {
  return p.kind === 'workload' ? p.workload.id : p.name;
}

export function hostPeer(host: string): Peer {
  const h = normalizeHost(host);
  return { kind: 'host', host: h, name: `${h}[FQDN]` };
}
