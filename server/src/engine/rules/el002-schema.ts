import { spanAt } from '../model/anchor';
import { validateResource } from '../schema/validate';
import { defineRule, type RawFinding } from './rule';

export const el002 = defineRule({
  id: 'EL002',
  name: 'schema',
  severity: 'error',
  docs: {
    summary: 'A known kind violates its JSON Schema: an unknown field, a wrong type, a missing required field or a value out of its set.',
    why: 'The API server rejects such objects, or (with client-side field pruning) silently drops the unknown field. A misspelt `podSelector` or `egres` key means the policy does not say what you think.',
    bad: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egres:\n  - ports:\n    - port: 443\n',
    good: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-egress\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - port: 443\n',
    fixSafety: 'No automatic fix; the message suggests the closest known field name.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const r of ctx.model.resources) {
      // Broken YAML makes schema errors unreliable: EL001 speaks for the document first.
      if (r.doc.value === undefined || r.doc.errors.length > 0) continue;
      const violations = validateResource(r);
      if (!violations) continue;
      for (const v of violations) {
        out.push({ uri: r.uri, span: spanAt(r, v.path, v.atKey), message: v.message });
      }
    }
    return out;
  },
});
