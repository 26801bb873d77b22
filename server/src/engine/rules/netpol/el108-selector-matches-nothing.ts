import { describeSelector, isMatchAll } from '../../model/selector';
import { defineRule, type RawFinding } from '../rule';
import { keyAt, peerKey, policyName } from './paths';
import { misnamedNamespace } from './el109-namespace-label-missing';

export const el108 = defineRule({
  id: 'EL108',
  name: 'selector-matches-nothing',
  severity: 'info',
  docs: {
    summary: 'A policy’s podSelector, or a peer’s selectors, match no workload or namespace of the workspace. Only with `assumeCompleteWorkspace: true`.',
    why: 'When the workspace holds the whole cluster, a selector that matches nothing is a typo in a label (app: web vs app: webapp) or a leftover: the policy protects nothing, or the rule allows nothing, and nobody notices.',
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
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: apiserver}
  policyTypes: [Egress]
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
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the intended labels are not known.',
    config: { assumeCompleteWorkspace: true },
  },
  // Its NetworkPolicies' selectors, against every pod and namespace as selectors see them.
  reads: ['pods'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    if (!ctx.config.assumeCompleteWorkspace) return out;
    const index = ctx.reach.index;
    const all = [...ctx.model.namespaces.values()];
    for (const np of ns.networkPolicies) {
      if (!isMatchAll(np.podSelector) && index.select(np.namespace, np.podSelector).length === 0) {
        out.push({
          uri: np.resource.uri,
          span: keyAt(np.resource, ['spec', 'podSelector']),
          message: `The podSelector of ${policyName(np)} (${describeSelector(np.podSelector)}) matches no workload in namespace ${np.namespace}: the policy applies to nothing.`,
        });
      }
      for (const dir of ['egress', 'ingress'] as const) {
        for (const rule of np.rules[dir]) {
          for (const p of rule.peers ?? []) {
            if (p.kind !== 'selector') continue;
            const base = ['spec', dir, rule.index, peerKey(dir), p.index];
            const namespaces = p.namespaceSelector ? index.selectNamespaces(p.namespaceSelector) : undefined;
            if (p.namespaceSelector && namespaces!.length === 0) {
              // The `name:` label for `kubernetes.io/metadata.name` is EL109's, with its fix: not reported twice.
              if (p.namespaceSelector.requirements.some((req) => misnamedNamespace(req, all, ctx.model.namespaces))) continue;
              out.push({ uri: np.resource.uri, span: keyAt(np.resource, [...base, 'namespaceSelector']), message: `This namespaceSelector (${describeSelector(p.namespaceSelector)}) matches no namespace of the workspace.` });
              continue;
            }
            if (!p.podSelector || isMatchAll(p.podSelector)) continue;
            const where = namespaces ? namespaces.map((n) => n.name) : [np.namespace];
            if (where.every((ns) => index.select(ns, p.podSelector!).length === 0)) {
              out.push({
                uri: np.resource.uri,
                span: keyAt(np.resource, [...base, 'podSelector']),
                message: `This podSelector (${describeSelector(p.podSelector)}) matches no workload in ${namespaces ? 'the selected namespaces' : `namespace ${np.namespace}`}: the rule allows nothing through it.`,
              });
            }
          }
        }
      }
    }
    return out;
  },
});
