import { spanAt } from '../../model/anchor';
import type { Resource } from '../../model/resources';
import type { YamlPath } from '../../parse/locate';
import { routeGateways, type VirtualService } from '../../mesh/istio';
import { boundGateway, deploymentOfBound, egressDeployments, isExternalHost, outboundFor, qualifyHost, serviceEntriesFor } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import { addServiceEntry, kindName } from './refs';

export const el206 = defineRule({
  id: 'EL206',
  name: 'external-host-not-registered',
  severity: 'warning',
  docs: {
    summary: 'A VirtualService sends traffic to, or routes, an external host that no ServiceEntry registers (Gateway API `Hostname` backends: EL302).',
    why: 'Istio only knows the hosts of its registry. A route destination (or `Hostname` backend) that no ServiceEntry registers has no upstream, so its requests fail (warning). A routed host that nothing registers is dropped under the outbound policy REGISTRY_ONLY, the setting egress control depends on (warning there, info under ALLOW_ANY). The hosts of a VirtualService bound only to ingress gateways are the names clients use to reach the gateway, not external destinations: they are not reported.',
    bad: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin-ext
  namespace: default
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 3s
    route:
    - destination: {host: httpbin.org}
`,
    good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin-ext
  namespace: default
spec:
  hosts: [httpbin.org]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin-ext
  namespace: default
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 3s
    route:
    - destination: {host: httpbin.org}
`,
    fix: 'depends',
    fixSafety: 'Safe: adds a MESH_EXTERNAL ServiceEntry for the host (DNS resolution, or NONE for a wildcard) on the port the route uses; it only registers what the route already names. Unsafe for the destination of an ingress-only route: the entry registers the host for every sidecar too, which under REGISTRY_ONLY opens egress to it.',
  },
  // The mesh alone (and the settings).
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    const seen = new Set<string>();
    // A destination nothing registers has no upstream at all; a routed host only loses out under REGISTRY_ONLY.
    const report = (r: Resource, path: YamlPath, host: string, what: string, port: number | undefined, tls: boolean, destination: boolean, ingress: boolean) => {
      const key = `${r.uri}#${r.key}#${path.join('.')}`;
      if (seen.has(key) || host === '*') return;
      const ns = r.namespace;
      if (!isExternalHost(mesh, host, ns) || serviceEntriesFor(mesh, qualifyHost(host, ns), ns).length > 0) return;
      seen.add(key);
      const registryOnly = outboundFor(mesh, { namespace: ns, labels: {} }).mode === 'REGISTRY_ONLY';
      out.push({
        uri: r.uri,
        span: spanAt(r, path),
        severity: destination || registryOnly ? 'warning' : 'info',
        message: destination
          ? `${host} is an external host that no ServiceEntry registers: ${what}, and without an entry the proxy has no upstream for it (requests fail with 503).`
          : `${host} is an external host that no ServiceEntry registers: ${what}. ${registryOnly ? 'The outbound policy here is REGISTRY_ONLY, so the traffic is dropped.' : 'With REGISTRY_ONLY the traffic would be dropped.'}`,
        data: { host, port: port ?? null, tls, ingress },
      });
    };
    const egress = egressDeployments(mesh, ctx.config);
    // A VirtualService bound only to ingress gateways routes incoming hosts: they are names clients use to
    // reach the gateway, not external destinations, and no ServiceEntry is needed for them.
    const ingressOnly = (vs: VirtualService) =>
      vs.gatewaysWritten &&
      (vs.routes.length > 0 ? vs.routes.flatMap((route) => routeGateways(vs, route)) : vs.gateways.map((g) => g.value)).every((ref) => {
        if (ref === 'mesh') return false;
        const g = boundGateway(mesh, ref, vs.r.namespace);
        const dep = g && deploymentOfBound(mesh, g);
        return !dep || !egress.has(dep);
      });
    for (const vs of mesh.virtualServices) {
      const ingress = ingressOnly(vs);
      const tls = vs.routes.some((r) => r.protocol === 'tls');
      const port = vs.routes.flatMap((r) => r.matches.map((m) => m.port)).find((p) => p !== undefined);
      for (const route of vs.routes) for (const d of route.destinations) report(vs.r, d.hostPath, d.host, `${kindName(vs.r)} sends traffic to it`, d.port, route.protocol === 'tls', true, ingress);
      if (!ingress) for (const h of vs.hosts) report(vs.r, h.path, h.value, `${kindName(vs.r)} routes it`, port, tls, false, false);
    }
    // Gateway API `Hostname` backends that nothing registers are EL302's (route-backend-not-found), with this fix.
    return out;
  },
  fixes(ctx) {
    const d = ctx.finding.data;
    if (!d) return [];
    const host = String(d.host);
    const port = typeof d.port === 'number' ? d.port : undefined;
    // From an ingress route the entry is for the gateway, but it registers the host for every sidecar too:
    // under REGISTRY_ONLY that opens egress to it, so it is offered for review, never applied in bulk.
    if (d.ingress === true) return addServiceEntry(ctx, host, port, d.tls === true, 'unsafe', `Add a ServiceEntry for ${host} (also lets meshed pods reach it)`);
    return addServiceEntry(ctx, host, port, d.tls === true, 'safe', `Add a ServiceEntry for ${host}`);
  },
});
