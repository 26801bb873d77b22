import { spanAt } from '../../model/anchor';
import { istioHostCovers, qualifyHost, visibleFrom } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from './refs';

export const el208 = defineRule({
  id: 'EL208',
  name: 'subset-not-found',
  severity: 'error',
  docs: {
    summary: 'A route destination (or a `mirror` / `mirrors[].destination`) names a `subset` that no DestinationRule for that host defines.',
    why: 'Envoy has no cluster for an undefined subset: requests on that route fail with 503 (no healthy upstream). For an egress gateway route this breaks the first leg, from the sidecar to the gateway.',
    bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
  namespace: default
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  http:
  - route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn-v2
        port: {number: 80}
`,
    good: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
  namespace: default
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  http:
  - route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port: {number: 80}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the subset may be misspelt, or its DestinationRule may be missing.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const vs of mesh.virtualServices) {
      for (const route of vs.routes) {
        for (const d of [...route.destinations, ...route.mirrors]) {
          if (!d.subset || !d.subsetPath) continue;
          const host = qualifyHost(d.host, vs.r.namespace);
          const rules = mesh.destinationRules.filter((dr) => dr.host && visibleFrom(dr.exportTo, dr.r.namespace, vs.r.namespace) && istioHostCovers(qualifyHost(dr.host, dr.r.namespace), host));
          if (rules.some((dr) => dr.subsets.some((s) => s.name === d.subset))) continue;
          const defined = [...new Set(rules.flatMap((dr) => dr.subsets.map((s) => s.name)))];
          out.push({
            uri: vs.r.uri,
            span: spanAt(vs.r, d.subsetPath),
            message: rules.length === 0 ? `Subset ${d.subset} of ${d.host}: no DestinationRule for that host is in the workspace, so the route fails (503).` : `Subset ${d.subset} is not defined for ${d.host} (defined: ${defined.join(', ') || 'none'}): the route fails (503).`,
            related: rules.map((dr) => relatedTo(dr.r, `${kindName(dr.r)} defines subsets ${dr.subsets.map((s) => s.name).join(', ') || '(none)'}`, dr.subsets.length ? ['spec', 'subsets'] : dr.hostPath)),
          });
        }
      }
    }
    return out;
  },
});
