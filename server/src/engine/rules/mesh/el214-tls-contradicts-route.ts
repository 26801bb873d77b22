import { spanAt } from '../../model/anchor';
import { isExternalHost, istioHostCovers, serviceEntriesFor } from '../../mesh/mesh';
import type { DestinationRule, TlsSettings, VirtualService, VsRoute } from '../../mesh/istio';
import { normalizeHost } from '../../sets/hosts';
import { defineRule, type RawFinding } from '../rule';
import { relatedTo } from './refs';

const ORIGINATES = new Set(['SIMPLE', 'MUTUAL']);

/** The TLS setting of a DestinationRule that applies to a port (port-level first, then the rule's own; subsets aside). */
function tlsFor(dr: DestinationRule, port: number | undefined): TlsSettings | undefined {
  const own = dr.tls.filter((t) => t.subset === undefined);
  return (port !== undefined ? own.find((t) => t.port === port) : undefined) ?? own.find((t) => t.port === undefined);
}

/** The routes that deliver traffic to a host (their destination is the host itself, not a gateway). */
function routesTo(vss: readonly VirtualService[], host: string): { vs: VirtualService; route: VsRoute; port?: number }[] {
  const out: { vs: VirtualService; route: VsRoute; port?: number }[] = [];
  for (const vs of vss) for (const route of vs.routes) for (const d of route.destinations) if (istioHostCovers(host, normalizeHost(d.host))) out.push({ vs, route, port: d.port });
  return out;
}

const SE = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: github
  namespace: ci
spec:
  hosts: [api.github.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: github
  namespace: ci
spec:
  hosts: [api.github.com]
  tls:
  - match:
    - port: 443
      sniHosts: [api.github.com]
    route:
    - destination: {host: api.github.com, port: {number: 443}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: github
  namespace: ci
spec:
  host: api.github.com
`;

export const el214 = defineRule({
  id: 'EL214',
  name: 'tls-contradicts-route',
  severity: 'warning',
  docs: {
    summary: 'A DestinationRule for an external host contradicts the route to it: it originates TLS (`mode: SIMPLE` or `MUTUAL`) where a `tls` route passes the application’s own TLS through, or an `http` route sends plain HTTP to a TLS port and the DestinationRule does not originate TLS there.',
    why: 'TLS origination and TLS passthrough are two halves of one decision. If the application already speaks TLS (a `tls` route matching on SNI) and the proxy originates TLS as well, the server receives TLS inside TLS and the handshake fails. If the application speaks plain HTTP and the route sends it to port 443 expecting the proxy to originate TLS, but no DestinationRule does, the server receives plain text on its TLS port. Either way every connection to the host fails.',
    bad: `${SE}  trafficPolicy:
    tls:
      mode: SIMPLE
      sni: api.github.com
      caCertificates: /etc/ssl/certs/ca-certificates.crt
`,
    good: `${SE}  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 50}
`,
    fix: 'none',
    fixSafety: 'No quick fix: which side is right (the application’s TLS or the proxy’s) is the author’s choice.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const out: RawFinding[] = [];
    for (const dr of ctx.mesh.destinationRules) {
      const host = normalizeHost(dr.host);
      if (!isExternalHost(ctx.mesh, host, dr.r.namespace)) continue;
      for (const { vs, route, port } of routesTo(ctx.mesh.virtualServices, host)) {
        const tls = tlsFor(dr, port);
        const originates = tls !== undefined && ORIGINATES.has(tls.mode);
        if (route.protocol === 'tls' && originates) {
          out.push({
            uri: dr.r.uri,
            span: spanAt(dr.r, tls.modePath),
            message: `This DestinationRule originates TLS (${tls.mode}) to ${host}${port !== undefined ? `:${port}` : ''}, where VirtualService ${vs.r.namespace}/${vs.r.name} passes the application's own TLS through (a tls route): the server receives TLS inside TLS and the handshake fails.`,
            related: [relatedTo(vs.r, 'the tls (passthrough) route to the host', route.path)],
          });
          break;
        }
        // Plain HTTP sent to a port the host serves with TLS (its ServiceEntry says so, or 443), with no origination.
        const sePorts = serviceEntriesFor(ctx.mesh, host, vs.r.namespace, port).flatMap((se) => se.ports.filter((p) => p.number === port));
        const tlsPort = port !== undefined && (sePorts.length > 0 ? sePorts.some((p) => p.protocol === 'HTTPS' || p.protocol === 'TLS') : port === 443);
        if (route.protocol === 'http' && tlsPort && !originates) {
          out.push({
            uri: dr.r.uri,
            span: tls ? spanAt(dr.r, tls.modePath) : spanAt(dr.r, dr.hostPath),
            message: `VirtualService ${vs.r.namespace}/${vs.r.name} sends plain HTTP to ${host}:${port}, a TLS port, and this DestinationRule does not originate TLS there${tls ? ` (mode ${tls.mode})` : ''}: the server receives plain text on its TLS port. Set trafficPolicy.tls.mode: SIMPLE for the port, or route TLS.`,
            related: [relatedTo(vs.r, 'the http route to the TLS port', route.path)],
          });
          break;
        }
      }
    }
    return out;
  },
});
