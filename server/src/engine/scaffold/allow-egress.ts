import type { DnsSelector } from '../config';
import { parseCidr } from '../sets/iprange';
import type { Protocol } from '../sets/connections';
import { dnsEgressRule, freeName } from './default-deny';
import { hostProblem, namespaceProblem, portProblem, protocolProblem } from './names';

/** The workload that needs to reach something: its namespace and the labels of its pods. */
export interface EgressSource {
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

export type EgressDestination =
  | { kind: 'workload'; namespace: string; name: string; labels: Record<string, string> }
  | { kind: 'cidr'; cidr: string }
  | { kind: 'host'; host: string };

export type Mechanism = 'networkpolicy' | 'cilium' | 'calico' | 'istio';

export interface AllowEgressOptions {
  from: EgressSource;
  to: EgressDestination;
  ports: { protocol: Protocol; port: number }[];
  mechanism: Mechanism;
  dns: DnsSelector;
  /** Names already taken in the source namespace (for a free policy name). */
  taken?: ReadonlySet<string>;
}

export type ScaffoldResult = { ok: true; resources: Record<string, unknown>[]; notes: string[] } | { ok: false; error: string };

export function dnsNamespace(dns: DnsSelector): string {
  return dns.namespaceSelector['kubernetes.io/metadata.name'] ?? 'kube-system';
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'dest';
}

function destName(to: EgressDestination): string {
  return to.kind === 'workload' ? to.name : to.kind === 'host' ? to.host.replace(/^\*\./, 'any.') : to.cidr.replace(/[./:]+/g, '-');
}

export function calicoLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k} == '${v}'`);
  return parts.length > 0 ? parts.join(' && ') : 'all()';
}

/** Cilium's endpoint labels for a pod of `namespace` with `labels`. */
export function ciliumEndpoint(namespace: string, labels: Record<string, string>): Record<string, string> {
  return { 'k8s:io.kubernetes.pod.namespace': namespace, ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [`k8s:${k}`, v])) };
}

/** The DNS proxy rule, as Cilium's documentation writes it: names are learnt from the answers it sees. */
export function ciliumDnsRule(dns: DnsSelector): Record<string, unknown> {
  return {
    toEndpoints: [{ matchLabels: ciliumEndpoint(dnsNamespace(dns), dns.podSelector) }],
    toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
  };
}

/** Calico rules allowing DNS (UDP and TCP 53) to the cluster DNS. */
export function calicoDnsRules(dns: DnsSelector): Record<string, unknown>[] {
  const destination = { selector: calicoLabels(dns.podSelector), namespaceSelector: `projectcalico.org/name == '${dnsNamespace(dns)}'`, ports: [53] };
  return [
    { action: 'Allow', protocol: 'UDP', destination },
    { action: 'Allow', protocol: 'TCP', destination },
  ];
}

/** Check inputs; a clear message for what cannot be expressed. */
function validate(o: AllowEgressOptions): string | undefined {
  const names = namespaceProblem(o.from.namespace) ?? (o.to.kind === 'workload' ? namespaceProblem(o.to.namespace) : undefined);
  if (names) return names;
  if (o.to.kind === 'cidr' && (typeof o.to.cidr !== 'string' || !parseCidr(o.to.cidr))) return `${JSON.stringify(o.to.cidr)} is not a CIDR (e.g. 203.0.113.0/24).`;
  if (o.to.kind === 'host') {
    const host = hostProblem(o.to.host);
    if (host) return host;
  }
  if (o.to.kind === 'host' && o.mechanism === 'networkpolicy') {
    return 'A Kubernetes NetworkPolicy cannot name a host: use a CiliumNetworkPolicy (toFQDNs), an egress gateway, or a CIDR.';
  }
  if (o.mechanism === 'istio' && o.to.kind === 'workload') return 'A ServiceEntry registers destinations outside the mesh; a workload is in the registry already (allow it with a NetworkPolicy).';
  if (o.mechanism === 'istio' && o.ports.length === 0) return 'A ServiceEntry needs the ports it opens (e.g. 443).';
  for (const p of o.ports) {
    const bad = portProblem(p.port) ?? protocolProblem(p.protocol);
    if (bad) return bad;
  }
  if (Object.keys(o.from.labels).length === 0) return `${o.from.namespace}/${o.from.name} has no pod labels to select it by.`;
  return undefined;
}

/**
 * The least-privilege policy letting one workload reach one destination on the given ports, in the chosen
 * mechanism, with DNS kept working (a policy that restricts egress would otherwise cut name resolution).
 */
export function allowEgress(o: AllowEgressOptions): ScaffoldResult {
  const error = validate(o);
  if (error) return { ok: false, error };
  const name = freeName(`allow-${slug(o.from.name)}-to-${slug(destName(o.to))}`, o.taken ?? new Set());
  const notes: string[] = [];
  if (o.mechanism === 'networkpolicy') {
    const to =
      o.to.kind === 'workload'
        ? [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.to.namespace } }, podSelector: { matchLabels: { ...o.to.labels } } }]
        : [{ ipBlock: { cidr: parseCidr((o.to as { cidr: string }).cidr)!.canonical } }];
    const rule: Record<string, unknown> = { to };
    if (o.ports.length > 0) rule.ports = o.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
    return {
      ok: true,
      notes,
      resources: [
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name, namespace: o.from.namespace },
          spec: { podSelector: { matchLabels: { ...o.from.labels } }, policyTypes: ['Egress'], egress: [rule, dnsEgressRule(o.dns)] },
        },
      ],
    };
  }
  if (o.mechanism === 'cilium') {
    const toPorts = o.ports.length > 0 ? [{ ports: o.ports.map((p) => ({ port: String(p.port), protocol: p.protocol })) }] : undefined;
    const dest: Record<string, unknown> =
      o.to.kind === 'workload'
        ? { toEndpoints: [{ matchLabels: ciliumEndpoint(o.to.namespace, o.to.labels) }] }
        : o.to.kind === 'cidr'
          ? { toCIDR: [parseCidr(o.to.cidr)!.canonical] }
          : { toFQDNs: [o.to.host.includes('*') ? { matchPattern: o.to.host } : { matchName: o.to.host }] };
    if (toPorts) dest.toPorts = toPorts;
    const dnsRule = ciliumDnsRule(o.dns);
    return {
      ok: true,
      notes,
      resources: [
        {
          apiVersion: 'cilium.io/v2',
          kind: 'CiliumNetworkPolicy',
          metadata: { name, namespace: o.from.namespace },
          spec: { endpointSelector: { matchLabels: { ...o.from.labels } }, egress: [dest, dnsRule] },
        },
      ],
    };
  }
  if (o.mechanism === 'istio') {
    // A ServiceEntry seen only by the source's namespace: under REGISTRY_ONLY it is what lets the sidecars out.
    const host = o.to.kind === 'host' ? o.to.host.toLowerCase() : undefined;
    const cidr = o.to.kind === 'cidr' ? parseCidr(o.to.cidr)!.canonical : undefined;
    const portName = (p: { protocol: Protocol; port: number }) => (p.protocol !== 'TCP' ? p.protocol : p.port === 443 ? 'TLS' : p.port === 80 ? 'HTTP' : 'TCP');
    const spec: Record<string, unknown> = {
      hosts: [host ?? `${slug(destName(o.to))}.external`],
      ...(cidr ? { addresses: [cidr] } : {}),
      ports: o.ports.map((p) => ({ number: p.port, name: `${portName(p).toLowerCase()}-${p.port}`, protocol: portName(p) })),
      location: 'MESH_EXTERNAL',
      resolution: cidr || host?.includes('*') ? 'NONE' : 'DNS',
      exportTo: ['.'],
    };
    notes.push(`The entry matters where the outbound policy is REGISTRY_ONLY (EL201); NetworkPolicy still decides whether ${o.from.name}'s pods may leave the node.`);
    if (o.ports.some((p) => p.protocol !== 'TCP')) notes.push('Istio proxies TCP only: UDP and SCTP ports are not intercepted.');
    return { ok: true, notes, resources: [{ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: o.from.namespace }, spec }] };
  }
  // Calico: one rule per protocol (Calico ports need a protocol); DNS to the cluster DNS.
  const destination: Record<string, unknown> =
    o.to.kind === 'workload'
      ? { selector: calicoLabels(o.to.labels), namespaceSelector: `projectcalico.org/name == '${o.to.namespace}'` }
      : o.to.kind === 'cidr'
        ? { nets: [parseCidr(o.to.cidr)!.canonical] }
        : { domains: [o.to.host] };
  if (o.to.kind === 'host') notes.push('`domains` is enforced by Calico Enterprise and Calico Cloud only; on Calico Open Source, allow the service’s addresses (nets) instead.');
  const byProtocol = new Map<Protocol, number[]>();
  for (const p of o.ports) byProtocol.set(p.protocol, [...(byProtocol.get(p.protocol) ?? []), p.port]);
  const rules: Record<string, unknown>[] =
    byProtocol.size === 0
      ? [{ action: 'Allow', destination }]
      : [...byProtocol].map(([protocol, ports]) => ({ action: 'Allow', protocol, destination: { ...destination, ports } }));
  rules.push(...calicoDnsRules(o.dns));
  return {
    ok: true,
    notes,
    resources: [
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name, namespace: o.from.namespace },
        spec: { selector: calicoLabels(o.from.labels), types: ['Egress'], egress: rules },
      },
    ],
  };
}
