import { spanAt } from '../../model/anchor';
import { GATEWAY_API } from '../../mesh/gateway-api';
import { ISTIO_NETWORKING } from '../../mesh/istio';
import { defineRule, type RawFinding } from '../rule';
import { kindName } from '../mesh/refs';

export const el301 = defineRule({
  id: 'EL301',
  name: 'route-parent-not-found',
  severity: 'error',
  docs: {
    summary: 'A route\'s `parentRefs` names no Gateway (or Service / ServiceEntry, for mesh routes) in the workspace.',
    why: 'A route attaches only to the parent it names; with no such parent it is never programmed, and the traffic it describes takes the default path (for an egress route: straight out, not through the gateway).',
    bad: `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: forward-cnn-from-egress-gateway
  namespace: default
spec:
  parentRefs:
  - name: cnn-egress-gw
  hostnames: [edition.cnn.com]
  rules:
  - backendRefs:
    - {kind: Hostname, group: networking.istio.io, name: edition.cnn.com, port: 80}
`,
    good: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  namespace: default
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, hostname: edition.cnn.com, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
  namespace: default
spec:
  hosts: [edition.cnn.com]
  ports:
  - {number: 80, name: http-port, protocol: HTTP}
  resolution: DNS
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: direct-cnn-to-egress-gateway
  namespace: default
spec:
  parentRefs:
  - {kind: ServiceEntry, group: networking.istio.io, name: cnn}
  rules:
  - backendRefs:
    - {name: cnn-egress-gateway-istio, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: forward-cnn-from-egress-gateway
  namespace: default
spec:
  parentRefs:
  - name: cnn-egress-gateway
  hostnames: [edition.cnn.com]
  rules:
  - backendRefs:
    - {kind: Hostname, group: networking.istio.io, name: edition.cnn.com, port: 80}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the intended parent cannot be guessed.',
  },
  // The Gateway API resources alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const route of mesh.routes) {
      for (const p of route.parentRefs) {
        let found: boolean;
        let what: string;
        if (p.group === GATEWAY_API && p.kind === 'Gateway') {
          found = mesh.gwGateways.some((g) => g.r.name === p.name && g.r.namespace === p.namespace);
          what = 'Gateway';
        } else if (p.group === '' && p.kind === 'Service') {
          found = mesh.services.has(`${p.name}.${p.namespace}.svc.cluster.local`);
          what = 'Service';
        } else if (p.group === ISTIO_NETWORKING && p.kind === 'ServiceEntry') {
          found = mesh.serviceEntries.some((e) => e.r.name === p.name && e.r.namespace === p.namespace);
          what = 'ServiceEntry';
        } else continue;
        if (found) continue;
        out.push({ uri: route.r.uri, span: spanAt(route.r, [...p.path, 'name']), message: `${kindName(route.r)} attaches to ${what} ${p.namespace}/${p.name}, which is not in the workspace: the route is never programmed.` });
      }
    }
    return out;
  },
});
