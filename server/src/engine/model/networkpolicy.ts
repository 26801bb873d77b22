import { readSelector, type LabelSelector } from './selector';
import { isRecord, type Resource } from './resources';
import type { Direction } from '../types';

/** A peer of a NetworkPolicy rule: selectors (ANDed inside one peer) or an ipBlock. */
export type NetpolPeer =
  | { kind: 'selector'; index: number; podSelector?: LabelSelector; namespaceSelector?: LabelSelector }
  | { kind: 'ipBlock'; index: number; cidr: string; except: string[] }
  | { kind: 'invalid'; index: number };

export interface NetpolPort {
  index: number;
  /** Protocol as written, upper-case; TCP when omitted. */
  protocol: string;
  /** A number, a named port, or undefined for every port. */
  port?: number | string;
  endPort?: number;
}

export interface NetpolRule {
  index: number;
  /** undefined: no `to`/`from` (or empty): every peer. */
  peers?: NetpolPeer[];
  /** undefined: no `ports` (or empty): every port and protocol. */
  ports?: NetpolPort[];
}

export type { Direction };

export interface NetworkPolicy {
  resource: Resource;
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** `spec.policyTypes` exactly as written, or undefined when absent/empty. */
  policyTypesGiven?: string[];
  /** The effective policy types after the API's defaulting. */
  affects: Record<Direction, boolean>;
  rules: Record<Direction, NetpolRule[]>;
  /** Whether the `ingress`/`egress` keys are present at all. */
  present: Record<Direction, boolean>;
}

export function isNetworkPolicy(r: Resource): boolean {
  return r.kind === 'NetworkPolicy' && (r.group === 'networking.k8s.io' || r.group === 'extensions');
}

function readPorts(raw: unknown): NetpolPort[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((p, index) => {
    const o = isRecord(p) ? p : {};
    const port = typeof o.port === 'number' || typeof o.port === 'string' ? o.port : undefined;
    const endPort = typeof o.endPort === 'number' ? o.endPort : undefined;
    return { index, protocol: o.protocol === undefined || o.protocol === null ? 'TCP' : String(o.protocol).toUpperCase(), port, endPort };
  });
}

function readPeers(raw: unknown): NetpolPeer[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((p, index): NetpolPeer => {
    if (!isRecord(p)) return { kind: 'invalid', index };
    if (isRecord(p.ipBlock)) {
      const except = Array.isArray(p.ipBlock.except) ? p.ipBlock.except.map(String) : [];
      return { kind: 'ipBlock', index, cidr: String(p.ipBlock.cidr ?? ''), except };
    }
    const hasPod = 'podSelector' in p;
    const hasNs = 'namespaceSelector' in p;
    if (!hasPod && !hasNs) return { kind: 'invalid', index };
    return {
      kind: 'selector',
      index,
      podSelector: hasPod ? readSelector(p.podSelector) : undefined,
      namespaceSelector: hasNs ? readSelector(p.namespaceSelector) : undefined,
    };
  });
}

function readRules(raw: unknown, peerKey: 'to' | 'from'): NetpolRule[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((r, index) => {
    const o = isRecord(r) ? r : {};
    return { index, peers: readPeers(o[peerKey]), ports: readPorts(o.ports) };
  });
}

export function readNetworkPolicy(r: Resource): NetworkPolicy {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const types = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? spec.policyTypes.map(String) : undefined;
  const egressRules = readRules(spec.egress, 'to');
  const ingressRules = readRules(spec.ingress, 'from');
  // API defaulting: without policyTypes, Ingress always, Egress only when egress rules exist.
  const affects = types
    ? { ingress: types.includes('Ingress'), egress: types.includes('Egress') }
    : { ingress: true, egress: egressRules.length > 0 };
  return {
    resource: r,
    namespace: r.namespace,
    name: r.name,
    podSelector: readSelector(spec.podSelector),
    policyTypesGiven: types,
    affects,
    rules: { ingress: ingressRules, egress: egressRules },
    present: { ingress: 'ingress' in spec, egress: 'egress' in spec },
  };
}
