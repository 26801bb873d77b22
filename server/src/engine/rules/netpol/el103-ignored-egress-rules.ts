import { spanAt } from '../../model/anchor';
import { locate } from '../../parse/locate';
import { appendItem } from '../../fixes/yaml-edit';
import { isNetworkPolicy } from '../../model/networkpolicy';
import { networkPolicyOf } from '../../model/model';
import { defineRule, type RawFinding } from '../rule';
import { resourceAt } from '../lookup';

const TYPE = { egress: 'Egress', ingress: 'Ingress' } as const;

export const el103 = defineRule({
  id: 'EL103',
  name: 'ignored-egress-rules',
  severity: 'error',
  docs: {
    summary: 'A NetworkPolicy has `egress:` rules, but its `policyTypes` is given without `Egress`, so the rules are ignored. The same holds for `ingress:` rules without `Ingress`.',
    why: 'When `policyTypes` is present, Kubernetes applies only the directions it lists. Egress rules written under a policy that says `policyTypes: [Ingress]` restrict nothing: the pods keep unrestricted egress while the YAML suggests otherwise.',
    bad: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: foo-deny-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: foo}
  policyTypes: [Ingress]
  egress:
  - to:
    - podSelector: {}
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: foo-deny-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: foo}
  policyTypes: [Ingress, Egress]
  egress:
  - to:
    - podSelector: {}
`,
    fix: 'depends',
    fixSafety: 'Safe only when every pod the policy selects is already isolated in that direction by another policy of the default tier (then the rules, once in force, can only add connections) and the workspace is complete (`assumeCompleteWorkspace`). Otherwise the fix, which adds the missing type to `policyTypes` as the rules were written for, is unsafe: the pods lose every connection the rules do not allow, DNS included, so it is offered one by one and fix-all leaves it alone.',
  },
  checkResource(r) {
    const out: RawFinding[] = [];
    if (!isNetworkPolicy(r)) return out;
    const np = networkPolicyOf(r);
    if (!np.policyTypesGiven) return out;
    for (const dir of ['egress', 'ingress'] as const) {
      if (np.affects[dir] || np.rules[dir].length === 0) continue;
      const other = np.policyTypesGiven.join(', ');
      out.push({
        uri: np.resource.uri,
        span: spanAt(np.resource, ['spec', dir], true),
        message: `These ${dir} rules are ignored: policyTypes lists only ${other}, so NetworkPolicy ${np.namespace}/${np.name} does not restrict ${dir}. Add "${TYPE[dir]}" to policyTypes.`,
        related: [{ uri: np.resource.uri, span: spanAt(np.resource, ['spec', 'policyTypes']), message: 'policyTypes is given here' }],
        data: { add: TYPE[dir] },
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    if (!r || !isNetworkPolicy(r)) return [];
    const add = String(ctx.finding.data?.add ?? 'Egress');
    const seq = locate(r.doc.doc, [...r.path, 'spec', 'policyTypes']).node;
    const edit = seq && appendItem(ctx.file, seq, add);
    if (!edit) return [];
    const dir = add === 'Ingress' ? 'ingress' : 'egress';
    const c = ctx.reach.policies.netpols.find((x) => x.policy.resource === r);
    // Pods already isolated in that direction in the default tier: the rules, now in force, only add to what they may do.
    const isolatedAlready =
      c !== undefined &&
      ctx.config.assumeCompleteWorkspace &&
      c.subjects.every((w) => ctx.reach.policies.of(w, dir).tiers.some((e) => e.tier.name === 'default' && e.policies.some((p) => p !== c.tierPolicy && p.isolates[dir])));
    return isolatedAlready
      ? [{ title: `Add ${add} to policyTypes`, safety: 'safe', edits: [edit] }]
      : [{ title: `Add ${add} to policyTypes`, safety: 'unsafe', edits: [edit] }];
  },
});
