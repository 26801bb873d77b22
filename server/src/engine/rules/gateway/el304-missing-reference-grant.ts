import { spanAt } from '../../model/anchor';
import { granted } from '../../mesh/gateway-api';
import { defineRule, type RawFinding } from '../rule';
import { kindName } from '../mesh/refs';

export const el304 = defineRule({
  id: 'EL304',
  name: 'missing-reference-grant',
  severity: 'error',
  docs: {
    summary: 'A route sends traffic to a backend in another namespace, and no ReferenceGrant there allows it.',
    why: 'The Gateway API refuses cross-namespace references unless the target namespace grants them: without a ReferenceGrant the backend is treated as missing and the route fails (ResolvedRefs=False).',
    bad: `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: forward-nginx
  namespace: default
spec:
  hostnames: [my-nginx.mesh-external.svc.cluster.local]
  rules:
  - backendRefs:
    - {name: my-nginx, namespace: mesh-external, port: 443}
---
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  namespace: mesh-external
spec:
  ports:
  - {port: 443, protocol: TCP}
  selector: {run: my-nginx}
`,
    good: `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: forward-nginx
  namespace: default
spec:
  hostnames: [my-nginx.mesh-external.svc.cluster.local]
  rules:
  - backendRefs:
    - {name: my-nginx, namespace: mesh-external, port: 443}
---
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  namespace: mesh-external
spec:
  ports:
  - {port: 443, protocol: TCP}
  selector: {run: my-nginx}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: my-nginx-reference-grant
  namespace: mesh-external
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}
  to:
  - {group: "", kind: Service, name: my-nginx}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: granting access across namespaces is a decision for the owners of the target namespace.',
  },
  // The Gateway API resources alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const route of mesh.routes) {
      for (const b of route.backendRefs) {
        if (!b.namespaceWritten || b.namespace === route.r.namespace || granted(mesh.referenceGrants, route, b)) continue;
        out.push({
          uri: route.r.uri,
          span: spanAt(route.r, [...b.path, 'namespace']),
          message: `${kindName(route.r)} refers to ${b.kind} ${b.namespace}/${b.name} in another namespace, and no ReferenceGrant in ${b.namespace} allows ${route.kind}s from ${route.r.namespace}: the backend is refused.`,
        });
      }
    }
    return out;
  },
});
