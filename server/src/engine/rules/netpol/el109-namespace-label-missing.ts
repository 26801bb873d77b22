import { nameSpan } from '../../model/anchor';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { defineRule, type RawFinding } from '../rule';
import type { Namespace } from '../../model/model';
import type { SelectorRequirement } from '../../model/selector';
import { resourceAt } from '../lookup';
import { keyAt, peerKey } from './paths';

const NAME_LABEL = 'kubernetes.io/metadata.name';
/** Keys people use when they mean the namespace's name (any other key with a namespace's name as value is a coincidence). */
const NAME_LIKE = /^(name|ns|namespace|namespace-name|namespace_name|kubernetes\.io\/namespace|[\w.-]+\/(name|namespace))$/;

/**
 * The namespace a selector requirement means by its name, when it selects it by a name-like label that no
 * namespace carries (EL109's mistake): EL108 leaves such selectors to EL109, the cause.
 */
export function misnamedNamespace(req: SelectorRequirement, namespaces: readonly Namespace[], byName: ReadonlyMap<string, Namespace>): Namespace | undefined {
  if (req.operator !== 'In' || req.values.length !== 1 || req.key === NAME_LABEL || !NAME_LIKE.test(req.key)) return undefined;
  const value = req.values[0];
  if (namespaces.some((ns) => ns.labels[req.key] === value)) return undefined;
  return byName.get(value);
}

export const el109 = defineRule({
  id: 'EL109',
  name: 'namespace-label-missing',
  severity: 'warning',
  docs: {
    summary: 'A namespaceSelector uses a name-like label (`name`, `ns`, `namespace`, …) that no declared Namespace carries, while the namespace its value names exists: the `name:` versus `kubernetes.io/metadata.name` mistake.',
    why: 'Namespaces carry only the labels written on them, plus `kubernetes.io/metadata.name`, which the API server adds. A selector on `name: payments` matches nothing unless someone labelled the namespace by hand, so the rule silently allows nothing (or, in an ingress rule, locks out the namespace it meant to admit).',
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: payments
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-payments
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          name: payments
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: payments
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: to-payments
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: payments
`,
    fix: 'safe',
    fixSafety: 'Safe: the selector matches no namespace today; the fix makes it match the namespace its value names.',
  },
  // Its NetworkPolicies' namespace selectors, against the namespaces' labels.
  reads: ['namespaces'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    const namespaces = [...ctx.model.namespaces.values()];
    for (const np of ns.networkPolicies) {
      for (const dir of ['egress', 'ingress'] as const) {
        for (const rule of np.rules[dir]) {
          for (const p of rule.peers ?? []) {
            if (p.kind !== 'selector' || !p.namespaceSelector) continue;
            for (const req of p.namespaceSelector.requirements) {
              const named = misnamedNamespace(req, namespaces, ctx.model.namespaces);
              if (!named) continue;
              const value = req.values[0];
              const path = ['spec', dir, rule.index, peerKey(dir), p.index, 'namespaceSelector', 'matchLabels', req.key];
              out.push({
                uri: np.resource.uri,
                span: keyAt(np.resource, path),
                message: `No namespace carries the label ${req.key}=${value}, but namespace ${value} exists: this selector matches nothing. Namespaces are labelled ${NAME_LABEL} automatically; use that key.`,
                related: named.resource ? [{ uri: named.resource.uri, span: nameSpan(named.resource), message: `Namespace ${value} has no label ${req.key}` }] : undefined,
                data: { path },
              });
            }
          }
        }
      }
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const path = ctx.finding.data?.path;
    if (!r || !isNetworkPolicy(r) || !Array.isArray(path)) return [];
    const span = keyAt(r, path as (string | number)[]);
    return [{ title: `Select the namespace by ${NAME_LABEL}`, safety: 'safe', edits: [{ uri: r.uri, start: span.start, end: span.end, newText: NAME_LABEL }] }];
  },
});
