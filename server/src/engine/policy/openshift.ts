/**
 * OpenShift's egress firewalls: `EgressFirewall` (k8s.ovn.org/v1, OVN-Kubernetes) and the older
 * `EgressNetworkPolicy` (network.openshift.io/v1, OpenShift SDN). One per namespace; it applies to every pod
 * of its namespace, and only to traffic leaving the cluster. Its `egress` rules are ordered: the first rule
 * whose `to` (`cidrSelector`, `dnsName` or `nodeSelector`) and `ports` match a connection decides it (`type:
 * Allow` or `Deny`); a connection no rule matches is allowed. It is enforced in addition to NetworkPolicy:
 * a connection leaves the cluster only when both allow it.
 * https://docs.openshift.com/container-platform/latest/networking/ovn_kubernetes_network_provider/configuring-egress-firewall-ovn.html
 */
import type { WorkloadIndex } from '../model/index';
import { isRecord, type Resource } from '../model/resources';
import { normalizeHost } from '../sets/hosts';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { portListMatcher, type PortMatcher } from '../reach/ports';
import type { CompiledRule, PeerMatch } from '../reach/rules';
import type { CompiledFirewall } from '../reach/compiled';

export type { CompiledFirewall };

export function isEgressFirewall(r: Resource): boolean {
  return (r.group === 'k8s.ovn.org' && r.kind === 'EgressFirewall') || (r.group === 'network.openshift.io' && r.kind === 'EgressNetworkPolicy');
}

/** The rules of an egress firewall, with their index (entries that are not maps are skipped). */
export function firewallRules(r: Resource): { rule: Record<string, unknown>; index: number }[] {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const out: { rule: Record<string, unknown>; index: number }[] = [];
  if (Array.isArray(spec.egress)) spec.egress.forEach((rule, index) => isRecord(rule) && out.push({ rule, index }));
  return out;
}

/** What a rule's `to` matches: addresses (`cidrSelector`), a host name (`dnsName`), or nodes (not modelled). */
export function firewallPeers(rule: Record<string, unknown>): PeerMatch {
  const to = isRecord(rule.to) ? rule.to : {};
  let ips = IpRangeSet.empty;
  const hosts: string[] = [];
  const unmodelled: string[] = [];
  if (typeof to.cidrSelector === 'string') {
    const c = parseCidr(to.cidrSelector);
    if (c) ips = c.set;
  }
  if (typeof to.dnsName === 'string' && to.dnsName.trim()) hosts.push(normalizeHost(to.dnsName));
  if (to.nodeSelector !== undefined) unmodelled.push('nodes matching its nodeSelector (node addresses are not in the manifests)');
  return { any: false, workloads: new Set(), ips, hosts, ...(unmodelled.length > 0 ? { unmodelled } : {}) };
}

export function firewallPorts(rule: Record<string, unknown>): PortMatcher {
  return portListMatcher(rule.ports);
}

export function compileEgressFirewall(r: Resource, index: WorkloadIndex): CompiledFirewall {
  // A rule whose type is neither Allow nor Deny is refused by the API server: it decides nothing.
  const rules: CompiledRule[] = firewallRules(r)
    .filter(({ rule }) => rule.type === 'Allow' || rule.type === 'Deny')
    .map(({ rule, index: i }) => ({
      origin: { policy: r, direction: 'egress', ruleIndex: i, path: ['spec', 'egress', i] },
      action: rule.type === 'Deny' ? 'deny' : 'allow',
      peers: firewallPeers(rule),
      ports: firewallPorts(rule),
    }));
  return { resource: r, subjects: new Set(index.inNamespace(r.namespace)), rules };
}
