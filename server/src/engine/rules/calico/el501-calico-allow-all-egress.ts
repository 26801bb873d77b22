import { defineRule, type RawFinding } from '../rule';
import { calicoEgressRules, restrictsPeers } from './paths';
import { ruleAnchor } from '../netpol/paths';
import { isRecord } from '../../model/resources';

export const el501 = defineRule({
  id: 'EL501',
  name: 'calico-allow-all-egress',
  severity: 'warning',
  docs: {
    summary: 'A Calico egress rule allows without restricting the destination (no selector, namespaceSelector, nets, services or domains); info when it is limited to a protocol or ports.',
    why: 'An `Allow` with an empty destination lets the selected workloads reach every pod and every address. Because Calico rules are final, it also pre-empts every later Deny in the tier.',
    bad: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
`,
    good: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    protocol: TCP
    destination:
      selector: app == 'db'
      ports: [5432]
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the destinations the workloads need are not written anywhere.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    for (const e of calicoEgressRules([r])) {
      if (e.rule.action !== 'Allow' || restrictsPeers(e.rule.destination)) continue;
      const dest = isRecord(e.rule.destination) ? e.rule.destination : {};
      const limited = e.rule.protocol !== undefined || dest.ports !== undefined;
      out.push({
        uri: e.r.uri,
        span: ruleAnchor(e.r, e.path),
        severity: limited ? 'info' : undefined,
        message: `This Allow egress rule of ${e.r.kind} ${e.r.namespace ? `${e.r.namespace}/` : ''}${e.r.name} has no destination: the selected workloads can reach every pod and every address${limited ? ' on its protocol and ports' : ''}.`,
      });
    }
    return out;
  },
});
