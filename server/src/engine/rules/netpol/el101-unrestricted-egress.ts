import { nameSpan, objectName } from '../../model/anchor';
import { defaultDenyEgress, freeName } from '../../scaffold/default-deny';
import { addResource } from '../../fixes/new-resource';
import type { Resource } from '../../model/resources';
import type { Fix } from '../../types';
import { defineRule, type FixContext, type RawFinding } from '../rule';
import { resourceAt } from '../lookup';
import { spanAt } from '../../model/anchor';
import { unrestrictedEgress, unrestrictedReason } from '../../reach/unrestricted';

export const el101 = defineRule({
  id: 'EL101',
  name: 'unrestricted-egress',
  severity: 'warning',
  docs: {
    summary: 'A workload\'s egress reaches every destination on every port: no policy selects it for egress, or what selects it allows everything (a NetworkPolicy `egress: [{}]`, a Calico `Allow` without destination, a Cilium `toEntities: [all]`, an admin-tier Allow to everything).',
    why: 'Kubernetes allows all egress by default. Until a policy that restricts egress selects a pod, a compromised pod can exfiltrate data to anywhere on the internet and reach every service in the cluster. A policy that selects the pod but allows everything (often a leftover "allow-all" from debugging) changes nothing: the status bar, the panel and `reach` count such a workload as unrestricted too.',
    bad: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1.0
`,
    good: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
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
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: the added default-deny policy blocks every egress connection of the namespace except DNS. Add allow rules for what the workloads need before applying it to a cluster. No fix is offered when a policy that allows everything selects the workload: policies add up, so a default-deny next to it would change nothing; narrow that policy instead.',
  },
  // A verdict weighs the policies in force on the workload's egress, and every pod it could reach.
  reads: ['egress', 'pods'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    for (const w of ns.workloads) {
      if (w.hostNetwork) continue;
      const open = unrestrictedEgress(ctx.reach, w);
      if (!open) continue;
      const r = w.resources[0];
      out.push({
        uri: r.uri,
        span: nameSpan(r),
        message: `Pods of ${objectName(w)} can reach any destination on any port: ${unrestrictedReason(open)}.`,
        related: open.cause === 'allows-all' ? open.rules.map((o) => ({ uri: o.policy.uri, span: spanAt(o.policy, o.path), message: 'This rule allows every destination on every port' })) : undefined,
        data: { namespace: w.namespace, workload: w.id, cause: open.cause },
      });
    }
    return out;
  },
  fixes(ctx) {
    // A default-deny added next to a policy that allows everything would change nothing: that policy is the thing to edit.
    if (ctx.finding.data?.cause === 'allows-all') return [];
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
