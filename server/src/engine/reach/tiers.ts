import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { CompiledRule, Direction } from './rules';

/**
 * A policy of an ordered tier (Calico tiers; Kubernetes NetworkPolicy and Cilium policies live in the
 * default tier): rules are evaluated in order and the first match decides; a policy that isolates its
 * subjects in a direction makes the end of the tier deny what no rule decided.
 */
export interface TierPolicy {
  resource: Resource;
  /** Lower first; policies without an order come last. */
  order: number;
  /** Tie-breaker (Calico orders by name). */
  name: string;
  subjects: ReadonlySet<Workload>;
  rules: Record<Direction, CompiledRule[]>;
  /** Whether selecting a pod puts it into default-deny in that direction. */
  isolates: Record<Direction, boolean>;
  /** Which policy family it comes from (GKE: FQDNNetworkPolicy). */
  family: 'netpol' | 'calico' | 'cilium' | 'gke';
}

export interface OrderedTier {
  name: string;
  order: number;
  /** What happens at the end of the tier to what no rule decided, when a policy isolates: Calico's defaultAction. */
  defaultAction: 'deny' | 'pass';
  policies: TierPolicy[];
}

/** The default tier's order, as Calico gives it (Kubernetes NetworkPolicy evaluates at order 1000 in it). */
export const DEFAULT_TIER_ORDER = 1_000_000;
export const NETWORK_POLICY_ORDER = 1000;

export function sortPolicies(ps: TierPolicy[]): TierPolicy[] {
  return ps.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
