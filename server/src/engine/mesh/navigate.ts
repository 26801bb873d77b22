/**
 * Editor features over the mesh: from a VirtualService's `gateways:` entry, a destination's `subset` or
 * host, and a route's `parentRefs` / `backendRefs` to what they name; and, on a VirtualService host, the
 * egress path the traffic takes.
 */
import { sameList } from '../memo';
import { nameSpan, spanAt } from '../model/anchor';
import type { Resource } from '../model/resources';
import type { YamlPath } from '../parse/locate';
import type { Reachability } from '../reach/reachability';
import type { Span } from '../types';
import { GATEWAY_API, readRoute } from './gateway-api';
import { ISTIO_NETWORKING, readVirtualService, type VirtualService } from './istio';
import { boundGateway, deploymentOfService, isExternalHost, isMeshed, istioHostCovers, outboundFor, qualifyHost, serviceEntriesFor, visibleFrom, type Mesh } from './mesh';
import { directAllowed, gatewayLegs, meshLegs } from './paths';

export interface MeshTarget {
  uri: string;
  /** The whole object (or entry). */
  span: Span;
  /** What to select: its name. */
  selection: Span;
}

function whole(r: Resource): MeshTarget {
  const node = r.doc.doc.getIn(r.path, true) as { range?: [number, number, number] } | undefined;
  const span = r.path.length === 0 ? r.doc.span : node?.range ? { start: node.range[0], end: node.range[1] } : r.doc.span;
  return { uri: r.uri, span, selection: nameSpan(r) };
}

function entry(r: Resource, path: YamlPath, name: YamlPath): MeshTarget {
  return { uri: r.uri, span: spanAt(r, path), selection: spanAt(r, name) };
}

const isVs = (r: Resource) => r.group === ISTIO_NETWORKING && r.kind === 'VirtualService';
const isRouteRes = (r: Resource) => r.group === GATEWAY_API && ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'].includes(r.kind);

/** Resources registering or serving a destination host (ServiceEntries, the gateway's Gateway, a Service). */
function hostTargets(mesh: Mesh, host: string, ns: string): MeshTarget[] {
  const h = qualifyHost(host, ns);
  const out: MeshTarget[] = serviceEntriesFor(mesh, h, ns).map((e) => whole(e.r));
  const gw = deploymentOfService(mesh, h, ns);
  if (gw) for (const g of gw.istio) out.push(whole(g.r));
  if (gw?.gwApi) out.push(whole(gw.gwApi.r));
  const svc = mesh.services.get(h);
  if (svc) out.push(whole(svc));
  return out;
}

/** Where a mesh reference at `path` in resource `r` leads. */
export function meshDefinition(mesh: Mesh, r: Resource, path: YamlPath): MeshTarget[] {
  if (isVs(r)) {
    const vs = readVirtualService(r);
    const ref = [...vs.gateways, ...vs.routes.flatMap((x) => x.matches.flatMap((m) => m.gateways ?? []))].find((g) => sameList(g.path, path));
    if (ref) {
      // An Istio Gateway, or a Gateway API Gateway of that name.
      const g = ref.value === 'mesh' ? undefined : boundGateway(mesh, ref.value, r.namespace);
      return g ? [whole(g.r)] : [];
    }
    for (const route of vs.routes) {
      for (const d of [...route.destinations, ...route.mirrors]) {
        if (d.subsetPath && sameList(d.subsetPath, path)) {
          const host = qualifyHost(d.host, r.namespace);
          const out: MeshTarget[] = [];
          for (const dr of mesh.destinationRules) {
            if (!dr.host || !visibleFrom(dr.exportTo, dr.r.namespace, r.namespace) || !istioHostCovers(qualifyHost(dr.host, dr.r.namespace), host)) continue;
            for (const s of dr.subsets) if (s.name === d.subset) out.push(entry(dr.r, s.path, [...s.path, 'name']));
          }
          return out;
        }
        if (sameList(d.hostPath, path)) return hostTargets(mesh, d.host, r.namespace);
      }
    }
    const h = vs.hosts.find((x) => sameList(x.path, path));
    return h ? serviceEntriesFor(mesh, qualifyHost(h.value, r.namespace), r.namespace).map((e) => whole(e.r)) : [];
  }
  if (isRouteRes(r)) {
    const route = readRoute(r);
    const parent = route.parentRefs.find((p) => startsWithPath(path, p.path));
    if (parent) {
      if (parent.group === GATEWAY_API && parent.kind === 'Gateway') {
        const g = mesh.gwGateways.find((x) => x.r.name === parent.name && x.r.namespace === parent.namespace);
        if (!g) return [];
        const l = parent.sectionName ? g.listeners.find((x) => x.name === parent.sectionName) : undefined;
        return [l ? entry(g.r, l.path, [...l.path, 'name']) : whole(g.r)];
      }
      if (parent.kind === 'ServiceEntry') return mesh.serviceEntries.filter((e) => e.r.name === parent.name && e.r.namespace === parent.namespace).map((e) => whole(e.r));
      if (parent.kind === 'Service') {
        const svc = mesh.services.get(`${parent.name}.${parent.namespace}.svc.cluster.local`);
        return svc ? [whole(svc)] : [];
      }
      return [];
    }
    const backend = route.backendRefs.find((b) => startsWithPath(path, b.path));
    if (backend) {
      if (backend.kind === 'Hostname') return hostTargets(mesh, backend.name, r.namespace);
      if (backend.kind === 'Service') return hostTargets(mesh, `${backend.name}.${backend.namespace}.svc.cluster.local`, r.namespace);
    }
  }
  return [];
}

function startsWithPath(path: YamlPath, prefix: YamlPath): boolean {
  return path.length >= prefix.length && prefix.every((x, i) => x === path[i]);
}

type Link = (uri: string, span: Span) => string;

function ref(link: Link, r: Resource, path: YamlPath = ['metadata', 'name']): string {
  return `[${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}](${link(r.uri, spanAt(r, path))})`;
}

/** Markdown for a VirtualService host: where traffic from the sidecars to it goes, port by port. */
export function hostPathHover(mesh: Mesh, reach: Reachability, r: Resource, path: YamlPath, link: Link): string | undefined {
  if (!isVs(r)) return undefined;
  const vs: VirtualService = readVirtualService(r);
  const h = vs.hosts.find((x) => sameList(x.path, path));
  if (!h) return undefined;
  const host = qualifyHost(h.value, r.namespace);
  const lines: string[] = [`**${h.value}**${isExternalHost(mesh, host, r.namespace) ? ' (outside the cluster)' : ''}`];
  const legs = meshLegs(mesh, host, r.namespace);
  if (legs.length === 0) {
    const entries = serviceEntriesFor(mesh, host, r.namespace);
    const ob = outboundFor(mesh, { namespace: r.namespace, labels: {} });
    lines.push('', `No egress gateway on the path: sidecars in ${r.namespace} send it direct.`);
    lines.push(entries.length ? `Registered by ${entries.map((e) => ref(link, e.r)).join(', ')}.` : `Not registered by any ServiceEntry${ob.mode === 'REGISTRY_ONLY' ? ': REGISTRY_ONLY drops it.' : ` (outbound policy ${ob.mode}).`}`);
    return lines.join('\n');
  }
  lines.push('');
  for (const leg of legs) {
    const ports = leg.ports ? `port ${leg.ports.join(', ')}` : 'every port';
    const first = leg.vs ? ref(link, leg.vs.vs.r, leg.vs.destination.hostPath) : ref(link, leg.resource, leg.hostPath);
    const onward = gatewayLegs(mesh, leg.gateway, host, leg.gatewayPort);
    lines.push(`- ${ports}: sidecar → egress gateway **${leg.gateway.label}**${leg.gatewayPort ? `:${leg.gatewayPort}` : ''} (${first})`);
    lines.push(onward.length ? `  → ${h.value} (${onward.map((o) => ref(link, o.resource, o.path)).join(', ')})` : `  → no route onward: requests fail at the gateway`);
  }
  // Who could go around it.
  const port = legs[0].ports?.length === 1 ? legs[0].ports[0] : undefined;
  const sources = reach.workloads.filter((w) => (w.namespace === r.namespace || (visibleFrom(vs.exportTo, r.namespace, w.namespace) && isMeshed(w, reach.model.namespaces))) && !legs.some((l) => l.gateway.workloads.includes(w)));
  const meshed = sources.filter((w) => isMeshed(w, reach.model.namespaces));
  const bypass = sources.filter((w) => directAllowed(reach, w, host, port));
  lines.push('', `${meshed.length} meshed workload${meshed.length === 1 ? '' : 's'} take${meshed.length === 1 ? 's' : ''} this path.`);
  lines.push(bypass.length ? `⚠ NetworkPolicy lets ${bypass.slice(0, 3).map((w) => w.id).join(', ')}${bypass.length > 3 ? ` and ${bypass.length - 3} more` : ''} reach ${h.value} directly: the gateway can be bypassed.` : 'NetworkPolicy blocks the direct path: only the gateway reaches it.');
  return lines.join('\n');
}
