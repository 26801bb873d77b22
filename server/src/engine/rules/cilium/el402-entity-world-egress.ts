import { spanAt } from '../../model/anchor';
import { isRecord } from '../../model/resources';
import { parseCidr } from '../../sets/iprange';
import { defineRule, type RawFinding } from '../rule';
import { ciliumEgressRules } from './paths';

const WIDE = new Set(['world', 'world-ipv4', 'world-ipv6', 'all']);

export const el402 = defineRule({
  id: 'EL402',
  name: 'entity-world-egress',
  severity: 'warning',
  docs: {
    summary: 'A Cilium egress rule allows `toEntities: [world]` or `[all]`, or a `toCIDR`/`toCIDRSet` of `0.0.0.0/0` or `::/0`.',
    why: '`world` is every address outside the cluster and `all` is everything: the selected pods can reach any host on the internet (on the listed ports). Name the destinations with `toFQDNs` or specific CIDRs instead.',
    bad: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: outbound
  namespace: shop
spec:
  endpointSelector:
    matchLabels: {app: api}
  egress:
  - toEntities: [world]
    toPorts:
    - ports:
      - {port: "443", protocol: TCP}
`,
    good: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: outbound
  namespace: shop
spec:
  endpointSelector:
    matchLabels: {app: api}
  egress:
  - toFQDNs:
    - matchName: api.stripe.com
    toPorts:
    - ports:
      - {port: "443", protocol: TCP}
  - toEndpoints:
    - matchLabels:
        "k8s:io.kubernetes.pod.namespace": kube-system
        "k8s:k8s-app": kube-dns
    toPorts:
    - ports:
      - {port: "53", protocol: ANY}
      rules:
        dns:
        - matchPattern: "*"
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the destinations the pods need are not written anywhere.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    for (const e of ciliumEgressRules([r])) {
      const ports = Array.isArray(e.rule.toPorts) ? ' on the ports listed' : ' on every port';
      (Array.isArray(e.rule.toEntities) ? e.rule.toEntities : []).forEach((ent, i) => {
        if (!WIDE.has(String(ent))) return;
        out.push({
          uri: e.r.uri,
          span: spanAt(e.r, [...e.path, 'toEntities', i]),
          message: String(ent) === 'all' ? `toEntities: all allows every destination, inside and outside the cluster${ports}.` : `toEntities: ${ent} is every address outside the cluster: the selected pods can reach any host on the internet${ports}.`,
        });
      });
      const wide = (c: unknown) => parseCidr(String(c))?.prefix === 0;
      (Array.isArray(e.rule.toCIDR) ? e.rule.toCIDR : []).forEach((c, i) => {
        if (wide(c)) out.push({ uri: e.r.uri, span: spanAt(e.r, [...e.path, 'toCIDR', i]), message: `${c} is every address: the selected pods can reach any host on the internet${ports}.` });
      });
      (Array.isArray(e.rule.toCIDRSet) ? e.rule.toCIDRSet : []).forEach((s, i) => {
        if (isRecord(s) && wide(s.cidr)) out.push({ uri: e.r.uri, span: spanAt(e.r, [...e.path, 'toCIDRSet', i, 'cidr']), message: `${s.cidr} is every address${Array.isArray(s.except) && s.except.length ? ` (except ${s.except.join(', ')})` : ''}: the selected pods can reach the internet${ports}.` });
      });
    }
    return out;
  },
});
