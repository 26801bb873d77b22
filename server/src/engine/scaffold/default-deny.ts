import type { DnsSelector } from '../config';

export interface DefaultDenyOptions {
  namespace: string;
  /** Keep name resolution working: allow UDP and TCP 53 to the cluster DNS pods. */
  allowDns: boolean;
  dns: DnsSelector;
  name?: string;
}

/** The DNS egress rule: cluster DNS pods, UDP and TCP 53. */
export function dnsEgressRule(dns: DnsSelector): Record<string, unknown> {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { ...dns.namespaceSelector } },
        podSelector: { matchLabels: { ...dns.podSelector } },
      },
    ],
    ports: [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ],
  };
}

/** A NetworkPolicy that denies all egress of a namespace's pods (optionally except DNS). */
export function defaultDenyEgress(o: DefaultDenyOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = { podSelector: {}, policyTypes: ['Egress'] };
  if (o.allowDns) spec.egress = [dnsEgressRule(o.dns)];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: o.name ?? (o.allowDns ? 'default-deny-egress' : 'deny-all-egress'), namespace: o.namespace },
    spec,
  };
}

/** A name not yet taken in the namespace: `base`, `base-2`, ... */
export function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
