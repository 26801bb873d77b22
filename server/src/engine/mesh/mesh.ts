/**
 * The service mesh as the workspace describes it: Istio's traffic resources and the Gateway API, which
 * workloads carry a sidecar, which outbound policy applies to them, and which pods are egress gateways
 * (those of the workspace, or the ones Istio installs, assumed when the workspace does not declare them).
 */
import { parse as parseYaml } from 'yaml';
import type { EngineConfig } from '../config';
import type { Namespace } from '../model/resources';
import type { Resource } from '../model/resources';
import { matches, readSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import { normalizeHost } from '../sets/hosts';
import { sameList } from '../memo';
import { GATEWAY_API, isRoute, readGwGateway, readReferenceGrant, readRoute, type GwGateway, type GwRoute, type ReferenceGrant } from './gateway-api';
import {
  ISTIO_NETWORKING,
  ISTIO_SECURITY,
  readAuthorizationPolicy,
  readDestinationRule,
  readIstioGateway,
  readMeshConfig,
  readServiceEntry,
  readSidecar,
  readVirtualService,
  routeGateways,
  type AuthorizationPolicy,
  type DestinationRule,
  type IstioGateway,
  type MeshConfigSource,
  type OutboundMode,
  type ServiceEntry,
  type Sidecar,
  type VirtualService,
} from './istio';

export const CLUSTER_DOMAIN = 'svc.cluster.local';
/** Where Istio's control plane and its default gateways live. */
export const ISTIO_ROOT_NAMESPACE = 'istio-system';
const DEFAULT_EGRESS_SELECTOR = { istio: 'egressgateway' };

/** Pods that run an egress gateway, and the Service in front of them. */
export interface GatewayDeployment {
  /** The Istio Gateways that configure these pods, or the Gateway API Gateway they were made for. */
  istio: IstioGateway[];
  gwApi?: GwGateway;
  namespace: string;
  workloads: Workload[];
  /** True when Istio would create these pods and the workspace does not declare them. */
  assumed: boolean;
  /** The Service's host names (`name.ns.svc.cluster.local`). */
  serviceHosts: string[];
  /** Service port → container port. */
  targetPorts: Map<number, number>;
  /** How to name it: `istio-system/istio-egressgateway`. */
  label: string;
}

export interface Mesh {
  /** Whether the workspace uses Istio or the Gateway API at all (the EL2xx/EL3xx rules are quiet otherwise). */
  istioPresent: boolean;
  serviceEntries: ServiceEntry[];
  gateways: IstioGateway[];
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  sidecars: Sidecar[];
  authorizationPolicies: AuthorizationPolicy[];
  meshConfig: MeshConfigSource[];
  gwGateways: GwGateway[];
  routes: GwRoute[];
  referenceGrants: ReferenceGrant[];
  /** Kubernetes Services by host name (`name.ns.svc.cluster.local`). */
  services: Map<string, Resource>;
  /** Gateway pods, real or assumed. */
  deployments: GatewayDeployment[];
  /** Workloads the reachability must know although the workspace does not declare them. */
  assumedWorkloads: Workload[];
  /** Ids of the assumed workloads that stand for any pod of a namespace that declares none. */
  representatives: Set<string>;
  /** Namespaces those assumed workloads live in, when the workspace does not declare them. */
  assumedNamespaces: Namespace[];
  /** The mesh-wide outbound traffic policy and where it is written (undefined: Istio's default, ALLOW_ANY). */
  outbound: { mode: OutboundMode; source?: MeshConfigSource | 'setting' };
}

const assumedKey = (id: string, labels: Record<string, string>, ports: readonly number[]): string => JSON.stringify([id, labels, ports]);

/**
 * Assumed workloads by what they are, taken from the previous analysis's mesh: the same one is the same
 * object across analyses, so what it selects can be kept.
 */
function assumedMaker(previous: Mesh | undefined): (id: string, namespace: string, name: string, labels: Record<string, string>, ports: number[]) => Workload {
  const before = new Map<string, Workload>();
  for (const w of previous?.assumedWorkloads ?? []) before.set(assumedKey(w.id, w.labels, w.ports.map((p) => p.port)), w);
  return (id, namespace, name, labels, ports) =>
    before.get(assumedKey(id, labels, ports)) ?? { id, kind: 'assumed', name, namespace, labels, ports: ports.map((port) => ({ port, protocol: 'TCP' })), hostNetwork: false, resources: [] };
}

/**
 * Istio's host matching: `*` is every host, `*.example.com` every name ending in `.example.com` (any
 * depth), and a wildcard covers a narrower wildcard.
 */
export function istioHostCovers(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  if (p === '*' || p === h) return true;
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(1);
  return h.endsWith(suffix) && h.length > suffix.length;
}

/** `host` as Istio reads it in a resource of namespace `ns`: short names are services of that namespace. */
export function qualifyHost(host: string, ns: string): string {
  const h = normalizeHost(host);
  if (h.includes('*') || h.includes('.')) return h;
  return `${h}.${ns}.${CLUSTER_DOMAIN}`;
}

/** `name.ns.svc.cluster.local` (or `name.ns.svc`) → the service's namespace and name. */
export function serviceOfHost(host: string): { namespace: string; name: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(normalizeHost(host));
  return m ? { name: m[1], namespace: m[2] } : undefined;
}

/** Whether a resource with `exportTo` (default: everywhere) is visible from a namespace. */
export function visibleFrom(exportTo: readonly string[], own: string, ns: string): boolean {
  if (exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || e === ns || (e === '.' && own === ns));
}

export function isIstioResource(r: Resource): boolean {
  return r.group === ISTIO_NETWORKING || r.group === ISTIO_SECURITY || r.group === 'install.istio.io';
}

/** The mesh of the model's mesh resources; `previous` (the last analysis's mesh) lends its assumed workloads. */
export function buildMesh(resources: readonly Resource[], workloads: readonly Workload[], namespaces: ReadonlyMap<string, Namespace>, config: EngineConfig, previous?: Mesh): Mesh {
  const workloadFor = assumedMaker(previous);
  // What its resources say is kept while they are the same objects; the gateway pods are placed again.
  const before = previous && readFrom.get(previous);
  const m = before && before.config === config && sameList(before.resources, resources) ? { ...previous!, deployments: [], assumedWorkloads: [], representatives: new Set<string>(), assumedNamespaces: [] } : readMeshResources(resources, config);
  readFrom.set(m, { resources, config });
  placeGateways(m, workloads, namespaces, config, workloadFor);
  return m;
}

/** The resources and configuration a mesh was read from. */
const readFrom = new WeakMap<Mesh, { resources: readonly Resource[]; config: EngineConfig }>();

/** The mesh its resources describe, without the gateway pods. */
function readMeshResources(resources: readonly Resource[], config: EngineConfig): Mesh {
  const m: Mesh = {
    istioPresent: false,
    serviceEntries: [],
    gateways: [],
    virtualServices: [],
    destinationRules: [],
    sidecars: [],
    authorizationPolicies: [],
    meshConfig: [],
    gwGateways: [],
    routes: [],
    referenceGrants: [],
    services: new Map(),
    deployments: [],
    assumedWorkloads: [],
    representatives: new Set(),
    assumedNamespaces: [],
    outbound: { mode: 'ALLOW_ANY' },
  };
  for (const r of resources) {
    if (r.group === ISTIO_NETWORKING) {
      m.istioPresent = true;
      if (r.kind === 'ServiceEntry') m.serviceEntries.push(readServiceEntry(r));
      else if (r.kind === 'Gateway') m.gateways.push(readIstioGateway(r));
      else if (r.kind === 'VirtualService') m.virtualServices.push(readVirtualService(r));
      else if (r.kind === 'DestinationRule') m.destinationRules.push(readDestinationRule(r));
      else if (r.kind === 'Sidecar') m.sidecars.push(readSidecar(r));
    } else if (r.group === ISTIO_SECURITY) {
      m.istioPresent = true;
      if (r.kind === 'AuthorizationPolicy') m.authorizationPolicies.push(readAuthorizationPolicy(r));
    } else if (r.group === GATEWAY_API) {
      if (r.kind === 'Gateway') m.gwGateways.push(readGwGateway(r));
      else if (r.kind === 'ReferenceGrant') m.referenceGrants.push(readReferenceGrant(r));
      else if (isRoute(r)) m.routes.push(readRoute(r));
    } else if (r.group === '' && r.kind === 'Service' && r.name) {
      m.services.set(`${r.name}.${r.namespace}.${CLUSTER_DOMAIN}`, r);
    }
    if (r.group === 'install.istio.io' || (r.kind === 'ConfigMap' && r.group === '')) {
      const mc = readMeshConfig(r, (t) => parseYaml(t, { maxAliasCount: 100 }));
      if (mc) {
        m.istioPresent = true;
        m.meshConfig.push(mc);
      }
    }
  }
  if (m.gwGateways.some((g) => g.className === 'istio') || m.routes.some((r) => r.parentRefs.some((p) => p.group === ISTIO_NETWORKING))) m.istioPresent = true;
  const written = m.meshConfig.find((c) => c.mode !== undefined);
  m.outbound = config.istio.outboundTrafficPolicy ? { mode: config.istio.outboundTrafficPolicy, source: 'setting' } : written ? { mode: written.mode!, source: written } : { mode: 'ALLOW_ANY' };
  return m;
}

/** The gateway pods of the mesh (found among the workloads, or assumed), and the namespaces they imply. */
function placeGateways(m: Mesh, workloads: readonly Workload[], namespaces: ReadonlyMap<string, Namespace>, config: EngineConfig, workloadFor: ReturnType<typeof assumedMaker>): void {

  // Egress gateway pods: those an Istio Gateway selects (in any namespace, as Istio does by default), or
  // the ones the default installation creates, assumed when the workspace does not declare them.
  const assumedNs = new Set<string>();
  const gwSelector = config.istio.egressGatewaySelector ?? DEFAULT_EGRESS_SELECTOR;
  const gwNamespace = config.istio.egressGatewayNamespace ?? ISTIO_ROOT_NAMESPACE;
  const byPods = new Map<string, GatewayDeployment>();
  for (const g of m.gateways) {
    if (!g.hasSelector || Object.keys(g.selector).length === 0) continue;
    const sel = readSelector({ matchLabels: g.selector });
    const pods = workloads.filter((w) => matches(sel, w.labels));
    let key: string;
    let dep: GatewayDeployment | undefined;
    if (pods.length > 0) {
      key = pods.map((w) => w.id).join(',');
      dep = byPods.get(key);
      if (!dep) {
        const services = [...m.services.entries()].filter(([, s]) => {
          if (s.namespace !== pods[0].namespace) return false;
          const ss = s.obj.spec as Record<string, unknown> | undefined;
          const sel2 = ss && typeof ss.selector === 'object' && ss.selector ? (ss.selector as Record<string, string>) : undefined;
          return sel2 && Object.keys(sel2).length > 0 && pods.some((w) => Object.entries(sel2).every(([k, v]) => w.labels[k] === String(v)));
        });
        const targetPorts = new Map<number, number>();
        for (const [, s] of services) {
          const ports = (s.obj.spec as { ports?: unknown[] } | undefined)?.ports ?? [];
          for (const p of ports as { port?: unknown; targetPort?: unknown }[]) {
            if (typeof p?.port !== 'number') continue;
            targetPorts.set(p.port, typeof p.targetPort === 'number' ? p.targetPort : p.port);
          }
        }
        dep = { istio: [], namespace: pods[0].namespace, workloads: pods, assumed: false, serviceHosts: services.map(([h]) => h), targetPorts, label: `${pods[0].namespace}/${pods[0].name}` };
        byPods.set(key, dep);
        m.deployments.push(dep);
      }
    } else if (Object.entries(gwSelector).every(([k, v]) => g.selector[k] === v) && Object.keys(g.selector).length === Object.keys(gwSelector).length) {
      key = 'assumed:istio-egressgateway';
      dep = byPods.get(key);
      if (!dep) {
        const name = 'istio-egressgateway';
        const w = workloadFor(`${gwNamespace}/${name}[assumed]`, gwNamespace, name, { ...gwSelector, app: name }, [8080, 8443]);
        dep = { istio: [], namespace: gwNamespace, workloads: [w], assumed: true, serviceHosts: [`${name}.${gwNamespace}.${CLUSTER_DOMAIN}`], targetPorts: new Map([[80, 8080], [443, 8443]]), label: `${gwNamespace}/${name}` };
        byPods.set(key, dep);
        m.deployments.push(dep);
        m.assumedWorkloads.push(w);
        assumedNs.add(gwNamespace);
      }
    }
    dep?.istio.push(g);
  }
  // Gateway API Gateways of class istio: Istio deploys `<name>-istio` (pods and Service) in the Gateway's namespace.
  for (const g of m.gwGateways) {
    if (g.className !== 'istio') continue;
    const name = `${g.r.name}-istio`;
    const label = { 'gateway.networking.k8s.io/gateway-name': g.r.name };
    const pods = workloads.filter((w) => w.namespace === g.r.namespace && w.labels['gateway.networking.k8s.io/gateway-name'] === g.r.name);
    const ports = [...new Set(g.listeners.map((l) => l.port).filter((p): p is number => p !== undefined))];
    const assumed = pods.length === 0;
    const ws = assumed ? [workloadFor(`${g.r.namespace}/${name}[assumed]`, g.r.namespace, name, label, ports)] : pods;
    if (assumed) {
      m.assumedWorkloads.push(ws[0]);
      assumedNs.add(g.r.namespace);
    }
    m.deployments.push({ istio: [], gwApi: g, namespace: g.r.namespace, workloads: ws, assumed, serviceHosts: [`${name}.${g.r.namespace}.${CLUSTER_DOMAIN}`], targetPorts: new Map(ports.map((p) => [p, p])), label: `${g.r.namespace}/${name}` });
  }
  // A namespace that routes egress but declares no workload stands for the pods that will run there.
  const routing = new Set([...m.virtualServices.map((v) => v.r.namespace), ...m.routes.map((r) => r.r.namespace)]);
  const withWorkloads = routing.size > 0 ? new Set(workloads.map((w) => w.namespace)) : new Set<string>();
  for (const ns of [...routing].sort()) {
    if (withWorkloads.has(ns) || assumedNs.has(ns)) continue;
    m.assumedWorkloads.push(workloadFor(`${ns}/any-pod[assumed]`, ns, 'any-pod', {}, []));
    m.representatives.add(`${ns}/any-pod[assumed]`);
  }
  for (const ns of assumedNs) if (!namespaces.has(ns)) m.assumedNamespaces.push({ name: ns, labels: { 'kubernetes.io/metadata.name': ns } });
}

/** Whether a workload carries an Istio sidecar: by its namespace's injection label or its own label/annotation. */
export function isMeshed(w: Workload, namespaces: ReadonlyMap<string, Namespace>): boolean {
  const podLabel = w.labels['sidecar.istio.io/inject'];
  const ann = w.resources[0] ? podAnnotation(w.resources[0], 'sidecar.istio.io/inject') : undefined;
  const pod = podLabel ?? ann;
  if (pod === 'false') return false;
  if (pod === 'true') return true;
  const ns = namespaces.get(w.namespace)?.labels ?? {};
  if (ns['istio-injection'] === 'disabled') return false;
  return ns['istio-injection'] === 'enabled' || ns['istio.io/rev'] !== undefined;
}

/** An annotation of a workload's pods (its pod template's, or the Pod's own). */
export function podAnnotation(r: Resource, key: string): string | undefined {
  const spec = r.obj.spec as Record<string, unknown> | undefined;
  const tmpl = r.kind === 'Pod' ? r.obj : (spec?.template as Record<string, unknown> | undefined);
  const meta = tmpl?.metadata as { annotations?: Record<string, unknown> } | undefined;
  const v = meta?.annotations?.[key];
  return v === undefined ? undefined : String(v);
}

/** The outbound traffic policy a workload's sidecar applies, and what decides it. */
export function outboundFor(mesh: Mesh, w: { namespace: string; labels: Record<string, string> }): { mode: OutboundMode; sidecar?: Sidecar; source?: MeshConfigSource | 'setting' } {
  const inNs = mesh.sidecars.filter((s) => s.r.namespace === w.namespace);
  const specific = inNs.find((s) => s.selector && Object.entries(s.selector).every(([k, v]) => w.labels[k] === v));
  const sidecar = specific ?? inNs.find((s) => !s.selector) ?? mesh.sidecars.find((s) => s.r.namespace === ISTIO_ROOT_NAMESPACE && !s.selector);
  if (sidecar?.mode) return { mode: sidecar.mode, sidecar };
  return { mode: mesh.outbound.mode, sidecar, source: mesh.outbound.source };
}

/** ServiceEntries visible from a namespace that register a host (and, when given, a port). */
export function serviceEntriesFor(mesh: Mesh, host: string, ns: string, port?: number): ServiceEntry[] {
  return mesh.serviceEntries.filter(
    (se) => visibleFrom(se.exportTo, se.r.namespace, ns) && se.hosts.some((h) => istioHostCovers(qualifyHost(h.value, se.r.namespace), host)) && (port === undefined || se.ports.length === 0 || se.ports.some((p) => p.number === port)),
  );
}

/** Whether a host is outside the cluster: registered as MESH_EXTERNAL, or not a cluster service name. */
export function isExternalHost(mesh: Mesh, host: string, ns: string): boolean {
  const h = qualifyHost(host, ns);
  const entries = serviceEntriesFor(mesh, h, ns);
  if (entries.some((e) => e.location === 'MESH_EXTERNAL')) return true;
  if (entries.length > 0) return false;
  if (h === '*' || serviceOfHost(h) || h.endsWith('.cluster.local') || h.endsWith('.svc') || !h.includes('.')) return false;
  return true;
}

/** The gateway deployment a destination host names (its Service), if any. */
export function deploymentOfService(mesh: Mesh, host: string, ns: string): GatewayDeployment | undefined {
  const h = qualifyHost(host, ns);
  return mesh.deployments.find((d) => d.serviceHosts.includes(h));
}

/** The Istio Gateway a VirtualService's `gateways:` entry names (`ns/name`, or a name in the VirtualService's namespace). */
export function gatewayByRef(mesh: Mesh, ref: string, vsNamespace: string): IstioGateway | undefined {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vsNamespace, ref];
  return mesh.gateways.find((g) => g.r.namespace === ns && g.r.name === name);
}

/** The Gateway API Gateway a VirtualService's `gateways:` entry names, when no Istio Gateway has that name (Istio accepts both). */
export function gwGatewayByRef(mesh: Mesh, ref: string, vsNamespace: string): GwGateway | undefined {
  const [ns, name] = ref.includes('/') ? ref.split('/', 2) : [vsNamespace, ref];
  return mesh.gwGateways.find((g) => g.r.namespace === ns && g.r.name === name);
}

/** What a `gateways:` entry of a VirtualService binds to: an Istio Gateway, else a Gateway API Gateway, else nothing. */
export type BoundGateway = { kind: 'istio'; gateway: IstioGateway; r: Resource } | { kind: 'gateway-api'; gateway: GwGateway; r: Resource };

export function boundGateway(mesh: Mesh, ref: string, vsNamespace: string): BoundGateway | undefined {
  const g = gatewayByRef(mesh, ref, vsNamespace);
  if (g) return { kind: 'istio', gateway: g, r: g.r };
  const k = gwGatewayByRef(mesh, ref, vsNamespace);
  return k ? { kind: 'gateway-api', gateway: k, r: k.r } : undefined;
}

/**
 * The gateway deployments that carry egress: those a mesh route sends traffic to (a VirtualService bound to
 * `mesh`, or a Gateway API route from a ServiceEntry), and those selected as egress gateways by their labels
 * (the configured egress gateway selector; Istio's default `istio: egressgateway`).
 */
export function egressDeployments(mesh: Mesh, config: EngineConfig): Set<GatewayDeployment> {
  const out = new Set<GatewayDeployment>();
  const selector = config.istio.egressGatewaySelector ?? DEFAULT_EGRESS_SELECTOR;
  for (const d of mesh.deployments) {
    if (d.assumed && d.istio.length > 0) out.add(d);
    else if (d.istio.some((g) => Object.entries(selector).every(([k, v]) => g.selector[k] === v))) out.add(d);
  }
  for (const vs of mesh.virtualServices) {
    for (const route of vs.routes) {
      if (!routeGateways(vs, route).includes('mesh')) continue;
      for (const d of route.destinations) {
        const dep = deploymentOfService(mesh, d.host, vs.r.namespace);
        if (dep) out.add(dep);
      }
    }
  }
  for (const route of mesh.routes) {
    if (!route.parentRefs.some((p) => p.group === ISTIO_NETWORKING && p.kind === 'ServiceEntry')) continue;
    for (const b of route.backendRefs) {
      const dep = b.kind === 'Service' && b.group === '' ? deploymentOfService(mesh, `${b.name}.${b.namespace}.${CLUSTER_DOMAIN}`, route.r.namespace) : undefined;
      if (dep) out.add(dep);
    }
  }
  return out;
}

/** The deployment of the gateway a `gateways:` entry binds to, if the workspace knows it (or Istio would install it). */
export function deploymentOfBound(mesh: Mesh, g: BoundGateway): GatewayDeployment | undefined {
  return g.kind === 'istio' ? deploymentOfGateway(mesh, g.gateway) : mesh.deployments.find((d) => d.gwApi === g.gateway);
}

/** The deployment an Istio Gateway configures. */
export function deploymentOfGateway(mesh: Mesh, g: IstioGateway): GatewayDeployment | undefined {
  return mesh.deployments.find((d) => d.istio.includes(g));
}

/** Whether a Gateway server's host (with its optional namespace part) admits a VirtualService host. */
export function serverAdmits(server: { hosts: { namespace?: string; host: string }[] }, gatewayNs: string, vsNs: string, host: string): boolean {
  return server.hosts.some((sh) => {
    const nsOk = sh.namespace === undefined || sh.namespace === '*' || (sh.namespace === '.' ? vsNs === gatewayNs : sh.namespace === vsNs);
    if (!nsOk) return false;
    return istioHostCovers(sh.host, host);
  });
}
