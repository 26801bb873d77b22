import { objectName, spanAt } from '../../model/anchor';
import type { Workload } from '../../model/workloads';
import { gkeEgressRules, gkeRuleHosts, isGkeFqdnPolicy } from '../../policy/gke';
import { addResource } from '../../fixes/new-resource';
import { dnsEgressRule, freeName } from '../../scaffold/default-deny';
import { dnsOf } from '../netpol/el104-egress-blocks-dns';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { resourceAt } from '../lookup';
import { isRecord } from '../../model/resources';
import { onlyGkeFqdnPolicies } from './paths';

/**
 * The pods of a workload that GKE FQDNNetworkPolicies alone restrict (no other policy of any family), and that
 * cannot reach the cluster DNS on UDP 53: EL104 leaves them to this rule.
 */
function blind(ctx: RuleContext, w: Workload): boolean {
  return !w.hostNetwork && onlyGkeFqdnPolicies(ctx.reach.policies.of(w, 'egress')) && !dnsOf(ctx, w).udp;
}

export const el701 = defineRule({
  id: 'EL701',
  name: 'fqdn-policy-without-dns',
  severity: 'error',
  docs: {
    summary: 'A GKE FQDNNetworkPolicy allows host names, but the pods it selects cannot reach the cluster DNS: no policy allows DNS, so the names never resolve and every connection the policy allows fails.',
    why: 'An FQDNNetworkPolicy isolates the egress of the pods it selects, DNS included, and GKE allows a name’s addresses only as the cluster DNS answers them. The policy does not allow DNS itself: a NetworkPolicy must allow UDP and TCP 53 to kube-dns, or the pods cannot resolve the names the policy allows.',
    bad: `apiVersion: networking.gke.io/v1alpha1
kind: FQDNNetworkPolicy
metadata:
  name: to-stripe
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: checkout}
  egress:
  - matches:
    - name: api.stripe.com
    ports:
    - {protocol: TCP, port: 443}
---
apiVersion: v1
kind: Pod
metadata:
  name: checkout
  namespace: shop
  labels: {app: checkout}
spec:
  containers:
  - {name: checkout, image: shop/checkout:1}
`,
    good: `apiVersion: networking.gke.io/v1alpha1
kind: FQDNNetworkPolicy
metadata:
  name: to-stripe
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: checkout}
  egress:
  - matches:
    - name: api.stripe.com
    ports:
    - {protocol: TCP, port: 443}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-stripe-dns
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: checkout}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: kube-system}
      podSelector:
        matchLabels: {k8s-app: kube-dns}
    ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
---
apiVersion: v1
kind: Pod
metadata:
  name: checkout
  namespace: shop
  labels: {app: checkout}
spec:
  containers:
  - {name: checkout, image: shop/checkout:1}
`,
    fix: 'safe',
    fixSafety: 'Safe: adds a NetworkPolicy, after the FQDNNetworkPolicy, that selects the same pods for egress and allows UDP and TCP 53 to the cluster DNS pods. Those pods are already isolated for egress by the FQDNNetworkPolicy, so the new policy only adds DNS.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    if (ctx.reach.dnsTargets.length === 0) return out;
    for (const r of ctx.model.definitions) {
      if (!isGkeFqdnPolicy(r)) continue;
      const first = gkeEgressRules(r).find(({ rule }) => gkeRuleHosts(rule).length > 0);
      if (!first) continue;
      const subjects = ctx.model.workloads.filter((w) => ctx.reach.policies.of(w, 'egress').tiers.some((t) => t.policies.some((p) => p.resource === r)));
      const missing = subjects.filter((w) => blind(ctx, w));
      if (missing.length === 0) continue;
      const who = `${missing.map(objectName).slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`;
      out.push({
        uri: r.uri,
        span: spanAt(r, ['spec', 'egress', first.index, 'matches'], true),
        message: `Pods of ${who} cannot resolve the names this policy allows: it isolates their egress, and no policy allows DNS (UDP and TCP 53) to the cluster DNS, so GKE never learns the names' addresses and these connections fail.`,
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || !isGkeFqdnPolicy(r)) return [];
    const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
    const taken = new Set(ctx.model.networkPolicies.filter((np) => np.namespace === r.namespace).map((np) => np.name));
    const name = freeName(`${r.name}-dns`, taken);
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: r.namespace },
      spec: { podSelector: isRecord(spec.podSelector) ? spec.podSelector : {}, policyTypes: ['Egress'], egress: [dnsEgressRule(ctx.config.dns)] },
    };
    return [{ title: `Allow DNS for the pods of FQDNNetworkPolicy ${r.namespace}/${r.name} (NetworkPolicy ${name}: UDP and TCP 53 to the cluster DNS)`, safety: 'safe', edits: [addResource(ctx.file, r, policy, ctx.config)] }];
  },
});
