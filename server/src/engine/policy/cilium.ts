import { isRecord, stringMap, type Resource } from '../model/resources';
import type { WorkloadIndex } from '../model/index';
import { matches, readSelector, type LabelSelector } from '../model/selector';
import type { Workload } from '../model/workloads';
import { ConnectionSet, isProtocol, PROTOCOLS, type Protocol } from '../sets/connections';
import { IpRangeSet, parseCidr } from '../sets/iprange';
import { normalizeHost } from '../sets/hosts';
import { PortMatcher, type PortSpec } from '../reach/ports';
import { PortSet } from '../sets/portset';
import { ANY_PEER, NO_PEER, type CompiledRule, type Direction, type PeerMatch } from '../reach/rules';
import type { TierPolicy } from '../reach/tiers';

export const CILIUM_GROUP = 'cilium.io';

export function isCiliumPolicy(r: Resource): boolean {
  return r.group === CILIUM_GROUP && (r.kind === 'CiliumNetworkPolicy' || r.kind === 'CiliumClusterwideNetworkPolicy');
}

const NS = 'io.kubernetes.pod.namespace';
const NS_LABELS = 'io.cilium.k8s.namespace.labels.';
const SA = 'io.cilium.k8s.policy.serviceaccount';

/** A selector key without its label source (`k8s:app` and `any:app` are `app`). */
function bareKey(k: string): string {
  return k.replace(/^(k8s|any|container|reserved|cidr|fqdn|unspec):/, '');
}

/** Cilium's endpoint selector: a LabelSelector whose keys may carry a source prefix. */
function endpointSelector(raw: unknown): LabelSelector {
  if (!isRecord(raw)) return readSelector(raw);
  const ml = isRecord(raw.matchLabels) ? Object.fromEntries(Object.entries(raw.matchLabels).map(([k, v]) => [bareKey(k), v])) : raw.matchLabels;
  const me = Array.isArray(raw.matchExpressions) ? raw.matchExpressions.map((e) => (isRecord(e) && typeof e.key === 'string' ? { ...e, key: bareKey(e.key) } : e)) : raw.matchExpressions;
  return readSelector({ matchLabels: ml, matchExpressions: me });
}

/** Whether a selector says which namespace it means (otherwise, in a namespaced policy, it means the policy's own). */
function namesNamespace(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  const keys = [...(isRecord(raw.matchLabels) ? Object.keys(raw.matchLabels) : []), ...(Array.isArray(raw.matchExpressions) ? raw.matchExpressions.map((e) => (isRecord(e) ? String(e.key) : '')) : [])];
  return keys.some((k) => bareKey(k) === NS);
}

/** The labels Cilium gives a pod: its own, its namespace, the namespace's labels, its service account. */
export function ciliumLabels(w: Workload, index: WorkloadIndex): Record<string, string> {
  const out: Record<string, string> = { ...w.labels, [NS]: w.namespace };
  for (const [k, v] of Object.entries(index.namespaceLabels(w.namespace))) out[NS_LABELS + k] = v;
  const r = w.resources[0];
  const tmpl = r?.kind === 'Pod' ? r.obj.spec : isRecord(r?.obj.spec) && isRecord(r.obj.spec.template) ? (r.obj.spec.template as Record<string, unknown>).spec : undefined;
  out[SA] = isRecord(tmpl) && typeof tmpl.serviceAccountName === 'string' ? tmpl.serviceAccountName : 'default';
  return out;
}

function selectWorkloads(raw: unknown, policyNs: string | undefined, index: WorkloadIndex): Workload[] {
  const s = endpointSelector(raw);
  const scope = policyNs !== undefined && !namesNamespace(raw) ? index.inNamespace(policyNs) : index.workloads;
  return scope.filter((w) => matches(s, ciliumLabels(w, index)));
}

function cidrs(list: unknown): IpRangeSet {
  let s = IpRangeSet.empty;
  for (const c of Array.isArray(list) ? list : []) {
    const p = parseCidr(String(c));
    if (p) s = s.union(p.set);
  }
  return s;
}

/** What the external world is: every address (Cilium's `world`), and every host name. */
const WORLD: PeerMatch = { any: false, workloads: new Set(), ips: IpRangeSet.all, hosts: ['*'] };

export interface CiliumContext {
  index: WorkloadIndex;
  services: Resource[];
}

/** The peers of one rule; a rule with no L3 part at all but with ports matches every peer. */
function rulePeers(rule: Record<string, unknown>, dir: Direction, policyNs: string | undefined, ctx: CiliumContext): PeerMatch {
  const f = (k: string) => rule[(dir === 'egress' ? 'to' : 'from') + k];
  const endpoints = f('Endpoints');
  const entities = f('Entities');
  const cidr = f('CIDR');
  const cidrSet = f('CIDRSet');
  const services = dir === 'egress' ? rule.toServices : undefined;
  const fqdns = dir === 'egress' ? rule.toFQDNs : undefined;
  const l3 = [endpoints, entities, cidr, cidrSet, services, fqdns, f('Requires'), f('Nodes'), f('Groups')].some((x) => x !== undefined);
  if (!l3) return rule.toPorts !== undefined || rule.fromPorts !== undefined || rule.icmps !== undefined ? ANY_PEER : NO_PEER;
  const workloads = new Set<Workload>();
  let ips = IpRangeSet.empty;
  const hosts: string[] = [];
  for (const sel of Array.isArray(endpoints) ? endpoints : []) for (const w of selectWorkloads(sel, policyNs, ctx.index)) workloads.add(w);
  for (const e of Array.isArray(entities) ? entities.map(String) : []) {
    if (e === 'all') return ANY_PEER;
    if (e === 'world' || e === 'world-ipv4' || e === 'world-ipv6') {
      ips = ips.union(e === 'world-ipv4' ? IpRangeSet.allV4 : e === 'world-ipv6' ? IpRangeSet.allV6 : WORLD.ips);
      hosts.push('*');
    }
    if (e === 'cluster') for (const w of ctx.index.workloads) workloads.add(w);
    // host, remote-node, kube-apiserver, health, init, ingress, unmanaged: nodes and Cilium internals, not modelled.
  }
  ips = ips.union(cidrs(cidr));
  for (const s of Array.isArray(cidrSet) ? cidrSet : []) {
    if (!isRecord(s)) continue;
    const c = parseCidr(String(s.cidr ?? ''));
    if (c) ips = ips.union(c.set.subtract(cidrs(s.except)));
  }
  for (const s of Array.isArray(services) ? services : []) {
    if (!isRecord(s)) continue;
    const ks = isRecord(s.k8sService) ? s.k8sService : undefined;
    const ksel = isRecord(s.k8sServiceSelector) ? s.k8sServiceSelector : undefined;
    const ns = String((ks ?? ksel)?.namespace ?? policyNs ?? 'default');
    const svcs = ctx.services.filter((x) => x.namespace === ns && (ks ? x.name === ks.serviceName : matches(readSelector(ksel?.selector), x.labels)));
    for (const svc of svcs) {
      const spec = isRecord(svc.obj.spec) ? svc.obj.spec : {};
      if (!isRecord(spec.selector)) continue;
      const want = stringMap(spec.selector);
      for (const w of ctx.index.inNamespace(ns)) if (Object.entries(want).every(([k, v]) => w.labels[k] === v)) workloads.add(w);
    }
  }
  for (const q of Array.isArray(fqdns) ? fqdns : []) {
    if (!isRecord(q)) continue;
    if (typeof q.matchName === 'string') hosts.push(normalizeHost(q.matchName));
    if (typeof q.matchPattern === 'string') hosts.push(normalizeHost(q.matchPattern));
  }
  return { any: false, workloads, ips, hosts };
}

function rulePortsOf(rule: Record<string, unknown>): PortMatcher {
  const toPorts = rule.toPorts ?? rule.fromPorts;
  const icmps = rule.icmps !== undefined;
  if (!Array.isArray(toPorts)) return icmps ? new PortMatcher([{ kind: 'numbers', conns: ConnectionSet.icmpOnly }]) : PortMatcher.all;
  const specs: PortSpec[] = icmps ? [{ kind: 'numbers', conns: ConnectionSet.icmpOnly }] : [];
  for (const pr of toPorts) {
    if (!isRecord(pr)) continue;
    const ports = Array.isArray(pr.ports) ? pr.ports : [];
    if (ports.length === 0) specs.push({ kind: 'all' });
    for (const p of ports) {
      if (!isRecord(p)) continue;
      const proto = String(p.protocol ?? 'ANY').toUpperCase();
      const protocols: Protocol[] = proto === 'ANY' ? [...PROTOCOLS] : isProtocol(proto) ? [proto] : [];
      const text = String(p.port ?? '0');
      const n = Number(text);
      for (const pp of protocols) {
        if (/^\d+$/.test(text)) {
          const range = n === 0 ? PortSet.all : PortSet.range(n, typeof p.endPort === 'number' ? p.endPort : n);
          specs.push({ kind: 'numbers', conns: ConnectionSet.of(pp, range) });
        } else specs.push({ kind: 'named', name: text, protocol: pp });
      }
    }
  }
  return new PortMatcher(specs.length === 0 ? [{ kind: 'numbers', conns: ConnectionSet.none }] : specs);
}

/** The rules of a policy object: `spec`, and each of `specs`. */
export function ciliumSpecs(r: Resource): { spec: Record<string, unknown>; path: (string | number)[] }[] {
  const out: { spec: Record<string, unknown>; path: (string | number)[] }[] = [];
  if (isRecord(r.obj.spec)) out.push({ spec: r.obj.spec, path: ['spec'] });
  if (Array.isArray(r.obj.specs)) r.obj.specs.forEach((s, i) => isRecord(s) && out.push({ spec: s, path: ['specs', i] }));
  return out;
}

/**
 * A Cilium policy in the default tier: its deny rules first (deny wins over any allow, of any policy kind),
 * its allow rules with NetworkPolicy's. A section (egress or egressDeny) puts the selected pods into
 * default-deny for that direction unless `enableDefaultDeny` says otherwise.
 */
export function compileCiliumPolicy(r: Resource, ctx: CiliumContext): TierPolicy[] {
  const policyNs = r.kind === 'CiliumNetworkPolicy' ? r.namespace : undefined;
  const out: TierPolicy[] = [];
  ciliumSpecs(r).forEach(({ spec, path }, k) => {
    if (spec.endpointSelector === undefined) return; // nodeSelector: host policies, not about pods
    const subjects = new Set(selectWorkloads(spec.endpointSelector, policyNs, ctx.index));
    const edd = isRecord(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
    const allow = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
    const deny = { ingress: [] as CompiledRule[], egress: [] as CompiledRule[] };
    const isolates = { ingress: false, egress: false };
    for (const dir of ['ingress', 'egress'] as const) {
      for (const [key, sink, action] of [[dir, allow, 'allow'], [`${dir}Deny`, deny, 'deny']] as const) {
        const list = spec[key];
        if (!Array.isArray(list)) continue;
        if (edd[dir] !== false) isolates[dir] = true;
        list.forEach((raw, i) => {
          if (!isRecord(raw)) return;
          sink[dir].push({
            origin: { policy: r, direction: dir, ruleIndex: i, path: [...path, key, i] },
            action,
            peers: rulePeers(raw, dir, policyNs, ctx),
            ports: rulePortsOf(raw),
          });
        });
      }
    }
    const name = `${r.namespace}/${r.name}#${k}`;
    if (deny.ingress.length + deny.egress.length > 0) out.push({ resource: r, order: Number.NEGATIVE_INFINITY, name, subjects, rules: deny, isolates: { ingress: false, egress: false }, family: 'cilium' });
    out.push({ resource: r, order: 1000, name, subjects, rules: allow, isolates, family: 'cilium' });
  });
  return out;
}
