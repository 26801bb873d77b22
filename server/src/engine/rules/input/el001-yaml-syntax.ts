import { defineRule } from '../rule';

export const el001 = defineRule({
  id: 'EL001',
  name: 'yaml-syntax',
  severity: 'error',
  docs: {
    summary: 'The YAML does not parse, or a document cannot be read safely (for example an alias bomb).',
    why: 'A manifest that does not parse is rejected by kubectl and by every controller. Egress Lens reports the exact spot and still analyses the other documents of the file.',
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: payments
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: payments}
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the intent of broken YAML cannot be guessed.',
  },
  check(ctx) {
    const out = [];
    for (const f of ctx.files) {
      for (const d of f.documents) {
        for (const e of d.errors) {
          out.push({ uri: f.uri, span: e.span, message: e.message.replace(/\s+$/, ''), data: { code: e.code } });
        }
      }
    }
    return out;
  },
});
