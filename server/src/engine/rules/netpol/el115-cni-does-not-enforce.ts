import { nameSpan } from '../../model/anchor';
import type { Resource } from '../../model/resources';
import { podTemplate } from '../../model/workloads';
import { defineRule, type RawFinding, type RuleContext } from '../rule';
import { policyName } from './paths';

/** Plugins that do not enforce NetworkPolicy on their own. */
const NOT_ENFORCING = new Set(['flannel', 'kubenet', 'none']);
const ENFORCING = /calico|cilium|weave|antrea|canal|kube-router|aws-node|azure-npm|ovnkube|ovn-kubernetes/i;

function images(r: Resource): string {
  const spec = podTemplate(r).spec;
  const cs = Array.isArray(spec.containers) ? spec.containers : [];
  return cs.map((c) => (c && typeof c === 'object' ? String((c as { image?: unknown }).image ?? '') : '')).join(' ');
}

/** The configured CNI, or the one the workspace's DaemonSets reveal (flannel alone). */
function detect(ctx: RuleContext): { cni: string; source?: Resource } | undefined {
  if (ctx.config.cni !== 'auto') return { cni: ctx.config.cni };
  const daemonSets = ctx.model.definitions.filter((r) => r.kind === 'DaemonSet');
  if (daemonSets.some((r) => ENFORCING.test(r.name) || ENFORCING.test(images(r)))) return undefined;
  const flannel = daemonSets.find((r) => /flannel/i.test(r.name) || /flannel/i.test(images(r)));
  return flannel ? { cni: 'flannel', source: flannel } : undefined;
}

export const el115 = defineRule({
  id: 'EL115',
  name: 'cni-does-not-enforce',
  severity: 'warning',
  docs: {
    summary: 'The cluster’s network plugin (setting `cni`, or detected: a flannel DaemonSet without Calico or Cilium) does not enforce NetworkPolicy, so every policy is a silent no-op.',
    why: 'Kubernetes stores NetworkPolicy objects whatever the plugin; only the plugin enforces them. On flannel alone or kubenet, a default-deny is accepted by the API server and does nothing at all.',
    bad: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
spec:
  selector:
    matchLabels: {app: flannel}
  template:
    metadata:
      labels: {app: flannel}
    spec:
      hostNetwork: true
      containers:
      - name: kube-flannel
        image: docker.io/flannel/flannel:v0.25.1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    good: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
spec:
  selector:
    matchLabels: {app: flannel}
  template:
    metadata:
      labels: {app: flannel}
    spec:
      hostNetwork: true
      containers:
      - name: kube-flannel
        image: docker.io/flannel/flannel:v0.25.1
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
spec:
  selector:
    matchLabels: {k8s-app: calico-node}
  template:
    metadata:
      labels: {k8s-app: calico-node}
    spec:
      hostNetwork: true
      containers:
      - name: calico-node
        image: docker.io/calico/node:v3.28.0
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    fix: 'none',
    fixSafety: 'No automatic fix: install a plugin that enforces policy (Calico, Cilium, Antrea, or flannel with Calico as Canal) and set `cni` accordingly.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    const found = detect(ctx);
    if (!found || !NOT_ENFORCING.has(found.cni)) return out;
    const why = found.source ? `${found.cni}, detected from DaemonSet ${found.source.namespace}/${found.source.name}` : `setting cni: ${found.cni}`;
    for (const np of ctx.model.networkPolicies) {
      out.push({
        uri: np.resource.uri,
        span: nameSpan(np.resource),
        message: `The cluster's network plugin (${why}) does not enforce NetworkPolicy: ${policyName(np)} is accepted and does nothing.`,
        related: found.source ? [{ uri: found.source.uri, span: nameSpan(found.source), message: `${found.cni} does not enforce NetworkPolicy` }] : undefined,
      });
    }
    return out;
  },
});
