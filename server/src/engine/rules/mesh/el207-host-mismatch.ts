import { spanAt } from '../../model/anchor';
import { boundGateway, serverAdmits } from '../../mesh/mesh';
import { hostnamesIntersect } from '../../mesh/gateway-api';
import { defineRule, type RawFinding } from '../rule';
import { gatewayRefs, kindName, relatedTo } from './refs';

export const el207 = defineRule({
  id: 'EL207',
  name: 'host-mismatch',
  severity: 'error',
  docs: {
    summary: 'A VirtualService is bound to a Gateway that accepts none of its hosts, or that has no servers.',
    why: 'A Gateway only takes traffic for the hosts its servers list (`host`, `*.domain`, `ns/host`), and a Gateway API Gateway for its listeners\' `hostname`s (none: any host). A VirtualService bound to a gateway that accepts none of its hosts is silently not applied there, so the route the egress path depends on does not exist. As in `istioctl analyze`, a VirtualService may split its hosts between the gateways it binds to: only a gateway that accepts none of them is reported, at the `gateways:` entry that names it.',
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
  name: httpbin
  namespace: default
spec:
  hosts: [httpbin.org]
  gateways: [istio-egressgateway]
  http:
  - route:
    - destination: {host: httpbin.org}
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
    hosts: [edition.cnn.com, httpbin.org]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
  namespace: default
spec:
  hosts: [httpbin.org]
  gateways: [istio-egressgateway]
  http:
  - route:
    - destination: {host: httpbin.org}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: either the Gateway should list the host, or the VirtualService is bound to the wrong Gateway.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const mesh = ctx.mesh;
    const out: RawFinding[] = [];
    for (const vs of mesh.virtualServices) {
      if (vs.hosts.length === 0) continue;
      for (const { refs } of gatewayRefs(vs)) {
        const g = boundGateway(mesh, refs[0].value, vs.r.namespace);
        if (!g) continue;
        const at = spanAt(vs.r, refs[0].path);
        if (g.kind === 'istio') {
          if (g.gateway.servers.length === 0) {
            out.push({ uri: vs.r.uri, span: at, message: `${kindName(g.r)} has no servers: it accepts no host, so this VirtualService does not apply on it.`, related: [relatedTo(g.r, `${kindName(g.r)} declares no servers`)] });
            continue;
          }
          // As Istio does: a VirtualService may split its hosts between gateways; a gateway that accepts none of them is the mistake.
          if (vs.hosts.some((h) => g.gateway.servers.some((s) => serverAdmits(s, g.r.namespace, vs.r.namespace, h.value)))) continue;
          const listed = [...new Set(g.gateway.servers.flatMap((s) => s.hosts.map((x) => (x.namespace ? `${x.namespace}/${x.host}` : x.host))))];
          out.push({
            uri: vs.r.uri,
            span: at,
            message: `None of this VirtualService's hosts (${vs.hosts.map((h) => h.value).join(', ')}) is among the hosts of ${kindName(g.r)} (${listed.join(', ') || 'none'}): on that gateway it does not apply.`,
            related: [relatedTo(g.r, `${kindName(g.r)} servers accept: ${listed.join(', ') || 'no host'}`, g.gateway.servers[0].path)],
          });
        } else {
          const listeners = g.gateway.listeners;
          if (listeners.length === 0) {
            out.push({ uri: vs.r.uri, span: at, message: `${kindName(g.r)} (Gateway API) has no listeners: it accepts no host, so this VirtualService does not apply on it.`, related: [relatedTo(g.r, `${kindName(g.r)} declares no listeners`)] });
            continue;
          }
          // A listener without hostname accepts every host.
          if (vs.hosts.some((h) => listeners.some((l) => l.hostname === undefined || hostnamesIntersect(l.hostname, h.value)))) continue;
          const listed = [...new Set(listeners.map((l) => l.hostname!))];
          out.push({
            uri: vs.r.uri,
            span: at,
            message: `None of this VirtualService's hosts (${vs.hosts.map((h) => h.value).join(', ')}) matches a listener hostname of ${kindName(g.r)} (Gateway API; ${listed.join(', ')}): on that gateway it does not apply.`,
            related: [relatedTo(g.r, `${kindName(g.r)} listeners accept: ${listed.join(', ')}`, listeners[0].path)],
          });
        }
      }
    }
    return out;
  },
});
