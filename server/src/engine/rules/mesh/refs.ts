/** Shared helpers for the Istio and Gateway API rules: naming resources and pointing at them. */
import { nameSpan, spanAt } from '../../model/anchor';
import type { Resource } from '../../model/resources';
import type { YamlPath } from '../../parse/locate';
import type { Fix, RelatedInfo } from '../../types';
import { addResource } from '../../fixes/new-resource';
import { resourceAt } from '../lookup';
import type { FixContext } from '../rule';
import { routeGateways, routePorts, type At, type RouteDestination, type VirtualService, type VsRoute } from '../../mesh/istio';
import { boundGateway, deploymentOfService, isExternalHost, qualifyHost, type GatewayDeployment, type Mesh } from '../../mesh/mesh';
import { gatewayLegs } from '../../mesh/paths';

export { kindName } from '../../model/resources';

/** Related information pointing at a resource (its name, or a value inside it). */
export function relatedTo(r: Resource, message: string, path?: YamlPath): RelatedInfo {
  return { uri: r.uri, span: path ? spanAt(r, path) : nameSpan(r), message };
}

/** The `gateways:` entries of a VirtualService (its own and its matches'), each named once by the Gateway it means, in order. */
export function gatewayRefs(vs: VirtualService): { full: string; refs: At[] }[] {
  const byName = new Map<string, At[]>();
  for (const ref of [...vs.gateways, ...vs.routes.flatMap((r) => r.matches.flatMap((m) => m.gateways ?? []))]) {
    if (ref.value === 'mesh') continue;
    const full = ref.value.includes('/') ? ref.value : `${vs.r.namespace}/${ref.value}`;
    const l = byName.get(full);
    if (l) l.push(ref);
    else byName.set(full, [ref]);
  }
  return [...byName].map(([full, refs]) => ({ full, refs }));
}

/** The Gateways a VirtualService names that are not in the workspace (neither an Istio nor a Gateway API Gateway). */
export function missingGateways(mesh: Mesh, vs: VirtualService): { full: string; refs: At[] }[] {
  return gatewayRefs(vs).filter((g) => !boundGateway(mesh, g.refs[0].value, vs.r.namespace));
}

/** A mesh leg of a VirtualService that sends an external host to an egress gateway which has no route onward for it. */
export interface DeadEndLeg {
  host: At;
  destination: RouteDestination;
  route: VsRoute;
  gateway: GatewayDeployment;
  port?: number;
}

export function deadEndLegs(mesh: Mesh, vs: VirtualService): DeadEndLeg[] {
  const out: DeadEndLeg[] = [];
  for (const route of vs.routes) {
    if (!routeGateways(vs, route).includes('mesh')) continue;
    for (const d of route.destinations) {
      const gw = deploymentOfService(mesh, d.host, vs.r.namespace);
      if (!gw) continue;
      const ports = routePorts(route, 'mesh', vs);
      const port = d.port ?? (ports?.length === 1 ? ports[0] : undefined);
      for (const h of vs.hosts) {
        if (!isExternalHost(mesh, h.value, vs.r.namespace) || gatewayLegs(mesh, gw, qualifyHost(h.value, vs.r.namespace), port).length > 0) continue;
        out.push({ host: h, destination: d, route, gateway: gw, port });
      }
    }
  }
  return out;
}

function portSpec(port: number | undefined, tls: boolean): { number: number; name: string; protocol: string } {
  const p = port ?? (tls ? 443 : 80);
  if (tls || p === 443) return { number: p, name: `tls-${p}`, protocol: 'TLS' };
  return { number: p, name: `http-${p}`, protocol: 'HTTP' };
}

/** The fix that registers an external host: a MESH_EXTERNAL ServiceEntry (DNS, or NONE for a wildcard) on the port the route uses. */
export function addServiceEntry(ctx: FixContext, host: string, port: number | undefined, tls: boolean, safety: 'safe' | 'unsafe', title: string): Fix[] {
  const r = resourceAt(ctx, ctx.finding);
  if (!r) return [];
  const taken = new Set(ctx.mesh.serviceEntries.filter((s) => s.r.namespace === r.namespace).map((s) => s.r.name));
  let name = host.replace(/^\*\./, 'wildcard-').replace(/[^a-z0-9-]+/gi, '-').toLowerCase().replace(/^-+|-+$/g, '').slice(0, 60) || 'external';
  for (let i = 2; taken.has(name); i++) name = `${name.replace(/-\d+$/, '')}-${i}`;
  const se = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, ...(r.namespaceExplicit ? { namespace: r.namespace } : {}) },
    spec: { hosts: [host], ports: [portSpec(port, tls)], resolution: host.includes('*') ? 'NONE' : 'DNS', location: 'MESH_EXTERNAL' },
  };
  return [{ title, safety, edits: [addResource(ctx.file, r, se, ctx.config)] }];
}
