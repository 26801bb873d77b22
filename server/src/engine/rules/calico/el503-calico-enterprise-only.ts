import { spanAt } from '../../model/anchor';
import { isRecord } from '../../model/resources';
import { isCalico } from '../../policy/calico';
import { keySpan } from '../../parse/locate';
import { defineRule, type RawFinding } from '../rule';
import { calicoEgressRules } from './paths';

const EGRESS_GATEWAY_ANNOTATION = /^egress\.projectcalico\.org\//;

export const el503 = defineRule({
  id: 'EL503',
  name: 'calico-enterprise-only',
  severity: 'info',
  docs: {
    summary: 'A field only Calico Enterprise (or Calico Cloud) enforces: `domains` in a rule, `allowedEgressDomains` in a network set, egress gateway annotations or resources.',
    why: 'Calico Open Source accepts or rejects these differently: a DNS policy written with `domains` does nothing on it, and egress gateway annotations are ignored. Check which edition the cluster runs before relying on them.',
    bad: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: to-stripe
  namespace: shop
spec:
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    destination:
      domains: [api.stripe.com]
`,
    good: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: to-stripe
  namespace: shop
spec:
  selector: app == 'api'
  types: [Egress]
  egress:
  - action: Allow
    destination:
      nets: [203.0.113.0/24]
`,
    fix: 'none',
    fixSafety: 'No automatic fix.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    for (const e of calicoEgressRules([r])) {
      if (isRecord(e.rule.destination) && e.rule.destination.domains !== undefined) {
        out.push({ uri: e.r.uri, span: keySpan(e.r.doc.doc, [...e.r.path, ...e.path, 'destination', 'domains']) ?? spanAt(e.r, e.path), message: '`domains` is enforced by Calico Enterprise and Calico Cloud only: on Calico Open Source this rule does not allow these names.' });
      }
    }
    if (isCalico(r) && (r.kind === 'NetworkSet' || r.kind === 'GlobalNetworkSet') && isRecord(r.obj.spec) && r.obj.spec.allowedEgressDomains !== undefined) {
      out.push({ uri: r.uri, span: spanAt(r, ['spec', 'allowedEgressDomains'], true), message: '`allowedEgressDomains` is enforced by Calico Enterprise and Calico Cloud only.' });
    }
    if (isCalico(r) && /EgressGateway/.test(r.kind)) {
      out.push({ uri: r.uri, span: spanAt(r, ['kind']), message: `${r.kind} is a Calico Enterprise resource: Calico Open Source has no egress gateways.` });
    }
    for (const [k] of Object.entries(r.annotations)) {
      if (EGRESS_GATEWAY_ANNOTATION.test(k)) out.push({ uri: r.uri, span: spanAt(r, ['metadata', 'annotations', k], true), message: `The ${k} annotation selects a Calico Enterprise egress gateway: Calico Open Source ignores it.` });
    }
    return out;
  },
});
