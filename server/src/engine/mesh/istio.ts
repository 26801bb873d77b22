/**
 * Istio's traffic resources (networking.istio.io v1, v1beta1, v1alpha3; security.istio.io), read into
 * plain data with the path of every value a finding may point at. Nothing here decides anything.
 */
import type { YamlPath } from '../parse/locate';
import { isRecord, stringMap, type Resource } from '../model/resources';

export { ISTIO_NETWORKING, ISTIO_SECURITY } from '../model/resources';
import { ISTIO_NETWORKING } from '../model/resources';

/** A string somewhere in a resource, with its path (relative to the resource). */
export interface At<T = string> {
  value: T;
  path: YamlPath;
}

function strings(v: unknown, base: YamlPath): At[] {
  if (!Array.isArray(v)) return [];
  const out: At[] = [];
  v.forEach((x, i) => {
    if (typeof x === 'string' || typeof x === 'number') out.push({ value: String(x), path: [...base, i] });
  });
  return out;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function spec(r: Resource): Record<string, unknown> {
  return isRecord(r.obj.spec) ? r.obj.spec : {};
}

export function isIstio(r: Resource, kind: string): boolean {
  return r.group === ISTIO_NETWORKING && r.kind === kind;
}

// ---- ServiceEntry ------------------------------------------------------------------------------------

export interface ServiceEntryPort {
  number: number;
  name?: string;
  protocol?: string;
  targetPort?: number;
  path: YamlPath;
}

export interface ServiceEntry {
  r: Resource;
  hosts: At[];
  addresses: At[];
  ports: ServiceEntryPort[];
  location: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  locationPath?: YamlPath;
  resolution: string;
  resolutionPath?: YamlPath;
  exportTo: string[];
  hasWorkloadSelector: boolean;
  hasEndpoints: boolean;
  /** Addresses Istio allocated (`status.addresses`), as a cluster export shows them. */
  statusAddresses: number;
}

export function readServiceEntry(r: Resource): ServiceEntry {
  const s = spec(r);
  const ports: ServiceEntryPort[] = [];
  (Array.isArray(s.ports) ? s.ports : []).forEach((p, i) => {
    if (!isRecord(p)) return;
    const n = num(p.number);
    if (n === undefined) return;
    ports.push({ number: n, name: typeof p.name === 'string' ? p.name : undefined, protocol: typeof p.protocol === 'string' ? p.protocol.toUpperCase() : undefined, targetPort: num(p.targetPort), path: ['spec', 'ports', i] });
  });
  return {
    r,
    hosts: strings(s.hosts, ['spec', 'hosts']),
    addresses: strings(s.addresses, ['spec', 'addresses']),
    ports,
    location: s.location === 'MESH_INTERNAL' ? 'MESH_INTERNAL' : 'MESH_EXTERNAL',
    locationPath: s.location !== undefined ? ['spec', 'location'] : undefined,
    resolution: typeof s.resolution === 'string' ? s.resolution.toUpperCase() : 'NONE',
    resolutionPath: s.resolution !== undefined ? ['spec', 'resolution'] : undefined,
    exportTo: Array.isArray(s.exportTo) ? s.exportTo.map(String) : [],
    hasWorkloadSelector: isRecord(s.workloadSelector),
    hasEndpoints: Array.isArray(s.endpoints) && s.endpoints.length > 0,
    statusAddresses: isRecord(r.obj.status) && Array.isArray(r.obj.status.addresses) ? r.obj.status.addresses.length : 0,
  };
}

// ---- Gateway (networking.istio.io) ------------------------------------------------------------------

export interface GatewayServerHost {
  /** `ns/host`: the namespace part ('*' for any, '.' for the Gateway's own), or undefined. */
  namespace?: string;
  host: string;
  path: YamlPath;
}

export interface GatewayServer {
  index: number;
  port?: { number: number; name?: string; protocol?: string };
  portPath: YamlPath;
  hosts: GatewayServerHost[];
  tlsMode?: string;
  path: YamlPath;
}

export interface IstioGateway {
  r: Resource;
  selector: Record<string, string>;
  hasSelector: boolean;
  servers: GatewayServer[];
}

export function readIstioGateway(r: Resource): IstioGateway {
  const s = spec(r);
  const servers: GatewayServer[] = [];
  (Array.isArray(s.servers) ? s.servers : []).forEach((sv, i) => {
    if (!isRecord(sv)) return;
    const port = isRecord(sv.port) && num(sv.port.number) !== undefined ? { number: num(sv.port.number)!, name: typeof sv.port.name === 'string' ? sv.port.name : undefined, protocol: typeof sv.port.protocol === 'string' ? sv.port.protocol.toUpperCase() : undefined } : undefined;
    const hosts = strings(sv.hosts, ['spec', 'servers', i, 'hosts']).map((h) => {
      const slash = h.value.indexOf('/');
      return slash < 0 ? { host: h.value, path: h.path } : { namespace: h.value.slice(0, slash), host: h.value.slice(slash + 1), path: h.path };
    });
    servers.push({ index: i, port, portPath: ['spec', 'servers', i, 'port'], hosts, tlsMode: isRecord(sv.tls) && typeof sv.tls.mode === 'string' ? sv.tls.mode.toUpperCase() : undefined, path: ['spec', 'servers', i] });
  });
  return { r, selector: stringMap(s.selector), hasSelector: isRecord(s.selector), servers };
}

// ---- VirtualService ---------------------------------------------------------------------------------

export type RouteProtocol = 'http' | 'tls' | 'tcp';

export interface RouteMatch {
  /** Gateways this match is limited to (overrides the VirtualService's), if given. */
  gateways?: At[];
  port?: number;
  portPath?: YamlPath;
  sniHosts: At[];
  path: YamlPath;
}

export interface RouteDestination {
  host: string;
  hostPath: YamlPath;
  subset?: string;
  subsetPath?: YamlPath;
  port?: number;
  portPath?: YamlPath;
  path: YamlPath;
}

export interface VsRoute {
  protocol: RouteProtocol;
  index: number;
  path: YamlPath;
  matches: RouteMatch[];
  destinations: RouteDestination[];
  /** Where the route copies its traffic (`mirror`, `mirrors[].destination`): shadow traffic, never answered. */
  mirrors: RouteDestination[];
}

export interface VirtualService {
  r: Resource;
  hosts: At[];
  /** As written; when absent the VirtualService applies to `mesh` only. */
  gateways: At[];
  gatewaysWritten: boolean;
  routes: VsRoute[];
  exportTo: string[];
}

function readDestination(d: unknown, base: YamlPath): RouteDestination | undefined {
  if (!isRecord(d) || typeof d.host !== 'string') return undefined;
  const port = isRecord(d.port) ? num(d.port.number) : undefined;
  return {
    host: d.host,
    hostPath: [...base, 'host'],
    subset: typeof d.subset === 'string' ? d.subset : undefined,
    subsetPath: typeof d.subset === 'string' ? [...base, 'subset'] : undefined,
    port,
    portPath: port !== undefined ? [...base, 'port', 'number'] : undefined,
    path: base,
  };
}

export function readVirtualService(r: Resource): VirtualService {
  const s = spec(r);
  const routes: VsRoute[] = [];
  for (const protocol of ['http', 'tls', 'tcp'] as const) {
    (Array.isArray(s[protocol]) ? (s[protocol] as unknown[]) : []).forEach((rt, i) => {
      if (!isRecord(rt)) return;
      const path: YamlPath = ['spec', protocol, i];
      const matches: RouteMatch[] = [];
      (Array.isArray(rt.match) ? rt.match : []).forEach((m, j) => {
        if (!isRecord(m)) return;
        const mp: YamlPath = [...path, 'match', j];
        const port = num(m.port);
        matches.push({
          gateways: Array.isArray(m.gateways) ? strings(m.gateways, [...mp, 'gateways']) : undefined,
          port,
          portPath: port !== undefined ? [...mp, 'port'] : undefined,
          sniHosts: strings(m.sniHosts, [...mp, 'sniHosts']),
          path: mp,
        });
      });
      const destinations: RouteDestination[] = [];
      (Array.isArray(rt.route) ? rt.route : []).forEach((w, j) => {
        if (isRecord(w)) {
          const d = readDestination(w.destination, [...path, 'route', j, 'destination']);
          if (d) destinations.push(d);
        }
      });
      const mirrors: RouteDestination[] = [];
      const mirror = readDestination(rt.mirror, [...path, 'mirror']);
      if (mirror) mirrors.push(mirror);
      (Array.isArray(rt.mirrors) ? rt.mirrors : []).forEach((m, j) => {
        const d = isRecord(m) ? readDestination(m.destination, [...path, 'mirrors', j, 'destination']) : undefined;
        if (d) mirrors.push(d);
      });
      routes.push({ protocol, index: i, path, matches, destinations, mirrors });
    });
  }
  const gateways = strings(s.gateways, ['spec', 'gateways']);
  return { r, hosts: strings(s.hosts, ['spec', 'hosts']), gateways, gatewaysWritten: Array.isArray(s.gateways) && s.gateways.length > 0, routes, exportTo: Array.isArray(s.exportTo) ? s.exportTo.map(String) : [] };
}

/** The gateways a route applies to: its matches' own, else the VirtualService's (`mesh` when none). */
export function routeGateways(vs: VirtualService, route: VsRoute): string[] {
  const own = route.matches.flatMap((m) => (m.gateways ?? []).map((g) => g.value));
  const anyMatchWithout = route.matches.length === 0 || route.matches.some((m) => m.gateways === undefined);
  const vsLevel = vs.gatewaysWritten ? vs.gateways.map((g) => g.value) : ['mesh'];
  return [...new Set([...own, ...(anyMatchWithout ? vsLevel : [])])];
}

/** The ports a route matches for a gateway (undefined: every port). */
export function routePorts(route: VsRoute, gateway: string, vs: VirtualService): number[] | undefined {
  const vsLevel = vs.gatewaysWritten ? vs.gateways.map((g) => g.value) : ['mesh'];
  const relevant = route.matches.filter((m) => (m.gateways ? m.gateways.some((g) => g.value === gateway) : vsLevel.includes(gateway)));
  if (route.matches.length === 0 || relevant.some((m) => m.port === undefined)) return undefined;
  return [...new Set(relevant.map((m) => m.port!))];
}

// ---- DestinationRule --------------------------------------------------------------------------------

export interface TlsSettings {
  mode: string;
  modePath: YamlPath;
  /** The port it applies to (portLevelSettings), if any. */
  port?: number;
  hasCa: boolean;
  hasCredential: boolean;
  credentialPath?: YamlPath;
  insecureSkipVerify?: boolean;
  subset?: string;
}

export interface DestinationRule {
  r: Resource;
  host: string;
  hostPath: YamlPath;
  subsets: { name: string; labels: Record<string, string>; path: YamlPath }[];
  tls: TlsSettings[];
  exportTo: string[];
  /** Whether `workloadSelector` limits the rule to some workloads (sidecars then read its credentialName). */
  hasWorkloadSelector: boolean;
}

function readTrafficPolicy(tp: unknown, base: YamlPath, subset: string | undefined, out: TlsSettings[]): void {
  if (!isRecord(tp)) return;
  const one = (tls: unknown, path: YamlPath, port?: number) => {
    if (!isRecord(tls) || typeof tls.mode !== 'string') return;
    out.push({
      mode: tls.mode.toUpperCase(),
      modePath: [...path, 'mode'],
      port,
      hasCa: typeof tls.caCertificates === 'string' && tls.caCertificates !== '',
      hasCredential: typeof tls.credentialName === 'string' && tls.credentialName !== '',
      credentialPath: tls.credentialName !== undefined ? [...path, 'credentialName'] : undefined,
      insecureSkipVerify: typeof tls.insecureSkipVerify === 'boolean' ? tls.insecureSkipVerify : undefined,
      subset,
    });
  };
  one(tp.tls, [...base, 'tls']);
  (Array.isArray(tp.portLevelSettings) ? tp.portLevelSettings : []).forEach((pl, i) => {
    if (isRecord(pl)) one(pl.tls, [...base, 'portLevelSettings', i, 'tls'], isRecord(pl.port) ? num(pl.port.number) : undefined);
  });
}

export function readDestinationRule(r: Resource): DestinationRule {
  const s = spec(r);
  const tls: TlsSettings[] = [];
  readTrafficPolicy(s.trafficPolicy, ['spec', 'trafficPolicy'], undefined, tls);
  const subsets: DestinationRule['subsets'] = [];
  (Array.isArray(s.subsets) ? s.subsets : []).forEach((sb, i) => {
    if (!isRecord(sb) || typeof sb.name !== 'string') return;
    subsets.push({ name: sb.name, labels: stringMap(sb.labels), path: ['spec', 'subsets', i] });
    readTrafficPolicy(sb.trafficPolicy, ['spec', 'subsets', i, 'trafficPolicy'], sb.name, tls);
  });
  return { r, host: typeof s.host === 'string' ? s.host : '', hostPath: ['spec', 'host'], subsets, tls, exportTo: Array.isArray(s.exportTo) ? s.exportTo.map(String) : [], hasWorkloadSelector: isRecord(s.workloadSelector) };
}

// ---- Sidecar and the mesh's outbound traffic policy -------------------------------------------------

export type OutboundMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface Sidecar {
  r: Resource;
  /** Workload labels it applies to; undefined: every workload of its namespace. */
  selector?: Record<string, string>;
  mode?: OutboundMode;
  modePath?: YamlPath;
}

export function readSidecar(r: Resource): Sidecar {
  const s = spec(r);
  const ws = isRecord(s.workloadSelector) ? stringMap(s.workloadSelector.labels) : undefined;
  const otp = isRecord(s.outboundTrafficPolicy) ? s.outboundTrafficPolicy : undefined;
  const mode = otp && typeof otp.mode === 'string' ? otp.mode.toUpperCase() : undefined;
  return {
    r,
    selector: ws && Object.keys(ws).length > 0 ? ws : undefined,
    mode: mode === 'REGISTRY_ONLY' || mode === 'ALLOW_ANY' ? mode : undefined,
    modePath: mode ? ['spec', 'outboundTrafficPolicy', 'mode'] : undefined,
  };
}

/** Where the mesh-wide outbound policy is written: an IstioOperator, or the `istio` ConfigMap's mesh text. */
export interface MeshConfigSource {
  r: Resource;
  mode?: OutboundMode;
  path: YamlPath;
  /** `defaultConfig.proxyMetadata.VERIFY_CERTIFICATE_AT_CLIENT` when written. */
  verifyAtClient?: boolean;
  /** `defaultConfig.proxyMetadata.ISTIO_META_DNS_AUTO_ALLOCATE` is "true": ServiceEntries get addresses allocated. */
  dnsAutoAllocate?: boolean;
  /** `accessLogFile` is set, or `defaultProviders.accessLogging` names a provider: every proxy logs its connections. */
  accessLogging?: boolean;
}

function meshConfigValues(mc: Record<string, unknown>): { mode?: OutboundMode; verifyAtClient?: boolean; dnsAutoAllocate?: boolean; accessLogging?: boolean } {
  const otp = isRecord(mc.outboundTrafficPolicy) ? mc.outboundTrafficPolicy : undefined;
  const m = otp && typeof otp.mode === 'string' ? otp.mode.toUpperCase() : undefined;
  const pm = isRecord(mc.defaultConfig) && isRecord(mc.defaultConfig.proxyMetadata) ? mc.defaultConfig.proxyMetadata : undefined;
  const v = pm?.VERIFY_CERTIFICATE_AT_CLIENT;
  const auto = pm?.ISTIO_META_DNS_AUTO_ALLOCATE;
  const providers = isRecord(mc.defaultProviders) && Array.isArray(mc.defaultProviders.accessLogging) ? mc.defaultProviders.accessLogging : [];
  const accessLogging = (typeof mc.accessLogFile === 'string' && mc.accessLogFile.trim() !== '') || providers.length > 0;
  return { mode: m === 'REGISTRY_ONLY' || m === 'ALLOW_ANY' ? m : undefined, verifyAtClient: v === undefined ? undefined : String(v).toLowerCase() === 'true', dnsAutoAllocate: auto !== undefined && String(auto).toLowerCase() === 'true', accessLogging };
}

/** The mesh config of an IstioOperator or of the `istio` ConfigMap (its `mesh` key holds YAML text). */
export function readMeshConfig(r: Resource, parseYaml: (text: string) => unknown): MeshConfigSource | undefined {
  if (r.kind === 'IstioOperator' && r.group === 'install.istio.io') {
    const s = spec(r);
    const mc = isRecord(s.meshConfig) ? s.meshConfig : undefined;
    if (!mc) return undefined;
    return { r, ...meshConfigValues(mc), path: isRecord(mc.outboundTrafficPolicy) ? ['spec', 'meshConfig', 'outboundTrafficPolicy', 'mode'] : ['spec', 'meshConfig'] };
  }
  if (r.kind === 'ConfigMap' && r.group === '' && /^istio(-.+)?$/.test(r.name) && isRecord(r.obj.data) && typeof r.obj.data.mesh === 'string') {
    let mc: unknown;
    try {
      mc = parseYaml(r.obj.data.mesh);
    } catch {
      return undefined;
    }
    if (!isRecord(mc)) return undefined;
    return { r, ...meshConfigValues(mc), path: ['data', 'mesh'] };
  }
  return undefined;
}

// ---- AuthorizationPolicy (the egress gateway's L7 rules) --------------------------------------------

export interface AuthorizationPolicy {
  r: Resource;
  selector?: Record<string, string>;
  action: string;
  /** Hosts named by `to.operation.hosts` of its rules (empty: the rules do not restrict hosts). */
  hosts: At[];
  ruleCount: number;
}

export function readAuthorizationPolicy(r: Resource): AuthorizationPolicy {
  const s = spec(r);
  const hosts: At[] = [];
  const rules = Array.isArray(s.rules) ? s.rules : [];
  rules.forEach((rule, i) => {
    if (!isRecord(rule) || !Array.isArray(rule.to)) return;
    rule.to.forEach((t, j) => {
      if (isRecord(t) && isRecord(t.operation)) hosts.push(...strings(t.operation.hosts, ['spec', 'rules', i, 'to', j, 'operation', 'hosts']));
    });
  });
  const sel = isRecord(s.selector) ? stringMap(s.selector.matchLabels) : undefined;
  return { r, selector: sel && Object.keys(sel).length ? sel : undefined, action: typeof s.action === 'string' ? s.action.toUpperCase() : 'ALLOW', hosts, ruleCount: rules.length };
}
