import { spanAt } from '../../model/anchor';
import { ISTIO_NETWORKING } from '../../mesh/istio';
import { deploymentOfService, serviceEntriesFor } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import { addServiceEntry, kindName } from '../mesh/refs';

export const el302 = defineRule({
  id: 'EL302',
  name: 'route-backend-not-found',
  severity: 'error',
  docs: {
    summary: 'A route\'s `backendRefs` target (a Service, or an Istio `Hostname`) does not exist.',
    why: 'A missing backend makes the gateway answer 500 (or reset the connection) for that route. For Istio\'s egress pattern the Service is `<gateway>-istio`, which Istio creates for a Gateway of class `istio`, and a `Hostname` backend must be a host that a ServiceEntry registers.',
    bad: `apiVersion: gateway.networking.k8s.io/v1
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
    - {name: cnn-egress-gateway, port: 80}
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
    fix: 'safe',
    fixSafety: 'For a `Hostname` backend, safe: adds a MESH_EXTERNAL ServiceEntry for the host on the backend\'s port (it only registers what the route already names; the same fix as EL206, which leaves these backends to this rule). For a Service, no automatic fix: the message names the Services Istio creates for the Gateways of the workspace.',
  },
  // The Gateway API resources and Services alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const route of mesh.routes) {
      for (const b of route.backendRefs) {
        let message: string | undefined;
        let data: Record<string, unknown> | undefined;
        if (b.kind === 'Service' && b.group === '') {
          const host = `${b.name}.${b.namespace}.svc.cluster.local`;
          if (mesh.services.has(host) || deploymentOfService(mesh, host, b.namespace)) continue;
          const gwServices = mesh.deployments.filter((d) => d.gwApi && d.namespace === b.namespace).map((d) => d.serviceHosts[0].split('.')[0]);
          message = `Service ${b.namespace}/${b.name} is not in the workspace${gwServices.length ? ` (Istio creates ${gwServices.join(', ')} for the Gateways here)` : ''}: requests on this route fail.`;
        } else if (b.kind === 'Hostname' && b.group === ISTIO_NETWORKING) {
          if (serviceEntriesFor(mesh, b.name.toLowerCase(), route.r.namespace).length > 0) continue;
          message = `No ServiceEntry registers ${b.name}, so this Hostname backend resolves to nothing: requests on this route fail.`;
          data = { host: b.name, port: b.port ?? null, tls: route.kind === 'TLSRoute' };
        } else continue;
        out.push({ uri: route.r.uri, span: spanAt(route.r, [...b.path, 'name']), message: `${kindName(route.r)}: ${message}`, data });
      }
    }
    return out;
  },
  fixes(ctx) {
    const d = ctx.finding.data;
    if (!d || typeof d.host !== 'string') return [];
    return addServiceEntry(ctx, d.host, typeof d.port === 'number' ? d.port : undefined, d.tls === true, 'safe', `Add a ServiceEntry for ${d.host}`);
  },
});
