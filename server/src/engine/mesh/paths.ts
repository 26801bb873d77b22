/**
 * Egress paths through the mesh: for a workload and an external host (and port), whether the traffic
 * goes direct, through an egress gateway (by which Gateway, VirtualService or route), is dropped by
 * REGISTRY_ONLY, or is stopped by NetworkPolicy on the way, with every deciding resource.
 */
import type { YamlPath } from '../parse/locate';
import type { Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { Reachability } from '../reach/reachability';
import { hostPeer } from '../reach/rules';
import { normalizeHost } from '../sets/hosts';
import { GATEWAY_API, hostnamesIntersect, type GwRoute } from './gateway-api';
import { ISTIO_NETWORKING, routeGateways, routePorts, type AuthorizationPolicy, type RouteDestination, type VirtualService, type VsRoute } from './istio';
import {
  deploymentOfService,
  boundGateway,
  ISTIO_ROOT_NAMESPACE,
  isMeshed,
  istioHostCovers,
  outboundFor,
  qualifyHost,
  serviceEntriesFor,
  visibleFrom,
  type GatewayDeployment,
  type Mesh,
} from './mesh';

/** One resource on the path, and the value in it that matters. */
export interface PathStep {
  text: string;
  resource: Resource;
  path: YamlPath;
}

export type PathOutcome = 'direct' | 'via-gateway' | 'blocked-registry-only' | 'blocked-networkpolicy' | 'blocked-at-gateway';

export interface EgressPath {
  outcome: PathOutcome;
  /** One sentence. */
  summary: string;
  host: string;
  port?: number;
  meshed: boolean;
  gateway?: GatewayDeployment;
  steps: PathStep[];
}

/** The first leg: a mesh route that sends traffic for the host to an egress gateway's Service. */
export interface MeshLeg {
  host: string;
  /** The port matched (undefined: every port). */
  ports?: number[];
  gateway: GatewayDeployment;
  /** The port of the gateway's Service the traffic is sent to. */
  gatewayPort?: number;
  /** Istio API: the VirtualService and route; Gateway API: the route and backend. */
  vs?: { vs: VirtualService; route: VsRoute; destination: RouteDestination; hostIndex: number };
  gw?: { route: GwRoute; backendIndex: number; parentIndex: number };
  /** The resource the leg is written in, and where its host is named. */
  resource: Resource;
  hostPath: YamlPath;
}

/** The second leg: the gateway's route to the external host. */
export interface GatewayLeg {
  resource: Resource;
  path: YamlPath;
  text: string;
}

function portsMatch(ports: number[] | undefined, port: number | undefined): boolean {
  return port === undefined || ports === undefined || ports.includes(port);
}

/** Every mesh leg toward an egress gateway that applies to traffic from `ns` to `host` (on `port`). */
export function meshLegs(mesh: Mesh, host: string, ns: string | undefined, port?: number): MeshLeg[] {
  const out: MeshLeg[] = [];
  for (const vs of mesh.virtualServices) {
    if (ns !== undefined && !visibleFrom(vs.exportTo, vs.r.namespace, ns)) continue;
    const hostIndex = vs.hosts.findIndex((h) => istioHostCovers(qualifyHost(h.value, vs.r.namespace), host));
    if (hostIndex < 0) continue;
    for (const route of vs.routes) {
      if (!routeGateways(vs, route).includes('mesh')) continue;
      const ports = routePorts(route, 'mesh', vs);
      if (!portsMatch(ports, port)) continue;
      for (const d of route.destinations) {
        const gw = deploymentOfService(mesh, d.host, vs.r.namespace);
        if (!gw) continue;
        out.push({ host, ports, gateway: gw, gatewayPort: d.port ?? (ports?.length === 1 ? ports[0] : port), vs: { vs, route, destination: d, hostIndex }, resource: vs.r, hostPath: vs.hosts[hostIndex].path });
      }
    }
  }
  for (const route of mesh.routes) {
    route.parentRefs.forEach((p, parentIndex) => {
      if (p.group !== ISTIO_NETWORKING || p.kind !== 'ServiceEntry') return;
      // A route in the service's own namespace applies to every client; one elsewhere, to its own namespace's.
      if (ns !== undefined && route.r.namespace !== p.namespace && route.r.namespace !== ns) return;
      const se = mesh.serviceEntries.find((e) => e.r.namespace === p.namespace && e.r.name === p.name);
      if (!se || !se.hosts.some((h) => istioHostCovers(qualifyHost(h.value, se.r.namespace), host))) return;
      route.backendRefs.forEach((b, backendIndex) => {
        if (b.kind !== 'Service' || b.group !== '') return;
        const gw = deploymentOfService(mesh, `${b.name}.${b.namespace}.svc.cluster.local`, route.r.namespace);
        if (!gw) return;
        const ports = p.port !== undefined ? [p.port] : se.ports.length > 0 ? se.ports.map((x) => x.number) : undefined;
        if (!portsMatch(ports, port)) return;
        out.push({ host, ports, gateway: gw, gatewayPort: b.port, gw: { route, backendIndex, parentIndex }, resource: route.r, hostPath: p.path });
      });
    });
  }
  return out;
}

/** The gateway's own route to the host on a port (Istio VirtualService bound to its Gateway, or a Gateway API route). */
export function gatewayLegs(mesh: Mesh, gw: GatewayDeployment, host: string, port?: number): GatewayLeg[] {
  const out: GatewayLeg[] = [];
  for (const vs of mesh.virtualServices) {
    if (!vs.hosts.some((h) => istioHostCovers(qualifyHost(h.value, vs.r.namespace), host) || istioHostCovers(host, qualifyHost(h.value, vs.r.namespace)))) continue;
    for (const route of vs.routes) {
      for (const ref of routeGateways(vs, route)) {
        if (ref === 'mesh') continue;
        const g = boundGateway(mesh, ref, vs.r.namespace);
        if (!g || !(g.kind === 'istio' ? gw.istio.includes(g.gateway) : gw.gwApi === g.gateway)) continue;
        if (!portsMatch(routePorts(route, ref, vs), port)) continue;
        const d = route.destinations.find((x) => istioHostCovers(qualifyHost(x.host, vs.r.namespace), host) || istioHostCovers(host, qualifyHost(x.host, vs.r.namespace)));
        if (!d) continue;
        out.push({ resource: vs.r, path: d.hostPath, text: `VirtualService ${vs.r.namespace}/${vs.r.name} routes it from Gateway ${g.r.namespace}/${g.r.name} to ${d.host}${d.port ? `:${d.port}` : ''}` });
      }
    }
  }
  if (gw.gwApi) {
    for (const route of mesh.routes) {
      const parent = route.parentRefs.find((p) => p.group === GATEWAY_API && p.kind === 'Gateway' && p.name === gw.gwApi!.r.name && p.namespace === gw.gwApi!.r.namespace);
      if (!parent) continue;
      if (route.hostnames.length > 0 && !route.hostnames.some((h) => hostnamesIntersect(h.value, host))) continue;
      route.backendRefs.forEach((b) => {
        const toHost = b.kind === 'Hostname' && b.group === ISTIO_NETWORKING ? istioHostCovers(host, b.name) || istioHostCovers(b.name, host) : b.kind === 'Service' && `${b.name}.${b.namespace}.svc.cluster.local` === qualifyHost(host, route.r.namespace);
        if (toHost) out.push({ resource: route.r, path: [...b.path, 'name'], text: `${route.kind} ${route.r.namespace}/${route.r.name} forwards it from Gateway ${gw.gwApi!.r.namespace}/${gw.gwApi!.r.name} to ${b.name}${b.port ? `:${b.port}` : ''}` });
      });
    }
  }
  return out;
}

/** What the AuthorizationPolicies on a gateway's pods say about a host, if any applies. */
export function gatewayAuthorization(mesh: Mesh, gw: GatewayDeployment, host: string): { policy: AuthorizationPolicy; path: YamlPath; allowed: boolean; text: string } | undefined {
  const applies = mesh.authorizationPolicies.filter(
    (ap) => (ap.r.namespace === gw.namespace || ap.r.namespace === ISTIO_ROOT_NAMESPACE) && (!ap.selector || gw.workloads.some((w) => Object.entries(ap.selector!).every(([k, v]) => w.labels[k] === v))),
  );
  const name = (ap: AuthorizationPolicy) => `AuthorizationPolicy ${ap.r.namespace}/${ap.r.name}`;
  for (const ap of applies.filter((x) => x.action === 'DENY')) {
    const hit = ap.hosts.find((x) => istioHostCovers(x.value, host));
    if (hit) return { policy: ap, path: hit.path, allowed: false, text: `${name(ap)} denies ${host} at the gateway` };
  }
  const allow = applies.filter((x) => x.action === 'ALLOW');
  if (allow.length === 0) return undefined;
  for (const ap of allow) {
    const hit = ap.hosts.find((x) => istioHostCovers(x.value, host));
    if (hit) return { policy: ap, path: hit.path, allowed: true, text: `${name(ap)} allows ${host} at the gateway` };
    // Rules that do not name hosts allow every host (their other conditions aside).
    if (ap.ruleCount > 0 && ap.hosts.length === 0) return { policy: ap, path: ['spec', 'rules'], allowed: true, text: `${name(ap)} allows requests at the gateway without naming hosts` };
  }
  return { policy: allow[0], path: ['metadata', 'name'], allowed: false, text: `${name(allow[0])} allows only other hosts at the gateway` };
}

function allowsTcp(reach: Reachability, w: Workload, dst: Parameters<Reachability['egress']>[1], port: number | undefined): boolean {
  const allowed = reach.egress(w, dst).allowed;
  return port === undefined ? !allowed.isEmpty : allowed.has('TCP', port);
}

/** Whether a workload may open a connection straight to an external host, as far as policy says. */
export function directAllowed(reach: Reachability, w: Workload, host: string, port?: number): boolean {
  return allowsTcp(reach, w, hostPeer(host), port);
}

/** Whether a workload may reach a gateway's pods on the container port behind a Service port. */
export function gatewayAllowed(reach: Reachability, w: Workload, gw: GatewayDeployment, servicePort?: number): boolean {
  const target = servicePort !== undefined ? (gw.targetPorts.get(servicePort) ?? servicePort) : undefined;
  return gw.workloads.some((g) => allowsTcp(reach, w, { kind: 'workload', workload: g }, target));
}

function step(resource: Resource, path: YamlPath, text: string): PathStep {
  return { resource, path, text };
}

/** The egress path from a workload to an external host (on a TCP port, when given). */
export function egressPath(mesh: Mesh, reach: Reachability, w: Workload, host: string, port?: number): EgressPath {
  const h = normalizeHost(host);
  const meshed = isMeshed(w, reach.model.namespaces);
  const at = port !== undefined ? `${h}:${port}` : h;
  const base = { host: h, port, meshed };
  if (meshed) {
    const legs = meshLegs(mesh, h, w.namespace, port);
    if (legs.length > 0) {
      const leg = legs[0];
      const steps: PathStep[] = [];
      if (leg.vs) steps.push(step(leg.resource, leg.vs.destination.hostPath, `VirtualService ${leg.vs.vs.r.namespace}/${leg.vs.vs.r.name} sends it from the sidecar to ${leg.vs.destination.host}${leg.gatewayPort ? `:${leg.gatewayPort}` : ''}`));
      if (leg.gw) steps.push(step(leg.resource, leg.gw.route.backendRefs[leg.gw.backendIndex].path, `${leg.gw.route.kind} ${leg.gw.route.r.namespace}/${leg.gw.route.r.name} sends it from the sidecar to ${leg.gw.route.backendRefs[leg.gw.backendIndex].name}${leg.gatewayPort ? `:${leg.gatewayPort}` : ''}`));
      const gwRes = leg.gateway.istio[0]?.r ?? leg.gateway.gwApi?.r;
      if (gwRes) steps.push(step(gwRes, ['metadata', 'name'], `${gwRes.kind} ${gwRes.namespace}/${gwRes.name} configures egress gateway ${leg.gateway.label}${leg.gateway.assumed ? ' (installed by Istio, not in the workspace)' : ''}`));
      if (!gatewayAllowed(reach, w, leg.gateway, leg.gatewayPort)) {
        return { ...base, outcome: 'blocked-networkpolicy', gateway: leg.gateway, steps, summary: `${w.id} → ${at}: routed to egress gateway ${leg.gateway.label}, but NetworkPolicy does not let ${w.id} reach the gateway.` };
      }
      const second = gatewayLegs(mesh, leg.gateway, h, leg.gatewayPort);
      if (second.length === 0) {
        return { ...base, outcome: 'blocked-at-gateway', gateway: leg.gateway, steps, summary: `${w.id} → ${at}: routed to egress gateway ${leg.gateway.label}, which has no route onward to ${h}: the request fails there.` };
      }
      steps.push(...second.map((s) => step(s.resource, s.path, s.text)));
      // The gateway's own L7 rules: AuthorizationPolicies on its pods.
      const authz = gatewayAuthorization(mesh, leg.gateway, h);
      if (authz) {
        steps.push(step(authz.policy.r, authz.path, authz.text));
        if (!authz.allowed) return { ...base, outcome: 'blocked-at-gateway', gateway: leg.gateway, steps, summary: `${w.id} → ${at}: routed to egress gateway ${leg.gateway.label}, whose AuthorizationPolicy refuses ${h}.` };
      }
      const direct = directAllowed(reach, w, h, port);
      return {
        ...base,
        outcome: 'via-gateway',
        gateway: leg.gateway,
        steps,
        summary: `${w.id} → ${at}: through egress gateway ${leg.gateway.label}${direct ? '; NetworkPolicy would also let it go direct (the gateway can be bypassed)' : ', and only through it: NetworkPolicy blocks the direct path'}.`,
      };
    }
    const entries = serviceEntriesFor(mesh, h, w.namespace, port);
    const ob = outboundFor(mesh, w);
    const steps: PathStep[] = entries.map((e) => step(e.r, e.hosts[0]?.path ?? ['metadata', 'name'], `ServiceEntry ${e.r.namespace}/${e.r.name} registers ${h}`));
    if (entries.length === 0 && ob.mode === 'REGISTRY_ONLY') {
      if (ob.sidecar?.modePath) steps.push(step(ob.sidecar.r, ob.sidecar.modePath, `Sidecar ${ob.sidecar.r.namespace}/${ob.sidecar.r.name} sets REGISTRY_ONLY`));
      else if (ob.source && ob.source !== 'setting') steps.push(step(ob.source.r, ob.source.path, `${ob.source.r.kind} ${ob.source.r.namespace ? `${ob.source.r.namespace}/` : ''}${ob.source.r.name} sets REGISTRY_ONLY for the mesh`));
      return { ...base, outcome: 'blocked-registry-only', steps, summary: `${w.id} → ${at}: dropped by the sidecar: the outbound traffic policy is REGISTRY_ONLY${ob.source === 'setting' ? ' (setting istio.outboundTrafficPolicy)' : ''} and no ServiceEntry registers ${h}.` };
    }
    if (!directAllowed(reach, w, h, port)) return { ...base, outcome: 'blocked-networkpolicy', steps, summary: `${w.id} → ${at}: the sidecar lets it out (${entries.length ? 'registered by a ServiceEntry' : 'ALLOW_ANY'}), but NetworkPolicy blocks egress to it.` };
    return { ...base, outcome: 'direct', steps, summary: `${w.id} → ${at}: direct from the sidecar (${entries.length ? 'registered by a ServiceEntry' : `outbound policy ${ob.mode}`}); no egress gateway on the path.` };
  }
  if (!directAllowed(reach, w, h, port)) return { ...base, outcome: 'blocked-networkpolicy', steps: [], summary: `${w.id} → ${at}: blocked by NetworkPolicy (${w.id} has no sidecar, so mesh routes do not apply).` };
  return { ...base, outcome: 'direct', steps: [], summary: `${w.id} → ${at}: direct; ${w.id} has no sidecar, so mesh routes and egress gateways do not apply.` };
}

/** The egress gateways of the mesh that route to some external host, with the hosts. */
export function gatewayHosts(mesh: Mesh): { gateway: GatewayDeployment; hosts: string[] }[] {
  const out = new Map<GatewayDeployment, Set<string>>();
  const add = (g: GatewayDeployment | undefined, h: string) => {
    if (!g) return;
    let s = out.get(g);
    if (!s) out.set(g, (s = new Set()));
    s.add(normalizeHost(h));
  };
  for (const vs of mesh.virtualServices) {
    for (const route of vs.routes) {
      if (!routeGateways(vs, route).includes('mesh')) continue;
      for (const d of route.destinations) {
        const g = deploymentOfService(mesh, d.host, vs.r.namespace);
        if (g) for (const h of vs.hosts) add(g, h.value);
      }
    }
  }
  for (const route of mesh.routes) {
    for (const p of route.parentRefs) {
      if (p.kind !== 'ServiceEntry') continue;
      const se = mesh.serviceEntries.find((e) => e.r.namespace === p.namespace && e.r.name === p.name);
      for (const b of route.backendRefs) {
        const g = b.kind === 'Service' ? deploymentOfService(mesh, `${b.name}.${b.namespace}.svc.cluster.local`, route.r.namespace) : undefined;
        if (g && se) for (const h of se.hosts) add(g, h.value);
      }
    }
  }
  return [...out.entries()].map(([gateway, hosts]) => ({ gateway, hosts: [...hosts].sort() }));
}
