import { spanAt } from '../../model/anchor';
import { matches } from '../../model/selector';
import { GATEWAY_API, hostnamesIntersect, kindsForProtocol, type GwRoute, type Listener } from '../../mesh/gateway-api';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from '../mesh/refs';

/** Why a listener does not take a route, or undefined when it does. */
function refusal(l: Listener, route: GwRoute, gatewayNs: string, nsLabels: Record<string, string>): string | undefined {
  const kinds = l.kinds.length > 0 ? l.kinds : kindsForProtocol(l.protocol);
  if (!kinds.includes(route.kind)) return `listener ${l.name} (${l.protocol}) takes ${kinds.join(', ') || 'no routes'}, not ${route.kind}`;
  if (l.from === 'Same' && route.r.namespace !== gatewayNs) return `listener ${l.name} only admits routes from namespace ${gatewayNs}`;
  if (l.from === 'Selector' && l.selector && !matches(l.selector, nsLabels)) return `listener ${l.name} admits routes only from namespaces matching its selector`;
  if (l.hostname && route.hostnames.length > 0 && !route.hostnames.some((h) => hostnamesIntersect(h.value, l.hostname!))) return `listener ${l.name} serves ${l.hostname}, and the route's hostnames are ${route.hostnames.map((h) => h.value).join(', ')}`;
  return undefined;
}

export const el303 = defineRule({
  id: 'EL303',
  name: 'listener-does-not-admit-route',
  severity: 'error',
  docs: {
    summary: 'The parent Gateway\'s listener does not admit the route: its hostname, protocol or `allowedRoutes` excludes it.',
    why: 'A route attaches only to listeners that accept its kind (HTTPRoute on HTTP/HTTPS, TLSRoute on TLS), its namespace (`allowedRoutes`, `Same` by default) and one of its hostnames. Otherwise it is not attached, and the gateway has no route for the traffic.',
    bad: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  namespace: default
spec:
  gatewayClassName: istio
  listeners:
  - name: tls
    hostname: edition.cnn.com
    port: 443
    protocol: TLS
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: Same}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: forward-cnn
  namespace: default
spec:
  parentRefs:
  - name: cnn-egress-gateway
  hostnames: [edition.cnn.com]
  rules:
  - backendRefs:
    - {name: cnn, port: 443}
`,
    good: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  namespace: default
spec:
  gatewayClassName: istio
  listeners:
  - name: tls
    hostname: edition.cnn.com
    port: 443
    protocol: TLS
    tls: {mode: Passthrough}
    allowedRoutes: {namespaces: {from: Same}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata:
  name: forward-cnn
  namespace: default
spec:
  parentRefs:
  - name: cnn-egress-gateway
  hostnames: [edition.cnn.com]
  rules:
  - backendRefs:
    - {name: cnn, port: 443}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: either the route kind, the listener or the namespace is wrong.',
  },
  // The Gateway API resources, and the labels of the routes' namespaces.
  reads: ['mesh', 'namespaces'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const route of mesh.routes) {
      for (const p of route.parentRefs) {
        if (p.group !== GATEWAY_API || p.kind !== 'Gateway') continue;
        const g = mesh.gwGateways.find((x) => x.r.name === p.name && x.r.namespace === p.namespace);
        if (!g || g.listeners.length === 0) continue;
        const listeners = g.listeners.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
        const nsLabels = ctx.model.namespaces.get(route.r.namespace)?.labels ?? { 'kubernetes.io/metadata.name': route.r.namespace };
        const reasons = listeners.map((l) => refusal(l, route, g.r.namespace, nsLabels));
        if (listeners.length > 0 && reasons.some((r) => r === undefined)) continue;
        const why = listeners.length === 0 ? `${kindName(g.r)} has no listener${p.sectionName ? ` named ${p.sectionName}` : ''}${p.port ? ` on port ${p.port}` : ''}` : reasons.join('; ');
        out.push({
          uri: route.r.uri,
          span: spanAt(route.r, [...p.path, 'name']),
          message: `${kindName(g.r)} does not admit ${kindName(route.r)}: ${why}.`,
          related: g.listeners.slice(0, 3).map((l) => relatedTo(g.r, `listener ${l.name}: ${l.protocol}${l.port ? ` ${l.port}` : ''}${l.hostname ? ` ${l.hostname}` : ''}, routes from ${l.from}`, l.path)),
        });
      }
    }
    return out;
  },
});
