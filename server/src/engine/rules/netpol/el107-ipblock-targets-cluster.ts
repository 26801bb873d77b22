import { spanAt } from '../../model/anchor';
import { ipBlockSet } from '../../policy/compile-netpol';
import { parseCidr } from '../../sets/iprange';
import { networkPolicyOf } from '../../model/model';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { defineRule, type RawFinding } from '../rule';
import { peerKey } from './paths';

export const el107 = defineRule({
  id: 'EL107',
  name: 'ipblock-targets-cluster',
  severity: 'info',
  docs: {
    summary: 'An ipBlock overlaps the cluster’s pod or service address ranges (settings `clusterCidrs`, `serviceCidrs`).',
    why: 'Whether an ipBlock matches traffic to or from pods is left to each network plugin, and pod IPs change on every restart. Service IPs are translated to a pod before policy applies, so an ipBlock on the service range matches nothing. Select pods with podSelector and namespaceSelector instead.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-cluster
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 10.244.0.0/16
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-cluster
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: payments}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: which pods the addresses were meant to reach is not written anywhere.',
    config: { clusterCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/12'] },
  },
  checkResource(r, ctx) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const ranges = [
      ...ctx.config.clusterCidrs.map((c) => ({ text: c, kind: 'pod' as const, c: parseCidr(c) })),
      ...ctx.config.serviceCidrs.map((c) => ({ text: c, kind: 'service' as const, c: parseCidr(c) })),
    ].filter((x) => x.c);
    if (ranges.length === 0) return out;
    const np = networkPolicyOf(r);
    for (const dir of ['egress', 'ingress'] as const) {
      for (const rule of np.rules[dir]) {
        for (const p of rule.peers ?? []) {
          if (p.kind !== 'ipBlock') continue;
          const set = ipBlockSet(p.cidr, p.except);
          if (!set || (parseCidr(p.cidr)?.prefix ?? 0) === 0) continue;
          for (const range of ranges) {
            if (!set.overlaps(range.c!.set)) continue;
            out.push({
              uri: np.resource.uri,
              span: spanAt(np.resource, ['spec', dir, rule.index, peerKey(dir), p.index, 'ipBlock', 'cidr']),
              message:
                range.kind === 'pod'
                  ? `ipBlock ${p.cidr} overlaps the pod network ${range.text}: whether it matches pod traffic depends on the network plugin, and pod IPs change. Select the pods with podSelector/namespaceSelector.`
                  : `ipBlock ${p.cidr} overlaps the service network ${range.text}: traffic to a Service is matched on the pod behind it, so this part of the block matches nothing.`,
            });
          }
        }
      }
    }
    return out;
  },
});
