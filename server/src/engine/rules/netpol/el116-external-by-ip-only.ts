import { spanAt } from '../../model/anchor';
import { IpRangeSet, parseCidr } from '../../sets/iprange';
import { networkPolicyOf } from '../../model/model';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { defineRule, type RawFinding } from '../rule';

/** Private, shared, loopback, link-local, documentation, benchmark, multicast and reserved ranges. */
const NOT_PUBLIC = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/3',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10', '2001:db8::/32', 'ff00::/8',
].reduce((acc, c) => acc.union(parseCidr(c)!.set), IpRangeSet.empty);

export const el116 = defineRule({
  id: 'EL116',
  name: 'external-by-ip-only',
  severity: 'hint',
  docs: {
    summary: 'Egress to public address ranges, presumably to reach a named external service.',
    why: 'A SaaS API or a package registry changes its addresses without notice, and after NAT nobody can tell which pod called it. A policy by name (Cilium `toFQDNs`, Calico Enterprise domains, an Istio egress gateway with a ServiceEntry) follows the service and can be audited.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-github
  namespace: ci
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 140.82.112.0/20}
    ports:
    - port: 443
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-proxy
  namespace: ci
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: istio-system}
      podSelector:
        matchLabels: {istio: egressgateway}
    ports:
    - port: 443
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the service behind the addresses is not written anywhere.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    for (const rule of np.rules.egress) {
      for (const p of rule.peers ?? []) {
        if (p.kind !== 'ipBlock') continue;
        const c = parseCidr(p.cidr);
        if (!c || c.prefix === 0 || NOT_PUBLIC.contains(c.set)) continue;
        out.push({
          uri: np.resource.uri,
          span: spanAt(np.resource, ['spec', 'egress', rule.index, 'to', p.index, 'ipBlock', 'cidr']),
          message: `Egress to the public range ${p.cidr} by address: if this is a named service (an API, a registry), its addresses change and NAT hides which pod called. Prefer a policy by name (Cilium toFQDNs) or an egress gateway.`,
        });
      }
    }
    return out;
  },
});
