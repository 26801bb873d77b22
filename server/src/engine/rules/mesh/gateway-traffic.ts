import { istioHostCovers, isExternalHost, deploymentOfService, type GatewayDeployment, type Mesh } from '../../mesh/mesh';
import { routeGateways, type At, type DestinationRule, type VirtualService } from '../../mesh/istio';
import { isRecord, type Resource } from '../../model/resources';
import { matches, readSelector } from '../../model/selector';
import { normalizeHost } from '../../sets/hosts';
import { gatewayPodLabels } from '../../scaffold/gateway-traffic';

/** An external host that a VirtualService sends from the sidecars to an egress gateway. */
export interface GatewayRoutedHost {
  gateway: GatewayDeployment;
  host: string;
  vs: VirtualService;
  hostAt: At;
}

/** Every external host routed through an egress gateway (the sidecars' leg of the route), once per gateway and host. */
export function gatewayRoutedHosts(mesh: Mesh): GatewayRoutedHost[] {
  const out = new Map<string, GatewayRoutedHost>();
  for (const vs of mesh.virtualServices) {
    for (const route of vs.routes) {
      if (!routeGateways(vs, route).includes('mesh')) continue;
      for (const d of route.destinations) {
        const gateway = deploymentOfService(mesh, d.host, vs.r.namespace);
        if (!gateway) continue;
        for (const h of vs.hosts) {
          const host = normalizeHost(h.value);
          if (!isExternalHost(mesh, host, vs.r.namespace)) continue;
          const key = `${gateway.label}|${host}`;
          if (!out.has(key)) out.set(key, { gateway, host, vs, hostAt: h });
        }
      }
    }
  }
  return [...out.values()];
}

/** The DestinationRules whose host covers an external host, visible from a namespace. */
export function destinationRulesFor(mesh: Mesh, host: string): Mesh['destinationRules'] {
  return mesh.destinationRules.filter((dr) => istioHostCovers(normalizeHost(dr.host), host));
}

/** The resource that defines a gateway (an Istio Gateway, or a Gateway API Gateway). */
export function gatewayDefinition(g: GatewayDeployment): Resource | undefined {
  return g.istio[0]?.r ?? g.gwApi?.r;
}

export function isTelemetry(r: { group: string; kind: string }): boolean {
  return r.group === 'telemetry.istio.io' && r.kind === 'Telemetry';
}

/** Whether a Telemetry resource turns access logging on for a gateway's pods (mesh-wide in the root namespace, namespace-wide, or by selector). */
export function telemetryLogs(t: Resource, g: GatewayDeployment, rootNamespace: string): boolean {
  const spec = isRecord(t.obj.spec) ? t.obj.spec : {};
  const logging = Array.isArray(spec.accessLogging) ? spec.accessLogging.filter(isRecord) : [];
  if (logging.length === 0 || logging.every((l) => l.disabled === true)) return false;
  const selector = isRecord(spec.selector) ? spec.selector : undefined;
  const targets = Array.isArray(spec.targetRefs) ? spec.targetRefs.filter(isRecord) : isRecord(spec.targetRef) ? [spec.targetRef] : [];
  if (targets.length > 0) return t.namespace === g.namespace && g.gwApi !== undefined && targets.some((r) => r.kind === 'Gateway' && r.name === g.gwApi!.r.name);
  if (!selector) return t.namespace === rootNamespace || t.namespace === g.namespace;
  return t.namespace === g.namespace && matches(readSelector(selector), gatewayPodLabels(g));
}

/** Whether a traffic policy (or one of its port-level settings) bounds connections or ejects failing endpoints. */
function limits(tp: unknown): boolean {
  if (!isRecord(tp)) return false;
  if (tp.connectionPool !== undefined || tp.outlierDetection !== undefined) return true;
  return Array.isArray(tp.portLevelSettings) && tp.portLevelSettings.some((p) => isRecord(p) && (p.connectionPool !== undefined || p.outlierDetection !== undefined));
}

/** Whether a DestinationRule bounds connections (connection pool) or ejects failing endpoints (outlier detection), for the host or a subset. */
export function boundsConnections(dr: DestinationRule): boolean {
  const spec = isRecord(dr.r.obj.spec) ? dr.r.obj.spec : {};
  return limits(spec.trafficPolicy) || (Array.isArray(spec.subsets) && spec.subsets.some((s) => isRecord(s) && limits(s.trafficPolicy)));
}

/** What an egress gateway applies to the traffic it forwards to a host: an access log, connection limits, TLS. */
export interface GatewayApplies {
  logged: boolean;
  limits: boolean;
  /** `originated`: a DestinationRule for the host originates TLS; `passthrough`: a tls route carries the application's TLS. */
  tls: 'originated' | 'passthrough' | 'none';
}

const ROOT_NAMESPACE = 'istio-system';

export function gatewayApplies(mesh: Mesh, telemetries: readonly Resource[], g: GatewayDeployment, host: string): GatewayApplies {
  const rules = destinationRulesFor(mesh, host);
  const logged = mesh.meshConfig.some((c) => c.accessLogging) || telemetries.some((t) => telemetryLogs(t, g, ROOT_NAMESPACE));
  const originated = rules.some((dr) => dr.tls.some((t) => t.subset === undefined && (t.mode === 'SIMPLE' || t.mode === 'MUTUAL')));
  const passthrough = mesh.virtualServices.some((vs) => vs.routes.some((r) => r.protocol === 'tls' && !routeGateways(vs, r).every((x) => x === 'mesh') && r.destinations.some((d) => istioHostCovers(host, normalizeHost(d.host)))));
  return { logged, limits: rules.some(boundsConnections), tls: originated ? 'originated' : passthrough ? 'passthrough' : 'none' };
}

/** Docs examples: an egress route through the gateway (both legs), and the Telemetry that logs the gateway. */
export const EGRESS_ROUTE_EXAMPLE = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: egress
  namespace: istio-system
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [api.stripe.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: stripe
  namespace: istio-system
spec:
  hosts: [api.stripe.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: stripe-through-egress
  namespace: istio-system
spec:
  hosts: [api.stripe.com]
  gateways: [mesh, egress]
  tls:
  - match:
    - gateways: [mesh]
      port: 443
      sniHosts: [api.stripe.com]
    route:
    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}
  - match:
    - gateways: [egress]
      port: 443
      sniHosts: [api.stripe.com]
    route:
    - destination: {host: api.stripe.com, port: {number: 443}}
`;

export const GATEWAY_TELEMETRY_EXAMPLE = `---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: egress-access-logs
  namespace: istio-system
spec:
  selector:
    matchLabels: {istio: egressgateway}
  accessLogging:
  - providers:
    - name: envoy
`;
