import { defineRule } from '../rule';

export const el004 = defineRule({
  id: 'EL004',
  name: 'file-not-analysed',
  severity: 'info',
  docs: {
    summary: 'A file is skipped: it holds Helm or Go template syntax, is binary, is larger than the configured limit, nests deeper than any manifest (400 levels), or cannot be read (no permission, or not a regular file: a named pipe, a socket, a device). A Helm chart is not rendered (reported on its Chart.yaml): helm is not installed, the workspace is not trusted, a dependency is missing from charts/, or helm template failed.',
    why: 'Templates are not Kubernetes YAML until they are rendered, and very large or binary files would slow the editor. Egress Lens says once, on the first line, why it did not look at the file, so that silence is never mistaken for a clean bill of health.',
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: {{ .Release.Namespace }}
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
`,
    fix: 'none',
    fixSafety: 'No fix: install helm (or set egressLens.helm.path / helm.path), trust the workspace, or run helm dependency build; Kustomize is rendered by Egress Lens itself.',
  },
  check(ctx) {
    const out = [];
    for (const f of ctx.files) {
      if (!f.notice) continue;
      const at = f.notice.at ?? (f.notice.code === 'template' ? Math.max(0, f.text.indexOf('{{')) : 0);
      // The `{{`, the spot, or the first line (at most 80 characters, its line break excluded).
      const head = f.text.slice(at, at + 80);
      const lineEnd = head.search(/[\r\n]/);
      const width = f.notice.code === 'template' ? 2 : f.notice.at !== undefined ? 1 : lineEnd < 0 ? head.length : lineEnd;
      // A file that could not be read is a gap in what was checked: a warning, so that a run in CI notices it.
      const severity = f.notice.code === 'unreadable' ? ('warning' as const) : undefined;
      out.push({ uri: f.uri, span: { start: at, end: Math.min(f.text.length, at + width) }, message: f.notice.message, data: { notice: f.notice.code }, ...(severity ? { severity } : {}) });
    }
    return out;
  },
});
