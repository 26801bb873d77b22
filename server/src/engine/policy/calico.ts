import { TextMemo } from '../memo';
import { isRecord, stringMap, type Resource } from '../model/resources';
import type { WorkloadIndex } from '../model/index';
import type { Workload } from '../model/workloads';
import { ConnectionSet, isProtocol, PROTOCOLS, type Protocol } from '../sets/connections';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { PortMatcher, type PortSpec } from '../reach/ports';
import { PortSet } from '../sets/portset';
import { ANY_PEER, type Action, type CompiledRule, type Direction, type PeerMatch } from '../reach/rules';
import { DEFAULT_TIER_ORDER, type OrderedTier, type TierPolicy } from '../reach/tiers';
import type { YamlPath } from '../parse/locate';
import { matchesCalico, parseCalicoSelector, type CalicoSelector, type SelectorParse } from './calico-selector';

export const CALICO_GROUPS = new Set(['projectcalico.org', 'crd.projectcalico.org']);
const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy']);

export function isCalico(r: Resource): boolean {
  return CALICO_GROUPS.has(r.group);
}

export function isCalicoPolicy(r: Resource): boolean {
  return isCalico(r) && POLICY_KINDS.has(r.kind);
}

export function isStaged(r: Resource): boolean {
  return r.kind.startsWith('Staged');
}

const parsed = new TextMemo<SelectorParse>('Calico selectors, parsed', 10_000);

/** Parse a selector once per text. */
export function calicoSelector(text: string): SelectorParse {
  return parsed.get(text, () => parseCalicoSelector(text));
}

/** Every selector string of a Calico object, with its path (for errors at the exact character). */
export function calicoSelectorFields(r: Resource): { path: YamlPath; text: string }[] {
  const out: { path: YamlPath; text: string }[] = [];
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  for (const key of ['selector', 'namespaceSelector', 'serviceAccountSelector']) if (typeof spec[key] === 'string') out.push({ path: ['spec', key], text: spec[key] as string });
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = Array.isArray(spec[dir]) ? spec[dir] : [];
    rules.forEach((rule, i) => {
      if (!isRecord(rule)) return;
      for (const side of ['source', 'destination']) {
        const e = rule[side];
        if (!isRecord(e)) continue;
        for (const key of ['selector', 'notSelector', 'namespaceSelector']) if (typeof e[key] === 'string') out.push({ path: ['spec', dir, i, side, key], text: e[key] as string });
        if (isRecord(e.serviceAccounts) && typeof e.serviceAccounts.selector === 'string') out.push({ path: ['spec', dir, i, side, 'serviceAccounts', 'selector'], text: e.serviceAccounts.selector });
      }
    });
  }
  return out;
}

/** Labels Calico sees on a pod: its own, plus the namespace and orchestrator labels Calico adds. */
function podLabels(w: Workload): Record<string, string> {
  const sa = serviceAccountOf(w);
  return { ...w.labels, 'projectcalico.org/namespace': w.namespace, 'projectcalico.org/orchestrator': 'k8s', ...(sa ? { 'projectcalico.org/serviceaccount': sa } : {}) };
}

function serviceAccountOf(w: Workload): string | undefined {
  const r = w.resources[0];
  const spec = r?.kind === 'Pod' ? r.obj.spec : isRecord(r?.obj.spec) && isRecord(r.obj.spec.template) ? (r.obj.spec.template as Record<string, unknown>).spec : undefined;
  return isRecord(spec) && typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : undefined;
}

function namespaceLabels(index: WorkloadIndex, ns: string): Record<string, string> {
  return { ...index.namespaceLabels(ns), 'projectcalico.org/name': ns };
}

function sel(text: unknown): CalicoSelector | undefined {
  if (typeof text !== 'string') return undefined;
  const p = calicoSelector(text);
  return p.ok ? p.selector : { kind: 'not', expr: { kind: 'all' } };
}

export interface NetworkSet {
  resource: Resource;
  /** undefined for a GlobalNetworkSet. */
  namespace?: string;
  labels: Record<string, string>;
  nets: IpRangeSet;
  domains: string[];
}

export function readNetworkSet(r: Resource): NetworkSet | undefined {
  if (!isCalico(r) || (r.kind !== 'NetworkSet' && r.kind !== 'GlobalNetworkSet')) return undefined;
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  let nets = IpRangeSet.empty;
  for (const n of Array.isArray(spec.nets) ? spec.nets : []) {
    const c = parseCidr(String(n).includes('/') ? String(n) : `${n}/${String(n).includes(':') ? 128 : 32}`);
    if (c) nets = nets.union(c.set);
  }
  const domains = (Array.isArray(spec.allowedEgressDomains) ? spec.allowedEgressDomains : []).map(String);
  return { resource: r, namespace: r.kind === 'NetworkSet' ? r.namespace : undefined, labels: stringMap(r.obj.metadata && (r.obj.metadata as Record<string, unknown>).labels), nets, domains };
}

export interface CalicoContext {
  index: WorkloadIndex;
  networkSets: NetworkSet[];
  services: Resource[];
}

function netsOf(list: unknown): IpRangeSet {
  let s = IpRangeSet.empty;
  for (const n of Array.isArray(list) ? list : []) {
    const c = parseCidr(String(n).includes('/') ? String(n) : `${n}/${String(n).includes(':') ? 128 : 32}`);
    if (c) s = s.union(c.set);
  }
  return s;
}

/** The peers an entity rule (source of ingress, destination of egress) matches. */
function entityPeers(e: unknown, policyNs: string | undefined, ctx: CalicoContext): PeerMatch {
  if (!isRecord(e)) return ANY_PEER;
  const selector = sel(e.selector);
  const notSelector = sel(e.notSelector);
  const nsSelector = sel(e.namespaceSelector);
  const hasNets = Array.isArray(e.nets);
  const hasNotNets = Array.isArray(e.notNets);
  const hasServices = isRecord(e.services);
  const hasSa = isRecord(e.serviceAccounts);
  const domains = Array.isArray(e.domains) ? e.domains.map(String) : [];
  if (!selector && !notSelector && !nsSelector && !hasNets && !hasNotNets && !hasServices && !hasSa && domains.length === 0) return ANY_PEER;

  const workloads = new Set<Workload>();
  let ips = IpRangeSet.empty;
  const hosts = [...domains];
  if (hasServices) {
    const s = e.services as Record<string, unknown>;
    const ns = typeof s.namespace === 'string' ? s.namespace : policyNs;
    const svc = ctx.services.find((x) => x.name === s.name && x.namespace === ns);
    const spec = svc && isRecord(svc.obj.spec) ? svc.obj.spec : undefined;
    if (spec && isRecord(spec.selector)) {
      const labels = stringMap(spec.selector);
      for (const w of ctx.index.inNamespace(ns ?? '')) if (Object.entries(labels).every(([k, v]) => w.labels[k] === v)) workloads.add(w);
    }
  } else if (selector || notSelector || nsSelector || hasSa || (!hasNets && hasNotNets)) {
    // Which namespaces: the selected ones; else the policy's own (a NetworkPolicy) or all (a GlobalNetworkPolicy).
    const namespaces = nsSelector
      ? [...ctx.index.namespaces.keys()].filter((n) => matchesCalico(nsSelector, namespaceLabels(ctx.index, n)))
      : policyNs !== undefined
        ? [policyNs]
        : [...ctx.index.namespaces.keys()];
    const saNames = hasSa && Array.isArray((e.serviceAccounts as Record<string, unknown>).names) ? ((e.serviceAccounts as Record<string, unknown>).names as unknown[]).map(String) : undefined;
    for (const ns of namespaces) {
      for (const w of ctx.index.inNamespace(ns)) {
        const labels = podLabels(w);
        if (selector && !matchesCalico(selector, labels)) continue;
        if (notSelector && matchesCalico(notSelector, labels)) continue;
        if (saNames && !saNames.includes(serviceAccountOf(w) ?? 'default')) continue;
        workloads.add(w);
      }
    }
    // Network sets are selected by their labels like endpoints.
    if (selector || notSelector) {
      for (const set of ctx.networkSets) {
        const inScope = set.namespace === undefined ? !nsSelector || matchesCalico(nsSelector, {}, true) || policyNs === undefined : namespaces.includes(set.namespace);
        if (!inScope) continue;
        const global = set.namespace === undefined;
        if (selector && !matchesCalico(selector, set.labels, global)) continue;
        if (notSelector && matchesCalico(notSelector, set.labels, global)) continue;
        ips = ips.union(set.nets);
        hosts.push(...set.domains);
      }
    }
  }
  if (hasNets) ips = selector || hasServices ? ips.intersect(netsOf(e.nets)) : netsOf(e.nets);
  if (hasNotNets) ips = (hasNets || selector ? ips : IpRangeSet.all).subtract(netsOf(e.notNets));
  return { any: false, workloads, ips, hosts };
}

const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP', '1': 'ICMP', '58': 'ICMPV6' };

function protocolOf(p: unknown): string | undefined {
  if (p === undefined || p === null) return undefined;
  const s = String(p).toUpperCase();
  return PROTOCOL_NUMBERS[s] ?? s;
}

/** What protocols and ports a rule matches: its protocol (all when absent), narrowed by the destination's ports. */
function rulePorts(rule: Record<string, unknown>, portEntity: unknown): PortMatcher {
  const proto = protocolOf(rule.protocol);
  const notProto = protocolOf(rule.notProtocol);
  const e = isRecord(portEntity) ? portEntity : {};
  const ports = Array.isArray(e.ports) ? e.ports : undefined;
  const notPorts = Array.isArray(e.notPorts) ? e.notPorts : undefined;
  const icmp = proto === 'ICMP' || proto === 'ICMPV6';
  const protocols: Protocol[] = proto === undefined ? [...PROTOCOLS] : isProtocol(proto) ? [proto] : proto === 'UDPLITE' ? ['UDP'] : [];
  let base = ConnectionSet.none;
  const named: PortSpec[] = [];
  if (!ports) {
    for (const p of protocols) base = base.union(ConnectionSet.of(p, PortSet.all));
    if (proto === undefined || icmp) base = base.union(ConnectionSet.icmpOnly);
  } else {
    for (const entry of ports) {
      const text = String(entry);
      const range = /^(\d+)(?::(\d+))?$/.exec(text);
      for (const p of protocols) {
        if (range) base = base.union(ConnectionSet.of(p, PortSet.range(Number(range[1]), Number(range[2] ?? range[1]))));
        else named.push({ kind: 'named', name: text, protocol: p });
      }
    }
  }
  if (notPorts) {
    let minus = ConnectionSet.none;
    for (const entry of notPorts) {
      const range = /^(\d+)(?::(\d+))?$/.exec(String(entry));
      if (range) for (const p of protocols) minus = minus.union(ConnectionSet.of(p, PortSet.range(Number(range[1]), Number(range[2] ?? range[1]))));
    }
    base = base.subtract(minus);
  }
  if (notProto) {
    if (isProtocol(notProto)) base = base.subtract(ConnectionSet.of(notProto, PortSet.all));
    else if (notProto === 'ICMP' || notProto === 'ICMPV6') base = base.subtract(ConnectionSet.icmpOnly);
  }
  return new PortMatcher([{ kind: 'numbers', conns: base }, ...named]);
}

const ACTIONS: Record<string, Action> = { Allow: 'allow', Deny: 'deny', Pass: 'pass', Log: 'log' };

/** Calico's default for `types`: Egress when there are only egress rules, both when there are both, else Ingress. */
export function calicoTypes(spec: Record<string, unknown>): Record<Direction, boolean> {
  if (Array.isArray(spec.types) && spec.types.length > 0) {
    const t = spec.types.map(String);
    return { ingress: t.includes('Ingress'), egress: t.includes('Egress') };
  }
  const hasIngress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  const hasEgress = Array.isArray(spec.egress) && spec.egress.length > 0;
  return { ingress: hasIngress || !hasEgress, egress: hasEgress };
}

export interface CompiledCalico {
  tier: string;
  policy: TierPolicy;
  staged: boolean;
}

export function tierName(r: Resource): string {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  return typeof spec.tier === 'string' && spec.tier !== '' ? spec.tier : 'default';
}

export function compileCalicoPolicy(r: Resource, ctx: CalicoContext): CompiledCalico {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const global = r.kind.endsWith('GlobalNetworkPolicy');
  const policyNs = global ? undefined : r.namespace;
  const selector = sel(spec.selector) ?? { kind: 'all' as const };
  const nsSelector = global ? sel(spec.namespaceSelector) : undefined;
  const saSelector = sel(spec.serviceAccountSelector);
  const subjects = new Set<Workload>();
  const namespaces = policyNs !== undefined ? [policyNs] : [...ctx.index.namespaces.keys()].filter((n) => !nsSelector || matchesCalico(nsSelector, namespaceLabels(ctx.index, n)));
  for (const ns of namespaces) {
    for (const w of ctx.index.inNamespace(ns)) {
      if (!matchesCalico(selector, podLabels(w))) continue;
      if (saSelector && !matchesCalico(saSelector, { 'projectcalico.org/name': serviceAccountOf(w) ?? 'default' })) continue;
      subjects.add(w);
    }
  }
  const types = calicoTypes(spec);
  const rules = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
  for (const dir of ['ingress', 'egress'] as const) {
    if (!types[dir]) continue;
    const list = Array.isArray(spec[dir]) ? spec[dir] : [];
    list.forEach((raw, i) => {
      if (!isRecord(raw)) return;
      const action = ACTIONS[String(raw.action)];
      if (!action) return;
      // Egress: the destination is the peer. Ingress: the source is the peer, the destination's ports are the pod's.
      const peer = dir === 'egress' ? raw.destination : raw.source;
      rules[dir].push({
        origin: { policy: r, direction: dir, ruleIndex: i, path: ['spec', dir, i] },
        action,
        peers: entityPeers(peer, policyNs, ctx),
        ports: rulePorts(raw, raw.destination),
      });
    });
  }
  const order = typeof spec.order === 'number' ? spec.order : Number.POSITIVE_INFINITY;
  return {
    tier: tierName(r),
    staged: isStaged(r),
    policy: { resource: r, order, name: r.name, subjects, rules, isolates: types, family: 'calico' },
  };
}

/** Tiers declared in the workspace, and the default tier (order 1,000,000, as Calico gives it). */
export function calicoTiers(resources: readonly Resource[]): Map<string, Omit<OrderedTier, 'policies'>> {
  const tiers = new Map<string, Omit<OrderedTier, 'policies'>>([['default', { name: 'default', order: DEFAULT_TIER_ORDER, defaultAction: 'deny' }]]);
  for (const r of resources) {
    if (!isCalico(r) || r.kind !== 'Tier' || !r.name) continue;
    const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
    const order = typeof spec.order === 'number' ? spec.order : r.name === 'default' ? DEFAULT_TIER_ORDER : Number.POSITIVE_INFINITY;
    tiers.set(r.name, { name: r.name, order, defaultAction: spec.defaultAction === 'Pass' ? 'pass' : 'deny' });
  }
  return tiers;
}
