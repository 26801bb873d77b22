/**
 * Route an external host through an egress gateway, the way Istio's egress tasks do it: the ServiceEntry,
 * the Gateway, the DestinationRule and the two-leg VirtualService (or their Gateway API equivalents:
 * a Gateway of class `istio` and two routes), plus the NetworkPolicy without which the gateway can be
 * bypassed.
 */
import type { DnsSelector } from '../config';
import { normalizeHost } from '../sets/hosts';
import { freeName } from './default-deny';
import { egressViaGatewayOnly, ISTIOD_NAMESPACE } from './gateway-only';
import { hostProblem, namespaceProblem, portProblem } from './names';

export type GatewayProtocol = 'http' | 'https' | 'tls-origination';
export type GatewayStyle = 'istio' | 'gateway-api';

export interface GatewayScaffoldOptions {
  host: string;
  /** The port the application connects to: 80 for HTTP and TLS origination, 443 for HTTPS. */
  port?: number;
  protocol: GatewayProtocol;
  /** The namespace of the workloads that call the host (and of the routing resources). */
  namespace: string;
  style: GatewayStyle;
  dns: DnsSelector;
  /** Names already taken in the namespace, so that nothing is overwritten. */
  taken?: ReadonlySet<string>;
  /** Add the NetworkPolicy that keeps the namespace from going around the gateway (default: yes). */
  networkPolicy?: boolean;
}

export type GatewayScaffold = { ok: true; resources: Record<string, unknown>[]; notes: string[] } | { ok: false; error: string };

const ISTIO = 'networking.istio.io/v1';
const GW = 'gateway.networking.k8s.io/v1';
const GW_ALPHA = 'gateway.networking.k8s.io/v1alpha2';
const EGRESS_GATEWAY_SERVICE = `istio-egressgateway.${ISTIOD_NAMESPACE}.svc.cluster.local`;

/** `edition.cnn.com` → `cnn`: the name Istio's tasks give the resources of a host. */
export function hostShortName(host: string): string {
  const labels = normalizeHost(host).replace(/^\*\./, '').split('.');
  const base = labels.length >= 2 ? labels[labels.length - 2] : labels[0];
  return base.replace(/[^a-z0-9-]/g, '-') || 'external';
}

function meta(name: string, namespace: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, namespace, ...extra };
}

export function routeThroughGateway(o: GatewayScaffoldOptions): GatewayScaffold {
  const input = namespaceProblem(o.namespace) ?? (o.port !== undefined ? portProblem(o.port) : undefined) ?? (typeof o.host === 'string' && o.host.includes('*') ? undefined : hostProblem(o.host, false));
  if (input) return { ok: false, error: input };
  const host = normalizeHost(o.host);
  if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(host)) {
    return { ok: false, error: host.includes('*') ? `${o.host}: a wildcard host needs a concrete server behind the gateway; route each host (for example www.${host.slice(2)}) on its own.` : `${o.host} is not a host name.` };
  }
  const notes: string[] = [];
  const x = hostShortName(host);
  const taken = new Set(o.taken ?? []);
  const name = (base: string) => {
    const n = freeName(base, taken);
    taken.add(n);
    return n;
  };
  const ns = o.namespace;
  const appPort = o.port ?? (o.protocol === 'https' ? 443 : 80);
  const out: Record<string, unknown>[] = [];

  // The ServiceEntry: the host is registered with DNS resolution (NONE would make the gateway loop).
  const sePorts =
    o.protocol === 'https'
      ? [{ number: appPort, name: 'tls', protocol: 'TLS' }]
      : o.protocol === 'tls-origination'
        ? [
            { number: appPort, name: 'http', protocol: 'HTTP' },
            { number: 443, name: 'https', protocol: 'HTTPS' },
          ]
        : [
            { number: appPort, name: 'http-port', protocol: 'HTTP' },
            { number: 443, name: 'https', protocol: 'HTTPS' },
          ];
  const seName = name(x);
  out.push({ apiVersion: ISTIO, kind: 'ServiceEntry', metadata: meta(seName, ns), spec: { hosts: [host], ports: sePorts, resolution: 'DNS' } });

  // The gateway's port: the application's port, except that TLS origination terminates mTLS on 80.
  const gwPort = appPort;
  const upstreamPort = o.protocol === 'tls-origination' ? 443 : appPort;
  const originate = o.protocol === 'tls-origination';

  if (o.style === 'istio') {
    const gwName = name('istio-egressgateway');
    const server =
      o.protocol === 'https'
        ? { port: { number: gwPort, name: 'tls', protocol: 'TLS' }, hosts: [host], tls: { mode: 'PASSTHROUGH' } }
        : originate
          ? { port: { number: gwPort, name: 'https-port-for-tls-origination', protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'ISTIO_MUTUAL' } }
          : { port: { number: gwPort, name: 'http', protocol: 'HTTP' }, hosts: [host] };
    out.push({ apiVersion: ISTIO, kind: 'Gateway', metadata: meta(gwName, ns), spec: { selector: { istio: 'egressgateway' }, servers: [server] } });
    const subset = originate
      ? { name: x, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, portLevelSettings: [{ port: { number: gwPort }, tls: { mode: 'ISTIO_MUTUAL', sni: host } }] } }
      : { name: x };
    out.push({ apiVersion: ISTIO, kind: 'DestinationRule', metadata: meta(name(`egressgateway-for-${x}`), ns), spec: { host: EGRESS_GATEWAY_SERVICE, subsets: [subset] } });
    const toGateway = { destination: { host: EGRESS_GATEWAY_SERVICE, subset: x, port: { number: gwPort } } };
    const toHost = { destination: { host, port: { number: upstreamPort } }, weight: 100 };
    const spec: Record<string, unknown> = { hosts: [host], gateways: o.protocol === 'https' ? ['mesh', gwName] : [gwName, 'mesh'] };
    if (o.protocol === 'https') {
      spec.tls = [
        { match: [{ gateways: ['mesh'], port: appPort, sniHosts: [host] }], route: [toGateway] },
        { match: [{ gateways: [gwName], port: gwPort, sniHosts: [host] }], route: [toHost] },
      ];
    } else {
      spec.http = [
        { match: [{ gateways: ['mesh'], port: appPort }], route: [{ ...toGateway, weight: 100 }] },
        { match: [{ gateways: [gwName], port: gwPort }], route: [toHost] },
      ];
    }
    out.push({ apiVersion: ISTIO, kind: 'VirtualService', metadata: meta(name(`direct-${x}-through-egress-gateway`), ns), spec });
  } else {
    const gwName = name(`${x}-egress-gateway`);
    const service = `${gwName}-istio`;
    const listener =
      o.protocol === 'https'
        ? { name: 'tls', hostname: host, port: gwPort, protocol: 'TLS', tls: { mode: 'Passthrough' }, allowedRoutes: { namespaces: { from: 'Same' } } }
        : originate
          ? { name: 'https-listener-for-tls-origination', hostname: host, port: gwPort, protocol: 'HTTPS', tls: { mode: 'Terminate', options: { 'gateway.istio.io/tls-terminate-mode': 'ISTIO_MUTUAL' } }, allowedRoutes: { namespaces: { from: 'Same' } } }
          : { name: 'http', hostname: host, port: gwPort, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } };
    out.push({ apiVersion: GW, kind: 'Gateway', metadata: meta(gwName, ns, { annotations: { 'networking.istio.io/service-type': 'ClusterIP' } }), spec: { gatewayClassName: 'istio', listeners: [listener] } });
    if (originate) {
      out.push({
        apiVersion: ISTIO,
        kind: 'DestinationRule',
        metadata: meta(name(`egressgateway-for-${x}`), ns),
        spec: { host: `${service}.${ns}.svc.cluster.local`, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, portLevelSettings: [{ port: { number: gwPort }, tls: { mode: 'ISTIO_MUTUAL', sni: host } }] } },
      });
    }
    const [apiVersion, kind] = o.protocol === 'https' ? [GW_ALPHA, 'TLSRoute'] : [GW, 'HTTPRoute'];
    out.push({ apiVersion, kind, metadata: meta(name(`direct-${x}-to-egress-gateway`), ns), spec: { parentRefs: [{ kind: 'ServiceEntry', group: 'networking.istio.io', name: seName }], rules: [{ backendRefs: [{ name: service, port: gwPort }] }] } });
    out.push({ apiVersion, kind, metadata: meta(name(`forward-${x}-from-egress-gateway`), ns), spec: { parentRefs: [{ name: gwName }], hostnames: [host], rules: [{ backendRefs: [{ kind: 'Hostname', group: 'networking.istio.io', name: host, port: upstreamPort }] }] } });
    if (o.protocol === 'https') notes.push('TLSRoute is still v1alpha2 in the Gateway API: install its experimental channel CRDs.');
  }
  if (originate) {
    out.push({
      apiVersion: ISTIO,
      kind: 'DestinationRule',
      metadata: meta(name(`originate-tls-for-${host.replace(/\./g, '-')}`), ns),
      spec: { host, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' }, portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE' } }] } },
    });
    notes.push(`The application sends plain HTTP to ${host}:${appPort}; the gateway opens TLS to ${host}:443.`);
  }
  if (o.networkPolicy !== false) {
    const gatewayLabels = o.style === 'gateway-api' ? { 'gateway.networking.k8s.io/gateway-name': String((out.find((r) => r.kind === 'Gateway')!.metadata as { name: string }).name) } : undefined;
    out.push(egressViaGatewayOnly({ namespace: ns, gatewayNamespace: o.style === 'istio' ? ISTIOD_NAMESPACE : ns, gatewayPodLabels: gatewayLabels, dns: o.dns, name: name('egress-via-gateway-only') }));
    notes.push(`The NetworkPolicy restricts every pod of ${ns} to the gateway, istiod and DNS: add rules for what else they need.`);
  }
  return { ok: true, resources: out, notes };
}
