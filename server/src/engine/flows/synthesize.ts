/**
 * Synthesis: the smallest policies that allow exactly the observed egress of each workload. One policy
 * per source workload (its pod-template labels), destinations grouped and their ports merged; a
 * destination that is a workload by its namespace and labels, one reached by a DNS name by that name where
 * the mechanism can say it (Cilium toFQDNs with the DNS proxy rule; Calico `domains` on Enterprise only),
 * else by the observed address; DNS to the cluster DNS always; and a default-deny for every namespace touched.
 * Connections the cluster only ever dropped are left out (they never worked). Same flows, same YAML:
 * everything is sorted.
 */
import type { DnsSelector } from '../config';
import type { Workload } from '../model/workloads';
import { parseCidr } from '../sets/iprange';
import { calicoDnsRules, calicoLabels, ciliumDnsRule, ciliumEndpoint, slug } from '../scaffold/allow-egress';
import { defaultDenyEgress, freeName } from '../scaffold/default-deny';
import type { ObservedConnection } from './replay';

export type SynthesisMechanism = 'networkpolicy' | 'cilium' | 'calico';

export interface SynthesisOptions {
  mechanism: SynthesisMechanism;
  dns: DnsSelector;
  /** The cluster DNS workloads (their port-53 traffic is the DNS rule every policy has). */
  dnsTargets: readonly Workload[];
  /** Calico Enterprise (or Cloud) enforces `domains`; Calico Open Source does not. */
  calicoEnterprise?: boolean;
  /** Names taken per namespace (policies get free names). */
  taken: (namespace: string) => ReadonlySet<string>;
}

type Destination = { kind: 'workload'; workload: Workload } | { kind: 'host'; host: string } | { kind: 'cidr'; cidr: string };

interface Port {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

function destKey(d: Destination): string {
  return d.kind === 'workload' ? `0 ${d.workload.id}` : d.kind === 'host' ? `1 ${d.host}` : `2 ${d.cidr}`;
}

function portKey(p: Port): string {
  return `${p.protocol}/${String(p.port).padStart(5, '0')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Seen only dropped by the cluster: attempted, never working; not what the workload needs. */
export function deniedByCluster(c: ObservedConnection): boolean {
  return c.cluster.denied > 0 && c.cluster.allowed === 0;
}

/** A rule: destinations that share exactly the same ports. */
interface Rule {
  destinations: Destination[];
  ports: Port[];
}

/** The observed egress of one workload as rules: per destination its ports, destinations with the same ports together. */
function rulesOf(conns: ObservedConnection[], o: SynthesisOptions): Rule[] {
  const byDest = new Map<string, { dest: Destination; ports: Map<string, Port> }>();
  const add = (dest: Destination, p: Port) => {
    const k = destKey(dest);
    let e = byDest.get(k);
    if (!e) byDest.set(k, (e = { dest, ports: new Map() }));
    e.ports.set(portKey(p), p);
  };
  const byName = o.mechanism === 'cilium' || (o.mechanism === 'calico' && o.calicoEnterprise === true);
  for (const c of conns) {
    if (c.port === undefined || c.protocol === 'ICMP' || deniedByCluster(c)) continue;
    const p: Port = { protocol: c.protocol, port: c.port };
    if (c.dst.kind === 'workload') {
      // DNS to the cluster DNS is in every policy already.
      if (c.port === 53 && o.dnsTargets.includes(c.dst.workload)) continue;
      add({ kind: 'workload', workload: c.dst.workload }, p);
    } else if (byName && c.dst.names.length > 0) {
      for (const h of c.dst.names) add({ kind: 'host', host: h }, p);
    } else if (c.dst.ip) {
      const cidr = parseCidr(c.dst.ip.includes(':') ? `${c.dst.ip}/128` : `${c.dst.ip}/32`);
      if (cidr) add({ kind: 'cidr', cidr: cidr.canonical }, p);
    }
  }
  const byPorts = new Map<string, Rule>();
  for (const k of [...byDest.keys()].sort(compare)) {
    const e = byDest.get(k)!;
    const ports = [...e.ports.keys()].sort(compare).map((x) => e.ports.get(x)!);
    const pk = ports.map(portKey).join(',');
    let r = byPorts.get(pk);
    if (!r) byPorts.set(pk, (r = { destinations: [], ports }));
    r.destinations.push(e.dest);
  }
  return [...byPorts.entries()].sort((a, b) => compare(destKey(a[1].destinations[0]), destKey(b[1].destinations[0]))).map(([, r]) => r);
}

function netpolRule(r: Rule): Record<string, unknown> {
  const to = r.destinations.map((d) =>
    d.kind === 'workload'
      ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': d.workload.namespace } }, podSelector: { matchLabels: { ...d.workload.labels } } }
      : { ipBlock: { cidr: (d as { cidr: string }).cidr } },
  );
  return { to, ports: r.ports.map((p) => ({ protocol: p.protocol, port: p.port })) };
}

function ciliumRules(r: Rule): Record<string, unknown>[] {
  const toPorts = [{ ports: r.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }];
  const out: Record<string, unknown>[] = [];
  const wl = r.destinations.filter((d): d is Extract<Destination, { kind: 'workload' }> => d.kind === 'workload');
  const hosts = r.destinations.filter((d): d is Extract<Destination, { kind: 'host' }> => d.kind === 'host');
  const cidrs = r.destinations.filter((d): d is Extract<Destination, { kind: 'cidr' }> => d.kind === 'cidr');
  // toFQDNs may not share a rule with other L3 selectors (EL403): one rule per kind of destination.
  if (wl.length > 0) out.push({ toEndpoints: wl.map((d) => ({ matchLabels: ciliumEndpoint(d.workload.namespace, d.workload.labels) })), toPorts });
  if (hosts.length > 0) out.push({ toFQDNs: hosts.map((d) => (d.host.includes('*') ? { matchPattern: d.host } : { matchName: d.host })), toPorts });
  if (cidrs.length > 0) out.push({ toCIDR: cidrs.map((d) => d.cidr), toPorts });
  return out;
}

function calicoRules(r: Rule): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const protocols = [...new Set(r.ports.map((p) => p.protocol))].sort(compare);
  for (const protocol of protocols) {
    const ports = r.ports.filter((p) => p.protocol === protocol).map((p) => p.port);
    for (const d of r.destinations) {
      const destination: Record<string, unknown> =
        d.kind === 'workload'
          ? { selector: calicoLabels(d.workload.labels), namespaceSelector: `projectcalico.org/name == '${d.workload.namespace}'`, ports }
          : d.kind === 'host'
            ? { domains: [d.host], ports }
            : { nets: [d.cidr], ports };
      out.push({ action: 'Allow', protocol, destination });
    }
  }
  return out;
}

/** The names of the resources of each namespace (what `taken` of SynthesisOptions answers). */
export function namesByNamespace(resources: readonly { namespace?: string; name: string }[]): (namespace: string) => ReadonlySet<string> {
  const by = new Map<string, Set<string>>();
  for (const r of resources) {
    const ns = r.namespace ?? '';
    let set = by.get(ns);
    if (!set) by.set(ns, (set = new Set()));
    set.add(r.name);
  }
  return (ns) => by.get(ns) ?? new Set();
}

/** The policies, as plain objects in a stable order: per namespace its default-deny, then one policy per workload. */
export function synthesize(connections: Iterable<ObservedConnection>, o: SynthesisOptions): Record<string, unknown>[] {
  const bySource = new Map<string, { workload: Workload; conns: ObservedConnection[] }>();
  for (const c of connections) {
    if (c.src.kind !== 'workload' || deniedByCluster(c)) continue;
    const w = c.src.workload;
    let e = bySource.get(w.id);
    if (!e) bySource.set(w.id, (e = { workload: w, conns: [] }));
    e.conns.push(c);
  }
  const sources = [...bySource.values()].sort((a, b) => compare(a.workload.namespace, b.workload.namespace) || compare(a.workload.id, b.workload.id));
  const out: Record<string, unknown>[] = [];
  const names = new Map<string, Set<string>>();
  const nameIn = (ns: string, base: string) => {
    let taken = names.get(ns);
    if (!taken) names.set(ns, (taken = new Set(o.taken(ns))));
    const n = freeName(base, taken);
    taken.add(n);
    return n;
  };
  let namespace: string | undefined;
  for (const { workload: w, conns } of sources) {
    if (w.namespace !== namespace) {
      namespace = w.namespace;
      out.push(defaultDeny(namespace, o, nameIn(namespace, 'default-deny-egress')));
    }
    const rules = rulesOf(conns, o);
    const name = nameIn(w.namespace, `allow-observed-egress-${slug(w.name)}`);
    out.push(workloadPolicy(w, rules, name, o));
  }
  return out;
}

function defaultDeny(namespace: string, o: SynthesisOptions, name: string): Record<string, unknown> {
  if (o.mechanism === 'networkpolicy') return defaultDenyEgress({ namespace, allowDns: true, dns: o.dns, name });
  if (o.mechanism === 'cilium') return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace }, spec: { endpointSelector: {}, egress: [ciliumDnsRule(o.dns)] } };
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { selector: 'all()', types: ['Egress'], egress: calicoDnsRules(o.dns) } };
}

function workloadPolicy(w: Workload, rules: Rule[], name: string, o: SynthesisOptions): Record<string, unknown> {
  const metadata = { name, namespace: w.namespace, annotations: { 'egress-lens.io/synthesized-from': 'observed flows' } };
  if (o.mechanism === 'networkpolicy') {
    return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: { podSelector: { matchLabels: { ...w.labels } }, policyTypes: ['Egress'], egress: rules.map(netpolRule) } };
  }
  if (o.mechanism === 'cilium') {
    return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata, spec: { endpointSelector: { matchLabels: { ...w.labels } }, egress: [...rules.flatMap(ciliumRules), ciliumDnsRule(o.dns)] } };
  }
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata, spec: { selector: calicoLabels(w.labels), types: ['Egress'], egress: rules.flatMap(calicoRules) } };
}
