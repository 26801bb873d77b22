/**
 * Gateway API resources (gateway.networking.k8s.io): Gateway, HTTPRoute, GRPCRoute, TLSRoute, TCPRoute
 * and ReferenceGrant, read into plain data with paths. Istio's egress pattern uses them with a
 * ServiceEntry as a route's parent and `Hostname` backends (group networking.istio.io).
 */
import type { YamlPath } from '../parse/locate';
import { isRecord, type Resource } from '../model/resources';
import { readSelector, type LabelSelector } from '../model/selector';
import type { At } from './istio';

export { GATEWAY_API } from '../model/resources';
import { GATEWAY_API } from '../model/resources';
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export function isGatewayApi(r: Resource, kind?: string): boolean {
  return r.group === GATEWAY_API && (kind === undefined || r.kind === kind);
}

export function isRoute(r: Resource): boolean {
  return r.group === GATEWAY_API && (ROUTE_KINDS as readonly string[]).includes(r.kind);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
}

function spec(r: Resource): Record<string, unknown> {
  return isRecord(r.obj.spec) ? r.obj.spec : {};
}

export interface Listener {
  name: string;
  hostname?: string;
  port?: number;
  protocol: string;
  tlsMode?: string;
  from: 'Same' | 'All' | 'Selector';
  selector?: LabelSelector;
  /** Route kinds allowed (empty: those the protocol allows). */
  kinds: string[];
  path: YamlPath;
}

export interface GwGateway {
  r: Resource;
  className: string;
  listeners: Listener[];
}

export function readGwGateway(r: Resource): GwGateway {
  const s = spec(r);
  const listeners: Listener[] = [];
  (Array.isArray(s.listeners) ? s.listeners : []).forEach((l, i) => {
    if (!isRecord(l)) return;
    const ar = isRecord(l.allowedRoutes) ? l.allowedRoutes : {};
    const ns = isRecord(ar.namespaces) ? ar.namespaces : {};
    const from = ns.from === 'All' || ns.from === 'Selector' ? ns.from : 'Same';
    listeners.push({
      name: typeof l.name === 'string' ? l.name : String(i),
      hostname: typeof l.hostname === 'string' ? l.hostname : undefined,
      port: num(l.port),
      protocol: typeof l.protocol === 'string' ? l.protocol.toUpperCase() : '',
      tlsMode: isRecord(l.tls) && typeof l.tls.mode === 'string' ? l.tls.mode : undefined,
      from,
      selector: from === 'Selector' ? readSelector(ns.selector) : undefined,
      kinds: Array.isArray(ar.kinds) ? ar.kinds.filter(isRecord).map((k) => String(k.kind)) : [],
      path: ['spec', 'listeners', i],
    });
  });
  return { r, className: typeof s.gatewayClassName === 'string' ? s.gatewayClassName : '', listeners };
}

export interface ParentRef {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  sectionName?: string;
  port?: number;
  path: YamlPath;
}

export interface BackendRef {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  namespaceWritten: boolean;
  port?: number;
  ruleIndex: number;
  path: YamlPath;
}

export interface GwRoute {
  r: Resource;
  kind: RouteKind;
  parentRefs: ParentRef[];
  hostnames: At[];
  backendRefs: BackendRef[];
}

export function readRoute(r: Resource): GwRoute {
  const s = spec(r);
  const parentRefs: ParentRef[] = [];
  (Array.isArray(s.parentRefs) ? s.parentRefs : []).forEach((p, i) => {
    if (!isRecord(p) || typeof p.name !== 'string') return;
    parentRefs.push({
      group: typeof p.group === 'string' ? p.group : GATEWAY_API,
      kind: typeof p.kind === 'string' ? p.kind : 'Gateway',
      name: p.name,
      namespace: typeof p.namespace === 'string' ? p.namespace : r.namespace,
      sectionName: typeof p.sectionName === 'string' ? p.sectionName : undefined,
      port: num(p.port),
      path: ['spec', 'parentRefs', i],
    });
  });
  const backendRefs: BackendRef[] = [];
  (Array.isArray(s.rules) ? s.rules : []).forEach((rule, i) => {
    if (!isRecord(rule)) return;
    (Array.isArray(rule.backendRefs) ? rule.backendRefs : []).forEach((b, j) => {
      if (!isRecord(b) || typeof b.name !== 'string') return;
      backendRefs.push({
        group: typeof b.group === 'string' ? b.group : '',
        kind: typeof b.kind === 'string' ? b.kind : 'Service',
        name: b.name,
        namespace: typeof b.namespace === 'string' ? b.namespace : r.namespace,
        namespaceWritten: typeof b.namespace === 'string',
        port: num(b.port),
        ruleIndex: i,
        path: ['spec', 'rules', i, 'backendRefs', j],
      });
    });
  });
  const hostnames: At[] = [];
  (Array.isArray(s.hostnames) ? s.hostnames : []).forEach((h, i) => {
    if (typeof h === 'string') hostnames.push({ value: h, path: ['spec', 'hostnames', i] });
  });
  return { r, kind: r.kind as RouteKind, parentRefs, hostnames, backendRefs };
}

export interface ReferenceGrant {
  r: Resource;
  from: { group: string; kind: string; namespace: string }[];
  to: { group: string; kind: string; name?: string }[];
}

export function readReferenceGrant(r: Resource): ReferenceGrant {
  const s = spec(r);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isRecord) : []);
  return {
    r,
    from: list(s.from).map((f) => ({ group: String(f.group ?? ''), kind: String(f.kind ?? ''), namespace: String(f.namespace ?? '') })),
    to: list(s.to).map((t) => ({ group: String(t.group ?? ''), kind: String(t.kind ?? ''), name: typeof t.name === 'string' ? t.name : undefined })),
  };
}

/** Whether a ReferenceGrant in the backend's namespace lets a route reach it. */
export function granted(grants: readonly ReferenceGrant[], route: GwRoute, b: BackendRef): boolean {
  return grants.some(
    (g) =>
      g.r.namespace === b.namespace &&
      g.from.some((f) => f.group === GATEWAY_API && f.kind === route.kind && f.namespace === route.r.namespace) &&
      g.to.some((t) => t.group === b.group && t.kind === b.kind && (t.name === undefined || t.name === b.name)),
  );
}

/** Which route kinds a listener protocol admits by default. */
export function kindsForProtocol(protocol: string): string[] {
  switch (protocol) {
    case 'HTTP':
    case 'HTTPS':
      return ['HTTPRoute', 'GRPCRoute'];
    case 'TLS':
      return ['TLSRoute', 'TCPRoute'];
    case 'TCP':
      return ['TCPRoute'];
    case 'UDP':
      return ['UDPRoute'];
    default:
      return [];
  }
}

/** Gateway API hostname intersection: `*.example.com` matches one or more labels before the suffix. */
export function hostnamesIntersect(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  const wild = (w: string, h: string) => w.startsWith('*.') && h.endsWith(w.slice(1)) && h.length > w.length - 1;
  if (x.startsWith('*.') && y.startsWith('*.')) return x.endsWith(y.slice(1)) || y.endsWith(x.slice(1));
  return wild(x, y) || wild(y, x);
}
