import { keySpan } from '../parse/locate';
import { defineRule, type RawFinding } from './rule';
import { ciliumEgressRules } from './cilium-paths';

const OTHER_L3 = ['toEndpoints', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toGroups', 'toNodes', 'toRequires'];

export const el403 = defineRule({
  id: 'EL403',
  name: 'fqdn-mixed-with-l3',
  severity: 'error',
  docs: {
    summary: 'A Cilium egress rule combines `toFQDNs` with another destination selector (`toEndpoints`, `toCIDR`, `toEntities`…).',
    why: 'Cilium rejects a rule that mixes `toFQDNs` with other L3 selectors, so the policy is not applied. Write one rule per kind of destination; rules add up.',
    bad: 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: mixed\n  namespace: shop\nspec:\n  endpointSelector:\n    matchLabels: {app: api}\n  egress:\n  - toFQDNs:\n    - matchName: api.stripe.com\n    toCIDR: [10.0.0.0/8]\n',
    good: 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: mixed\n  namespace: shop\nspec:\n  endpointSelector:\n    matchLabels: {app: api}\n  egress:\n  - toFQDNs:\n    - matchName: api.stripe.com\n  - toCIDR: [10.0.0.0/8]\n  - toEndpoints:\n    - matchLabels:\n        "k8s:io.kubernetes.pod.namespace": kube-system\n        "k8s:k8s-app": kube-dns\n    toPorts:\n    - ports:\n      - {port: "53", protocol: ANY}\n      rules:\n        dns:\n        - matchPattern: "*"\n',
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
