import { ruleById } from '../registry';
import { defineRule, type RawFinding } from '../rule';

export const el005 = defineRule({
  id: 'EL005',
  name: 'suppression-without-reason',
  severity: 'hint',
  unsuppressible: true,
  docs: {
    summary: 'An `# egress-lens-ignore` comment or `egress-lens.io/ignore` annotation gives no reason, or names a rule that does not exist.',
    why: 'A suppression is a decision that a finding does not apply. Without the reason, the next reader cannot tell a reviewed exception from a silenced risk, and a misspelt rule id silences nothing.',
    bad: `# egress-lens-ignore EL101
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  namespace: jobs
spec:
  selector:
    matchLabels: {app: batch}
  template:
    metadata:
      labels: {app: batch}
    spec:
      containers:
      - name: batch
        image: jobs/batch:1
`,
    good: `# egress-lens-ignore EL101: uploads reports to a partner; egress reviewed in SEC-142
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  namespace: jobs
spec:
  selector:
    matchLabels: {app: batch}
  template:
    metadata:
      labels: {app: batch}
    spec:
      containers:
      - name: batch
        image: jobs/batch:1
`,
    fix: 'none',
    fixSafety: 'No automatic fix: only a person can give the reason.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    for (const s of ctx.suppressions) {
      const unknown = s.ids.filter((id) => !ruleById().has(id));
      if (unknown.length > 0) {
        out.push({ uri: s.uri, span: s.span, message: `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a rule' : 'are not rules'} of Egress Lens: this suppression silences nothing.` });
      } else if (s.ids.length === 0) {
        out.push({ uri: s.uri, span: s.span, message: 'This suppression names no rule: write the rule ids, e.g. "egress-lens-ignore EL101: <reason>".' });
      }
      if (!s.reason) {
        out.push({ uri: s.uri, span: s.span, message: `Say why ${s.ids.join(', ') || 'the finding'} does not apply here, after a colon: "egress-lens-ignore ${s.ids.join(', ') || 'EL101'}: <reason>".` });
      }
    }
    return out;
  },
});
