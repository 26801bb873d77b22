import { defineRule } from '../rule';

export const el006 = defineRule({
  id: 'EL006',
  name: 'invalid-configuration',
  severity: 'error',
  docs: {
    summary: 'The `.egress-lens.yaml` configuration has an unknown setting or a value of the wrong kind; that setting is ignored.',
    why: 'A misspelt setting does nothing silently: the DNS selector you meant to set, or the rule you meant to turn off, keeps its default. The problem is shown where it is, and the rest of the configuration still applies.',
    bad: `# .egress-lens.yaml
cni: calico
rules:
  EL101: of
`,
    good: `# .egress-lens.yaml
cni: calico
rules:
  EL101: "off"
`,
    fix: 'none',
    fixSafety: 'No automatic fix.',
    input: 'config',
  },
  // The configuration alone.
  reads: [],
  check(ctx) {
    return ctx.config.configProblems.map((p) => ({ uri: p.uri, span: p.span, message: p.message }));
  },
});
