import { keySpan } from '../../parse/locate';
import { defineRule, type RawFinding } from '../rule';
import { ciliumEgressRules } from './paths';

const OTHER_L3 = ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toGroups', 'toNodes', 'toRequires'];

export const el403 = defineRule({
  id: 'EL403',
  name: 'fqdn-mixed-with-l3',
  severity: 'error',
  docs: {
    summary: 'A Cilium egress rule combines `toFQDNs` with another destination selector (`toEndpoints`, `toCIDR`, `toEntities`…).',
    why: 'Cilium rejects a rule that mixes `toFQDNs` with other L3 selectors, so the policy is not applied. Write one rule per kind of destination; rules add up.',
    bad: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: mixed
  namespace: shop
spec:
  endpointSelector:
    matchLabels: {app: api}
  egress:
  - toFQDNs:
    - matchName: api.stripe.com
    toCIDR: [10.0.0.0/8]
`,
    good: `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: mixed
  namespace: shop
spec:
  endpointSelector:
    matchLabels: {app: api}
  egress:
  - toFQDNs:
    - matchName: api.stripe.com
  - toCIDR: [10.0.0.0/8]
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
    fixSafety: 'No automatic fix yet: split the rule in two.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    for (const e of ciliumEgressRules([r])) {
      if (!Array.isArray(e.rule.toFQDNs)) continue;
      for (const k of OTHER_L3) {
        if (e.rule[k] === undefined) continue;
        out.push({
          uri: e.r.uri,
          span: keySpan(e.r.doc.doc, [...e.r.path, ...e.path, k]) ?? { start: e.r.doc.span.start, end: e.r.doc.span.start },
          message: `${k} cannot share a rule with toFQDNs: Cilium rejects the policy. Put ${k} in a rule of its own.`,
        });
      }
    }
    return out;
  },
});
