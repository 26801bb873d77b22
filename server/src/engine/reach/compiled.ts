/** The compiled forms of policies that the reachability evaluates (policy/ compiles them). */
import type { Resource } from '../model/resources';
import type { NetworkPolicy } from '../model/networkpolicy';
import type { Workload } from '../model/workloads';
import type { CompiledRule, Direction } from './rules';
import type { IpRangeSet } from '../sets/iprange';
import type { OrderedTier, TierPolicy } from './tiers';

/** A NetworkPolicy ready for evaluation: the workloads it selects and its rules with resolved peers. */
export interface CompiledNetpol {
  policy: NetworkPolicy;
  subjects: Workload[];
  rules: Record<Direction, CompiledRule[]>;
  /** The same policy as the default tier evaluates it (order 1000, allow rules, isolation by policyTypes). */
  tierPolicy: TierPolicy;
}

/** The tier of an admin policy. */
export type Tier = 'admin' | 'baseline';

export interface CompiledAdminPolicy {
  resource: Resource;
  tier: Tier;
  priority: number;
  subjects: ReadonlySet<Workload>;
  rules: Record<Direction, CompiledRule[]>;
}

/**
 * An egress firewall (OpenShift EgressFirewall, EgressNetworkPolicy): every pod of its namespace, ordered
 * Allow/Deny rules for traffic leaving the cluster, enforced on top of what the policies allow.
 */
export interface CompiledFirewall {
  resource: Resource;
  subjects: ReadonlySet<Workload>;
  /** Egress rules in order; the first that matches decides, and what none matches is allowed. */
  rules: CompiledRule[];
}

/** Every policy of a model compiled against one workload index (policy/compile.ts builds it). */
export interface CompiledPolicies {
  netpols: CompiledNetpol[];
  admin: CompiledAdminPolicy[];
  /** Calico and Cilium policies in their ordered tiers. */
  tiers: OrderedTier[];
  /** OpenShift egress firewalls. */
  firewalls: CompiledFirewall[];
  /** Calico staged policies: shown, not enforced. */
  staged: TierPolicy[];
  /** The IPv4 sets egress rules name: the external destinations are the address space cut along them. */
  destinationCuts: IpRangeSet[];
  /** The same for ingress rules and external sources. */
  sourceCuts: IpRangeSet[];
  /** External host names that are destinations (Cilium toFQDNs, Calico domains, admin domainNames, the mesh). */
  hosts: string[];
}
