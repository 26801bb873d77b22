import { nameSpan, objectName } from '../model/anchor';
import { defaultDenyEgress, freeName } from '../scaffold/default-deny';
import { addResource } from '../fixes/new-resource';
import type { Resource } from '../model/resources';
import type { Fix } from '../types';
import { defineRule, type FixContext, type RawFinding } from './rule';
import { resourceAt } from './lookup';

export const el101 = defineRule({
  id: 'EL101',
  name: 'unrestricted-egress',
  severity: 'warning',
  docs: {
    summary: 'A workload is selected by no policy that restricts its egress (a NetworkPolicy with Egress, or an admin/baseline policy with egress rules), so its pods can reach any destination.',
    why: 'Kubernetes allows all egress by default. Until a policy with `Egress` selects a pod, a compromised pod can exfiltrate data to anywhere on the internet and reach every service in the cluster.',
    bad: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: shop/api:1.0\n',
    good: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: shop/api:1.0\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: kube-system}\n      podSelector:\n        matchLabels: {k8s-app: kube-dns}\n    ports:\n    - {protocol: UDP, port: 53}\n    - {protocol: TCP, port: 53}\n',
    fixSafety: 'Unsafe: the added default-deny policy blocks every egress connection of the namespace except DNS. Add allow rules for what the workloads need before applying it to a cluster.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const w of ctx.model.workloads) {
      if (w.hostNetwork) continue;
      if (ctx.reach.egressRestricted(w)) continue;
      const r = w.resources[0];
      out.push({
        uri: r.uri,
        span: nameSpan(r),
        message: `Pods of ${objectName(w)} can reach any destination: no NetworkPolicy restricts their egress.`,
        data: { namespace: w.namespace, workload: w.id },
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const namespace = String(ctx.finding.data?.namespace ?? r?.namespace ?? ctx.config.defaultNamespace);
    if (!r) return [];
    return [defaultDenyFix(ctx, r, namespace)];
  },
});

/** The namespace-wide default-deny egress policy (DNS allowed), placed after `near`. */
export function defaultDenyFix(ctx: FixContext, near: Resource, namespace: string): Fix {
  const taken = new Set(ctx.model.networkPolicies.filter((p) => p.namespace === namespace).map((p) => p.name));
  const policy = defaultDenyEgress({ namespace, allowDns: true, dns: ctx.config.dns, name: freeName('default-deny-egress', taken) });
  return {
    title: `Add default-deny egress policy for namespace ${namespace} (allows DNS)`,
    safety: 'unsafe',
    edits: [addResource(ctx.file, near, policy, ctx.config)],
  };
}
