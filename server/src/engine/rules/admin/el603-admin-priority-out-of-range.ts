import { spanAt } from '../../model/anchor';
import { isRecord } from '../../model/resources';
import { isAdminPolicy } from '../../model/admin';
import { defineRule, type RawFinding } from '../rule';

export const el603 = defineRule({
  id: 'EL603',
  name: 'admin-priority-out-of-range',
  severity: 'error',
  docs: {
    summary: 'An AdminNetworkPolicy or ClusterNetworkPolicy priority outside the API’s range (0 to 1000).',
    why: 'The API server rejects the policy, so none of its rules applies; implementations may also support fewer priorities than the API allows.',
    bad: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: too-low
spec:
  priority: 1001
  subject: {namespaces: {}}
  egress:
  - {name: deny-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
`,
    good: `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: too-low
spec:
  priority: 1000
  subject: {namespaces: {}}
  egress:
  - {name: deny-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
`,
    fix: 'none',
    fixSafety: 'No automatic fix.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isAdminPolicy(r) || r.kind === 'BaselineAdminNetworkPolicy') return out;
    const p = isRecord(r.obj.spec) ? r.obj.spec.priority : undefined;
    if (typeof p !== 'number') return out;
    if (Number.isInteger(p) && p >= 0 && p <= 1000) return out;
    out.push({ uri: r.uri, span: spanAt(r, ['spec', 'priority']), message: `Priority ${p} is outside 0-1000: the API server rejects this ${r.kind}.` });
    return out;
  },
});
