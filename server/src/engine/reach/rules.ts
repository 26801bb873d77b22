import type { YamlPath } from '../parse/locate';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import { IpRangeSet } from './iprange';
import { PortMatcher } from './ports';

export type Direction = 'ingress' | 'egress';
export type Action = 'allow' | 'deny' | 'pass';

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

/** The peers a rule matches: workloads and external address ranges. */
export interface PeerMatch {
  /** Every workload and every address (a rule without `to`/`from`). */
  any: boolean;
  workloads: ReadonlySet<Workload>;
  ips: IpRangeSet;
}

export const ANY_PEER: PeerMatch = { any: true, workloads: new Set(), ips: IpRangeSet.all };

/** One rule, in the form every policy kind compiles to. */
export interface CompiledRule {
  origin: RuleOrigin;
  action: Action;
  peers: PeerMatch;
  ports: PortMatcher;
}

/** A destination or source of traffic. */
export type Peer = { kind: 'workload'; workload: Workload } | { kind: 'ip'; ips: IpRangeSet; name: string };

export function peerMatches(m: PeerMatch, p: Peer): boolean {
  if (m.any) return true;
  return p.kind === 'workload' ? m.workloads.has(p.workload) : !p.ips.isEmpty && m.ips.contains(p.ips);
}

export function peerName(p: Peer): string {
  return p.kind === 'workload' ? p.workload.id : p.name;
}
