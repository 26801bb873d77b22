/**
 * GKE's FQDNNetworkPolicy (networking.gke.io): egress only. The pods its `podSelector` selects in its
 * namespace are isolated for egress, as a NetworkPolicy with `policyTypes: [Egress]` isolates them, and each
 * `egress` rule allows the host names of its `matches` (`name`, exact; `pattern`, with `*` wildcards) on its
 * `ports`. It adds to the NetworkPolicies of the same pods: a connection is allowed when any of them allows it.
 * https://cloud.google.com/kubernetes-engine/docs/how-to/fqdn-network-policies
 */
import type { WorkloadIndex } from '../model/index';
import { isRecord, type Resource } from '../model/resources';
import { readSelector } from '../model/selector';
import { normalizeHost } from '../sets/hosts';
import { IpRangeSet } from '../sets/iprange';
import { portListMatcher, type PortMatcher } from '../reach/ports';
import type { CompiledRule, PeerMatch } from '../reach/rules';
import { NETWORK_POLICY_ORDER, type TierPolicy } from '../reach/tiers';

export const GKE_GROUP = 'networking.gke.io';

export function isGkeFqdnPolicy(r: Resource): boolean {
  return r.group === GKE_GROUP && r.kind === 'FQDNNetworkPolicy';
}

/** The egress rules of a policy object, with their index (entries that are not maps are skipped). */
export function gkeEgressRules(r: Resource): { rule: Record<string, unknown>; index: number }[] {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const out: { rule: Record<string, unknown>; index: number }[] = [];
  if (Array.isArray(spec.egress)) spec.egress.forEach((rule, index) => isRecord(rule) && out.push({ rule, index }));
  return out;
}

/** The host names and patterns of a rule's `matches`. */
export function gkeRuleHosts(rule: Record<string, unknown>): string[] {
  const hosts: string[] = [];
  for (const m of Array.isArray(rule.matches) ? rule.matches : []) {
    if (!isRecord(m)) continue;
    for (const k of ['name', 'pattern']) if (typeof m[k] === 'string' && m[k].trim()) hosts.push(normalizeHost(m[k]));
  }
  return hosts;
}

function rulePorts(rule: Record<string, unknown>): PortMatcher {
  return portListMatcher(rule.ports);
}

/** A policy in the default tier, beside NetworkPolicy: it isolates its pods for egress and allows the hosts it names. */
export function compileGkeFqdnPolicy(r: Resource, index: WorkloadIndex): TierPolicy {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const ns = r.namespace;
  const subjects = new Set(index.select(ns, readSelector(spec.podSelector ?? {})));
  const egress: CompiledRule[] = gkeEgressRules(r).map(({ rule, index: i }) => {
    const peers: PeerMatch = { any: false, workloads: new Set(), ips: IpRangeSet.empty, hosts: gkeRuleHosts(rule) };
    return { origin: { policy: r, direction: 'egress', ruleIndex: i, path: ['spec', 'egress', i] }, action: 'allow', peers, ports: rulePorts(rule) };
  });
  return { resource: r, order: NETWORK_POLICY_ORDER, name: `${ns}/${r.name}`, subjects, rules: { ingress: [], egress }, isolates: { ingress: false, egress: true }, family: 'gke' };
}
