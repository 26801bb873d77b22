import { nameSpan } from '../../model/anchor';
import { samePlain } from '../../model/resources';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from '../mesh/refs';

export const el007 = defineRule({
  id: 'EL007',
  name: 'duplicate-resource',
  severity: 'error',
  docs: {
    summary: 'The same resource (API group, kind, namespace and name) is defined twice in one cluster view. Two identical copies (a generated bundle beside its sources) are reported as information only.',
    why: 'A cluster holds one object per group, kind, namespace and name. Kustomize and Helm refuse to render two; `kubectl apply` applies both, and the one applied last replaces the other, so which one the cluster ends up with depends on the order of files. Two Gateways or DestinationRules of one name do not add up: the routes, subsets and policies of one of them do not exist. Egress Lens analyses the first definition (in file order, then document order) and reports each further one here, with the first as related information.',
    bad: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v2
    labels: {version: v2}
`,
    good: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: shop
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: merge the two definitions, rename one, or move one to another cluster view (a Kustomize overlay, or a `clusters:` entry).',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const { resource: r, first } of ctx.model.duplicates) {
      const ns = r.namespace ? ` in namespace ${r.namespace}` : '';
      if (samePlain(r.obj, first.obj)) {
        // Two identical copies (a generated bundle beside its sources): the cluster ends up with the same object either way.
        out.push({
          uri: r.uri,
          span: nameSpan(r),
          severity: 'info',
          message: `${r.kind} ${r.name}${ns} (${r.group || 'core'} API) is defined twice in this cluster view, identically: the cluster ends up with the same object whichever is applied, but the copies can drift apart. Keep one source, or put the copy in another cluster view.`,
          related: [relatedTo(first, `${kindName(first)}: the other, identical definition`)],
          data: { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name, identical: true },
        });
        continue;
      }
      out.push({
        uri: r.uri,
        span: nameSpan(r),
        message: `${r.kind} ${r.name}${ns} (${r.group || 'core'} API) is defined twice in this cluster view: the cluster keeps one object, so one definition replaces the other. Egress Lens analyses the first definition and ignores this one.`,
        related: [relatedTo(first, `${kindName(first)}: the first definition, the one analysed`)],
        data: { group: r.group, kind: r.kind, namespace: r.namespace, name: r.name },
      });
    }
    return out;
  },
});
