import { spanAt } from '../../model/anchor';
import { locate } from '../../parse/locate';
import { appendItem } from '../../fixes/yaml-edit';
import { GATEWAY_API } from '../../mesh/gateway-api';
import { ISTIO_NETWORKING, readVirtualService, routeGateways, routePorts } from '../../mesh/istio';
import { deploymentOfGateway, deploymentOfService, gatewayByRef, isExternalHost, outboundFor, qualifyHost, serviceEntriesFor, type GatewayDeployment, type Mesh } from '../../mesh/mesh';
import { gatewayLegs, meshLegs } from '../../mesh/paths';
import { resourceAt } from '../lookup';
import { defineRule, type RawFinding } from '../rule';
import { deadEndLegs, kindName, missingGateways, relatedTo } from './refs';
import type { RelatedInfo } from '../../types';

/** Related information: the resources that configure a gateway. */
function gatewayRelated(gw: GatewayDeployment): RelatedInfo[] {
  return [...gw.istio.map((g) => g.r), ...(gw.gwApi ? [gw.gwApi.r] : [])].slice(0, 2).map((r) => relatedTo(r, `${kindName(r)} configures egress gateway ${gw.label}`));
}

/** The Istio Gateway resources of a deployment that a VirtualService in `ns` can name, as it would name them. */
function gatewayRefFor(mesh: Mesh, gw: GatewayDeployment, ns: string, bound: string[]): string | undefined {
  const named = bound.find((ref) => ref !== 'mesh' && gw.istio.includes(gatewayByRef(mesh, ref, ns)!));
  if (named) return named;
  const g = gw.istio[0];
  return g ? (g.r.namespace === ns ? g.r.name : `${g.r.namespace}/${g.r.name}`) : undefined;
}

export const el205 = defineRule({
  id: 'EL205',
  name: 'egress-route-incomplete',
  severity: 'warning',
  docs: {
    summary: 'An egress-gateway route lacks one of its two legs: sidecars → gateway Service, or gateway → external host.',
    why: 'Egress through a gateway needs both legs. Without the mesh leg the sidecars never send the host to the gateway, so the traffic goes direct and the gateway enforces nothing; without the gateway leg the gateway receives the traffic and has nowhere to send it, so every request fails.',
    bad: `apiVersion: networking.istio.io/v1
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
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: default
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match:
    - gateways: [mesh]
      port: 80
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        port: {number: 80}
`,
    good: `apiVersion: networking.istio.io/v1
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
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: default
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [edition.cnn.com]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
  namespace: default
spec:
  hosts: [edition.cnn.com]
  gateways: [istio-egressgateway, mesh]
  http:
  - match:
    - gateways: [mesh]
      port: 80
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        port: {number: 80}
  - match:
    - gateways: [istio-egressgateway]
      port: 80
    route:
    - destination:
        host: edition.cnn.com
        port: {number: 80}
`,
    fix: 'safe',
    fixSafety: 'Safe: the missing leg is added to the same VirtualService, for the same host and port; nothing that worked changes (Istio API only; Gateway API routes are reported without a fix).',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const vs of mesh.virtualServices) {
      // Mesh leg to a gateway: the gateway must route the host onward. When this VirtualService names a
      // Gateway that does not exist, that is the cause (EL203, which lists these legs): not reported again.
      if (missingGateways(mesh, vs).length === 0) {
        for (const { host: h, destination: d, route, gateway: gw, port } of deadEndLegs(mesh, vs)) {
          const ref = gatewayRefFor(mesh, gw, vs.r.namespace, vs.gateways.map((g) => g.value));
          out.push({
            uri: vs.r.uri,
            span: spanAt(vs.r, d.hostPath),
            message: `Traffic for ${h.value} is sent to egress gateway ${gw.label}${port ? ` on port ${port}` : ''}, but no route on the gateway forwards ${h.value}: every request fails there. Add the gateway leg.`,
            related: gatewayRelated(gw),
            data: ref ? { leg: 'gateway', protocol: route.protocol, host: h.value, port: port ?? null, gateway: ref } : undefined,
          });
        }
      }
      for (const route of vs.routes) {
        const gws = routeGateways(vs, route);
        // Gateway leg to an external host: the sidecars must send the host to that gateway.
        for (const ref of gws) {
          if (ref === 'mesh') continue;
          const g = gatewayByRef(mesh, ref, vs.r.namespace);
          const gw = g && deploymentOfGateway(mesh, g);
          if (!gw) continue;
          for (const d of route.destinations) {
            if (!isExternalHost(mesh, d.host, vs.r.namespace)) continue;
            const ports = routePorts(route, ref, vs);
            const port = ports?.length === 1 ? ports[0] : undefined;
            for (const h of vs.hosts) {
              const host = qualifyHost(h.value, vs.r.namespace);
              if (meshLegs(mesh, host, undefined).some((l) => l.gateway === gw)) continue;
              const svc = gw.serviceHosts[0];
              // Where the sidecars send it instead: out directly, or nowhere under REGISTRY_ONLY when nothing registers it.
              const dropped = serviceEntriesFor(mesh, host, vs.r.namespace).length === 0 && outboundFor(mesh, { namespace: vs.r.namespace, labels: {} }).mode === 'REGISTRY_ONLY';
              out.push({
                uri: vs.r.uri,
                span: spanAt(vs.r, h.path),
                message: `${h.value} is routed from egress gateway ${gw.label} onward, but no mesh route sends ${h.value} from the sidecars to ${svc ?? 'the gateway'}: ${dropped ? 'the sidecars drop it (REGISTRY_ONLY, and no ServiceEntry registers it)' : 'the traffic goes direct'} and the gateway is never used. Add the mesh leg.`,
                related: gatewayRelated(gw),
                data: svc ? { leg: 'mesh', protocol: route.protocol, host: h.value, port: port ?? d.port ?? null, service: svc } : undefined,
              });
            }
          }
        }
      }
    }
    // Gateway API: a route from a ServiceEntry to `<gateway>-istio`, and a route on that Gateway to the Hostname.
    for (const route of mesh.routes) {
      route.parentRefs.forEach((p) => {
        if (p.group === ISTIO_NETWORKING && p.kind === 'ServiceEntry') {
          const se = mesh.serviceEntries.find((e) => e.r.namespace === p.namespace && e.r.name === p.name);
          for (const b of route.backendRefs) {
            const gw = b.kind === 'Service' && b.group === '' ? deploymentOfService(mesh, `${b.name}.${b.namespace}.svc.cluster.local`, route.r.namespace) : undefined;
            if (!gw || !se) continue;
            for (const h of se.hosts) {
              if (gatewayLegs(mesh, gw, h.value, b.port).length > 0) continue;
              out.push({ uri: route.r.uri, span: spanAt(route.r, [...b.path, 'name']), message: `Traffic for ${h.value} is sent to egress gateway ${gw.label}, but no route attached to that Gateway forwards ${h.value}: every request fails there. Add the gateway leg (a route on the Gateway with a Hostname backend).`, related: gatewayRelated(gw) });
            }
          }
        } else if (p.group === GATEWAY_API && p.kind === 'Gateway') {
          const gw = mesh.deployments.find((d) => d.gwApi && d.gwApi.r.name === p.name && d.gwApi.r.namespace === p.namespace);
          if (!gw) return;
          for (const b of route.backendRefs) {
            if (b.kind !== 'Hostname' || b.group !== ISTIO_NETWORKING) continue;
            if (meshLegs(mesh, b.name, undefined).some((l) => l.gateway === gw)) continue;
            out.push({ uri: route.r.uri, span: spanAt(route.r, [...p.path, 'name']), message: `${b.name} is forwarded by Gateway ${p.namespace}/${p.name}, but no route sends ${b.name} from the sidecars to ${gw.serviceHosts[0]}: the traffic goes direct and the gateway is never used. Add the mesh leg (a route with the ServiceEntry as parent).`, related: gatewayRelated(gw) });
          }
        }
      });
    }
    return out;
  },
  fixes(ctx) {
    const d = ctx.finding.data;
    const r = resourceAt(ctx, ctx.finding);
    if (!d || !r || r.group !== ISTIO_NETWORKING || r.kind !== 'VirtualService') return [];
    const vs = readVirtualService(r);
    const protocol = String(d.protocol) as 'http' | 'tls' | 'tcp';
    const host = String(d.host);
    const port = typeof d.port === 'number' ? d.port : undefined;
    const seq = locate(r.doc.doc, [...r.path, 'spec', protocol]).node;
    if (!seq) return [];
    const sni = protocol === 'tls' ? { sniHosts: [host] } : {};
    const edits = [];
    let title: string;
    if (d.leg === 'gateway') {
      const ref = String(d.gateway);
      const leg = { match: [{ gateways: [ref], ...(port ? { port } : {}), ...sni }], route: [{ destination: { host, ...(port ? { port: { number: port } } : {}) } }] };
      const e = appendItem(ctx.file, seq, leg);
      if (!e) return [];
      edits.push(e);
      if (vs.gatewaysWritten && !vs.gateways.some((g) => g.value === ref)) {
        const gs = locate(r.doc.doc, [...r.path, 'spec', 'gateways']).node;
        const e2 = gs && appendItem(ctx.file, gs, ref);
        if (!e2) return [];
        edits.push(e2);
      }
      title = `Add the gateway leg: from ${ref} to ${host}${port ? `:${port}` : ''}`;
    } else {
      const service = String(d.service);
      const leg = { match: [{ gateways: ['mesh'], ...(port ? { port } : {}), ...sni }], route: [{ destination: { host: service, ...(port ? { port: { number: port } } : {}) } }] };
      const e = appendItem(ctx.file, seq, leg);
      if (!e) return [];
      edits.push(e);
      if (vs.gatewaysWritten && !vs.gateways.some((g) => g.value === 'mesh')) {
        const gs = locate(r.doc.doc, [...r.path, 'spec', 'gateways']).node;
        const e2 = gs && appendItem(ctx.file, gs, 'mesh');
        if (!e2) return [];
        edits.push(e2);
      }
      title = `Add the mesh leg: send ${host}${port ? `:${port}` : ''} from the sidecars to ${service}`;
    }
    return [{ title, safety: 'safe', edits }];
  },
});
