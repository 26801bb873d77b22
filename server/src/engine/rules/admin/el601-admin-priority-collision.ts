import { nameSpan, spanAt } from '../../model/anchor';
import { isRecord, type Resource } from '../../model/resources';
import { defineRule, type RawFinding } from '../rule';

function tierOf(r: Resource): string {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  return r.kind === 'ClusterNetworkPolicy' ? String(spec.tier ?? 'Admin') : r.kind;
}

export const el601 = defineRule({
  id: 'EL601',
  name: 'admin-priority-collision',
  severity: 'warning',
  docs: {
    summary: 'Two AdminNetworkPolicies (or ClusterNetworkPolicies of one tier) have the same priority and select overlapping pods.',
    why: 'The API leaves the order of equal priorities undefined: which of the two decides depends on the implementation, and can change on upgrade. Give each policy its own priority.',
    bad: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: block-metadata
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: no-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: allow-monitoring
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: to-prometheus, action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
`,
    good: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: block-metadata
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: no-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: allow-monitoring
spec:
  priority: 20
  subject: {namespaces: {}}
  egress:
  - {name: to-prometheus, action: Allow, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: which should win is a decision.',
  },
  // The admin policies alone.
  reads: ['policies'],
  check(ctx) {
    const out: RawFinding[] = [];
    const policies = ctx.model.adminPolicies.filter((r) => r.kind !== 'BaselineAdminNetworkPolicy');
    const compiled = new Map(ctx.reach.policies.adminPolicies.map((c) => [c.resource, c]));
    const sorted = [...policies].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i];
        const b = sorted[j];
        // The same name twice is one object written twice (the later one wins), not two policies.
        if (tierOf(a) !== tierOf(b) || a.name === b.name) continue;
        const pa = isRecord(a.obj.spec) ? a.obj.spec.priority : undefined;
        const pb = isRecord(b.obj.spec) ? b.obj.spec.priority : undefined;
        if (typeof pa !== 'number' || pa !== pb) continue;
        const ca = compiled.get(a);
        const cb = compiled.get(b);
        const sameSubject = JSON.stringify(isRecord(a.obj.spec) ? a.obj.spec.subject : null) === JSON.stringify(isRecord(b.obj.spec) ? b.obj.spec.subject : null);
        const overlap = ca && cb && [...ca.subjects].some((w) => cb.subjects.has(w));
        if (!overlap && !sameSubject) continue;
        out.push({
          uri: b.uri,
          span: spanAt(b, ['spec', 'priority']),
          message: `${b.kind} ${b.name} and ${a.kind} ${a.name} both have priority ${pb} and select the same pods: which one decides first is undefined.`,
          related: [{ uri: a.uri, span: nameSpan(a), message: `${a.name} also has priority ${pa}` }],
        });
      }
    }
    return out;
  },
});
