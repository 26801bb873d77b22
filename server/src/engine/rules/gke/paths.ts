import type { AppliedPolicies } from '../../reach/evaluate';
import { gkeRuleHosts, gkeEgressRules } from '../../policy/gke';

/**
 * Whether the policies in force on a workload's egress are GKE FQDNNetworkPolicies only (no NetworkPolicy, admin,
 * Calico or Cilium policy), one of them naming hosts: its missing DNS is then EL701's, not EL104's.
 */
export function onlyGkeFqdnPolicies(applied: AppliedPolicies): boolean {
  if (applied.admin.length + applied.baseline.length + applied.netpol.length > 0) return false;
  const policies = applied.tiers.flatMap((t) => t.policies);
  return policies.length > 0 && policies.every((p) => p.family === 'gke') && policies.some((p) => gkeEgressRules(p.resource).some(({ rule }) => gkeRuleHosts(rule).length > 0));
}
