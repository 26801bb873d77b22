import { isScalar } from 'yaml';
import { spanAt } from '../../model/anchor';
import { isRecord, type Resource } from '../../model/resources';
import { locate, type YamlPath } from '../../parse/locate';
import { calicoSelector, calicoSelectorFields, isCalico } from '../../policy/calico';
import type { Span } from '../../types';
import { validateResource } from '../../schema/validate';
import { defineRule, type RawFinding } from '../rule';

export const el002 = defineRule({
  id: 'EL002',
  name: 'schema',
  severity: 'error',
  docs: {
    summary: 'A known kind violates its JSON Schema (an unknown field, a wrong type, a missing required field or a value out of its set) or what the API server validates beyond it (a NetworkPolicy peer with no field, a peer combining `ipBlock` with a selector, a `policyTypes` value other than `Ingress`/`Egress`).',
    why: 'The API server rejects such objects, or (with client-side field pruning) silently drops the unknown field. A misspelt `podSelector` or `egres` key means the policy does not say what you think.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egres:
  - ports:
    - port: 443
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - port: 443
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: where the message knows the answer (a misspelt field\'s closest known name, a number written in quotes), the fix writes it; the object, which the API server rejected or read without the field, then means something else (misspelt `egres` rules start to apply). No fix otherwise.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    // Broken YAML makes schema errors unreliable: EL001 speaks for the document first.
    if (r.doc.errors.length > 0) return out;
    for (const v of (r.doc.value !== undefined && validateResource(r)) || []) {
      out.push({ uri: r.uri, span: spanAt(r, v.path, v.atKey), message: v.message, ...(v.replacement !== undefined ? { data: { replacement: v.replacement, key: v.atKey } } : {}) });
    }
    out.push(...networkPolicyValidation(r));
    // Calico selectors are strings in a language of their own: a syntax error is pointed at its character.
    if (!isCalico(r)) return out;
    for (const f of calicoSelectorFields(r)) {
      const p = calicoSelector(f.text);
      if (p.ok) continue;
      out.push({ uri: r.uri, span: spanInString(r, f.path, p.error.offset, p.error.length), message: `Calico selector: ${p.error.message}` });
    }
    return out;
  },
  fixes(ctx) {
    const { replacement, key } = ctx.finding.data ?? {};
    if (typeof replacement !== 'string') return [];
    const was = ctx.file.text.slice(ctx.finding.span.start, ctx.finding.span.end);
    const title = key === true ? `Rename ${was} to ${replacement}` : `Write ${was} as the number ${replacement}`;
    return [{ title, safety: 'unsafe', edits: [{ uri: ctx.finding.uri, start: ctx.finding.span.start, end: ctx.finding.span.end, newText: replacement }] }];
  },
});

/**
 * What the API server's NetworkPolicy validation rejects beyond the JSON Schema: a `policyTypes` value other
 * than Ingress/Egress, a peer with no field (`to: [{}]`), and a peer combining `ipBlock` with a selector.
 */
function networkPolicyValidation(r: Resource): RawFinding[] {
  if (r.kind !== 'NetworkPolicy' || (r.group !== 'networking.k8s.io' && r.group !== 'extensions')) return [];
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const out: RawFinding[] = [];
  const at = (path: YamlPath, message: string, atKey = false) => out.push({ uri: r.uri, span: spanAt(r, path, atKey), message });
  if (Array.isArray(spec.policyTypes)) {
    spec.policyTypes.forEach((t, i) => {
      if (typeof t === 'string' && t !== 'Ingress' && t !== 'Egress') at(['spec', 'policyTypes', i], `policyTypes: "${t}" is not a policy type (Ingress or Egress${/^(ingress|egress)$/i.test(t) ? `; the value is case-sensitive: ${t[0].toUpperCase()}${t.slice(1).toLowerCase()}` : ''}); the API server rejects the policy.`);
    });
  }
  for (const [dir, side] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule, i) => {
      if (!isRecord(rule) || !Array.isArray(rule[side])) return;
      (rule[side] as unknown[]).forEach((peer, j) => {
        if (!isRecord(peer)) return;
        const path: YamlPath = ['spec', dir, i, side, j];
        const has = (k: string) => peer[k] !== undefined && peer[k] !== null;
        if (!has('podSelector') && !has('namespaceSelector') && !has('ipBlock')) at(path, `${dir}[${i}].${side}[${j}] names no peer: give a podSelector, a namespaceSelector or an ipBlock (to allow everything, leave out \`${side}\`); the API server rejects the policy.`);
        else if (has('ipBlock') && (has('podSelector') || has('namespaceSelector'))) at([...path, 'ipBlock'], `${dir}[${i}].${side}[${j}] combines ipBlock with a ${has('podSelector') ? 'podSelector' : 'namespaceSelector'}: a peer is either addresses or selected pods (make them two list items); the API server rejects the policy.`, true);
      });
    });
  }
  return out;
}

/** The span of characters inside a string value (quotes skipped; escapes are rare in selectors). */
function spanInString(r: Resource, path: YamlPath, offset: number, length: number): Span {
  const node = locate(r.doc.doc, [...r.path, ...path]).node;
  if (!node || !isScalar(node) || !node.range) return spanAt(r, path);
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  const start = node.range[0] + (quoted ? 1 : 0) + offset;
  return { start: Math.min(start, node.range[1]), end: Math.min(start + Math.max(1, length), node.range[1]) };
}
