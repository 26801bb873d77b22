/**
 * The palette's scaffolds: Add Default-Deny…, Allow Egress…, Route Host Through Egress Gateway…, and at the
 * gateway Add Traffic Policy for Host…, Enable Egress Gateway Access Logs…, Rate-Limit Host…; each built by
 * the engine's one scaffold entry point and written in the style of the file it goes to.
 */
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { unrestrictedEgress, detectStyle, scaffold, scaffoldYaml, gatewayHosts, meshLegs, type Analysis, type ScaffoldRequest } from '../engine';
import { Requests, ScaffoldRequests, type ScaffoldDefaultDenyParams, type ScaffoldResult, type AllowEgressParams, type AllowEgressResponse, type GatewayParams, type GatewayResponse, type GatewayRouteInfo, type GatewayTrafficParams, type WorkloadInfo } from './protocol';

export function registerScaffoldRequests(connection: Connection, current: () => Analysis, textOf: (uri: string) => string | undefined): void {
  connection.onRequest(ScaffoldRequests.workloads, (): WorkloadInfo[] => {
    const a = current();
    return a.reach.workloads.map((w) => ({
      id: w.id,
      namespace: w.namespace,
      name: w.name,
      kind: w.kind,
      labels: w.labels,
      restricted: !unrestrictedEgress(a.reach, w),
      ports: w.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    }));
  });

  const styleOf = (uri: string | undefined) => detectStyle((uri && textOf(uri)) ?? '');

  connection.onRequest(Requests.scaffoldDefaultDeny, (p: ScaffoldDefaultDenyParams): ScaffoldResult => {
    const r = scaffold(current(), { kind: 'default-deny', namespace: p.namespace, allowDns: p.allowDns });
    if (!r.ok) throw new ResponseError(ErrorCodes.InvalidParams, r.error);
    return { text: scaffoldYaml(r.resources, styleOf(p.uri)) };
  });

  const allow = (p: AllowEgressParams): AllowEgressResponse => {
    const r = scaffold(current(), { kind: 'allow', from: p.from, to: p.to, ports: p.ports, mechanism: p.mechanism });
    return r.ok ? { ok: true, notes: r.notes, text: scaffoldYaml(r.resources, styleOf(p.uri)) } : r;
  };
  connection.onRequest(ScaffoldRequests.allowEgress, allow as (p: AllowEgressParams) => { ok: boolean });

  const gateway = (p: GatewayParams): GatewayResponse => {
    if (!p || typeof p.host !== 'string' || typeof p.namespace !== 'string') return { ok: false, error: 'A host and a namespace are needed.' };
    const r = scaffold(current(), { kind: 'gateway', host: p.host, port: p.port, protocol: p.protocol, namespace: p.namespace, style: p.style });
    return r.ok ? { ok: true, notes: r.notes, text: scaffoldYaml(r.resources, styleOf(p.uri)) } : r;
  };
  connection.onRequest(ScaffoldRequests.gateway, gateway as (p: GatewayParams) => { ok: boolean });

  connection.onRequest(ScaffoldRequests.gatewayRoutes, (): GatewayRouteInfo[] => {
    const a = current();
    const out = new Map<string, GatewayRouteInfo>();
    for (const { gateway, hosts } of gatewayHosts(a.mesh)) {
      for (const host of hosts) {
        const legs = meshLegs(a.mesh, host, undefined).filter((l) => l.gateway === gateway);
        const http = legs.some((l) => (l.vs ? l.vs.route.protocol === 'http' : l.gw?.route.kind === 'HTTPRoute'));
        out.set(`${gateway.label}|${host}`, { gateway: gateway.label, namespace: gateway.namespace, host, http });
      }
    }
    return [...out.values()].sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : x.gateway < y.gateway ? -1 : 1));
  });

  const gatewayTraffic = (p: GatewayTrafficParams): GatewayResponse => {
    if (!p || typeof p !== 'object') return { ok: false, error: 'Say what to add: a traffic policy, access logs or a rate limit.' };
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    let request: ScaffoldRequest;
    if (p.kind === 'traffic-policy') request = { kind: 'traffic-policy', host: str(p.host) ?? '', namespace: str(p.namespace) ?? '' };
    else if (p.kind === 'gateway-access-logs') request = { kind: 'gateway-access-logs', gateway: str(p.gateway) };
    else if (p.kind === 'rate-limit') request = { kind: 'rate-limit', host: str(p.host) ?? '', perMinute: typeof p.perMinute === 'number' ? p.perMinute : undefined };
    else return { ok: false, error: 'Say what to add: a traffic policy, access logs or a rate limit.' };
    const r = scaffold(current(), request);
    return r.ok ? { ok: true, notes: r.notes, text: scaffoldYaml(r.resources, styleOf(p.uri)) } : r;
  };
  connection.onRequest(ScaffoldRequests.gatewayTraffic, gatewayTraffic as (p: GatewayTrafficParams) => { ok: boolean });
}
