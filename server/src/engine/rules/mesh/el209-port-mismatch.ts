import { spanAt } from '../../model/anchor';
import { boundGateway, deploymentOfService, qualifyHost, serviceEntriesFor, serviceOfHost } from '../../mesh/mesh';
import type { Mesh } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import type { RelatedInfo } from '../../types';
import { kindName, relatedTo } from './refs';

/**
 * The ports a destination host serves, when the workspace knows them. `assumedToo`: also the ports of a
 * gateway Service Istio installs (assumed, not declared: its real ports may differ).
 */
function servicePorts(mesh: Mesh, host: string, ns: string, assumedToo = true): number[] | undefined {
  const h = qualifyHost(host, ns);
  const gw = deploymentOfService(mesh, h, ns);
  if (gw) return gw.assumed && !assumedToo ? undefined : [...gw.targetPorts.keys()];
  const svc = serviceOfHost(h) ? mesh.services.get(h) : undefined;
  if (svc) {
    const ports = (svc.obj.spec as { ports?: { port?: unknown }[] } | undefined)?.ports ?? [];
    return ports.map((p) => p?.port).filter((p): p is number => typeof p === 'number');
  }
  const entries = serviceEntriesFor(mesh, h, ns);
  if (entries.length > 0) return [...new Set(entries.flatMap((e) => e.ports.map((p) => p.number)))];
  return undefined;
}

/** Where the ports of a destination host are declared (its Service, or a ServiceEntry). */
function servicePortsRelated(mesh: Mesh, host: string, ns: string): RelatedInfo | undefined {
  const h = qualifyHost(host, ns);
  const svc = serviceOfHost(h) ? mesh.services.get(h) : undefined;
  if (svc) return relatedTo(svc, `${kindName(svc)} exposes these ports`, ['spec', 'ports']);
  const se = serviceEntriesFor(mesh, h, ns)[0];
  return se ? relatedTo(se.r, `${kindName(se.r)} registers these ports`, ['spec', 'ports']) : undefined;
}

export const el209 = defineRule({
  id: 'EL209',
  name: 'port-mismatch',
  severity: 'error',
  docs: {
    summary: 'A VirtualService matches a port its Gateway does not serve, a destination names a port its service does not expose, or leaves out the port of a service that has several.',
    why: 'A match on a port no server of the bound Gateway listens on never matches, so the gateway has no route for the traffic. A destination port that the Service (or ServiceEntry) does not expose has no endpoint, so its requests fail. A destination without `port` on a service with several ports is ambiguous: Istio rejects or misroutes it.',
    bad: `apiVersion: networking.istio.io/v1
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
  name: cnn
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
  - match:
    - gateways: [istio-egressgateway]
      port: 8080
    route:
    - destination: {host: edition.cnn.com, port: {number: 80}}
`,
    good: `apiVersion: networking.istio.io/v1
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
  name: cnn
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
    - destination: {host: edition.cnn.com, port: {number: 80}}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: which port was meant is not written anywhere.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const vs of mesh.virtualServices) {
      const vsLevel = vs.gatewaysWritten ? vs.gateways.map((g) => g.value) : ['mesh'];
      for (const route of vs.routes) {
        for (const m of route.matches) {
          if (m.port === undefined || !m.portPath) continue;
          for (const ref of m.gateways ? m.gateways.map((g) => g.value) : vsLevel) {
            if (ref === 'mesh') continue;
            // An Istio Gateway's servers, or a Gateway API Gateway's listeners.
            const g = boundGateway(mesh, ref, vs.r.namespace);
            const ports = g ? (g.kind === 'istio' ? g.gateway.servers.map((s) => ({ port: s.port?.number, path: s.portPath })) : g.gateway.listeners.map((l) => ({ port: l.port, path: [...l.path, 'port'] }))) : [];
            const served = ports.map((p) => p.port).filter((p): p is number => p !== undefined);
            if (!g || served.length === 0 || served.includes(m.port)) continue;
            out.push({
              uri: vs.r.uri,
              span: spanAt(vs.r, m.portPath),
              message: `Port ${m.port} is not served by ${kindName(g.r)} (its ${g.kind === 'istio' ? 'servers' : 'listeners'} listen on ${served.join(', ')}): this match never applies on that gateway.`,
              related: [relatedTo(g.r, `${kindName(g.r)} listens on ${served.join(', ')}`, ports[0].path)],
            });
          }
        }
        for (const d of [...route.destinations, ...route.mirrors]) {
          if (d.port !== undefined) {
            const ports = servicePorts(mesh, d.host, vs.r.namespace, false);
            if (!ports || ports.length === 0 || ports.includes(d.port) || !d.portPath) continue;
            const declared = servicePortsRelated(mesh, d.host, vs.r.namespace);
            out.push({
              uri: vs.r.uri,
              span: spanAt(vs.r, d.portPath),
              message: `${d.host} does not serve port ${d.port} (its ports: ${ports.join(', ')}): this destination has no endpoint and its requests fail.`,
              related: declared ? [declared] : undefined,
            });
            continue;
          }
          if (route.mirrors.includes(d)) continue;
          const ports = servicePorts(mesh, d.host, vs.r.namespace);
          if (!ports || ports.length < 2) continue;
          out.push({
            uri: vs.r.uri,
            span: spanAt(vs.r, d.hostPath),
            message: `${d.host} serves several ports (${ports.join(', ')}) and this destination names none: add port.number.`,
          });
        }
      }
    }
    return out;
  },
});
