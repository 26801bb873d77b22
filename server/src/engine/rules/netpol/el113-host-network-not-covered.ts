import { nameSpan, objectName, spanAt } from '../../model/anchor';
import { podTemplate } from '../../model/workloads';
import { defineRule, type RawFinding } from '../rule';
import { policyName } from './paths';

export const el113 = defineRule({
  id: 'EL113',
  name: 'host-network-not-covered',
  severity: 'warning',
  docs: {
    summary: 'A workload with `hostNetwork: true` is selected by an egress NetworkPolicy, which does not apply to host-network pods.',
    why: 'Pods on the host network use the node’s own network stack; most network plugins do not apply NetworkPolicy to them. The policy looks like it restricts the workload, but its traffic leaves as the node.',
    bad: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: ops
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: ops/agent:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: ops
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    good: `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
  namespace: ops
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
      - name: agent
        image: ops/agent:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: ops
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    fix: 'none',
    fixSafety: 'No automatic fix: restrict host-network pods with node firewalls or host policies of the CNI (Calico HostEndpoint, Cilium host policies).',
  },
  // Its host-network workloads, and the NetworkPolicies in force on their egress.
  reads: ['egress'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    for (const w of ns.workloads) {
      if (!w.hostNetwork) continue;
      const policies = ctx.reach.policies.of(w, 'egress').netpol;
      if (policies.length === 0) continue;
      const r = w.resources[0];
      out.push({
        uri: r.uri,
        span: spanAt(r, [...podTemplate(r).specPath, 'hostNetwork'], true),
        message: `Pods of ${objectName(w)} use the host network: NetworkPolicy does not apply to them, so ${policies.map((c) => policyName(c.policy)).join(', ')} restrict${policies.length === 1 ? 's' : ''} nothing here.`,
        related: policies.map((c) => ({ uri: c.policy.resource.uri, span: nameSpan(c.policy.resource), message: `${policyName(c.policy)} selects ${objectName(w)} for egress` })),
      });
    }
    return out;
  },
});
