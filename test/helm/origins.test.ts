// Findings in a Helm chart land on the template line that wrote the key: helm's output aligned with the
// templates (server/src/engine/helm/origins.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { alignRendered, splitRendered, templatePath, TemplateMap } from '../../server/src/engine/helm/origins';

const template = `{{- if .Values.sa.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Values.name }}
---
{{- end }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ .Values.name }}
  labels:
    {{- toYaml .Values.labels | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app: {{ .Values.name }}
  egress:
  {{- range .Values.cidrs }}
  - to:
    - ipBlock:
        cidr: {{ . }}
  {{- end }}
`;

const rendered = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api
  labels:
    team: shop
    tier: web
spec:
  podSelector:
    matchLabels:
      app: api
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/8
  - to:
    - ipBlock:
        cidr: 0.0.0.0/0
`;

const lines = (t: string) => t.split('\n');

test('helm output splits into documents, each with the template helm names', () => {
  const out = `---\n# Source: shop/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\n---\n# Source: shop/templates/np.yaml\napiVersion: v1\n`;
  const docs = splitRendered(out);
  assert.deepEqual(docs.map((d) => d.source), ['shop/templates/sa.yaml', 'shop/templates/np.yaml']);
  assert.equal(out.slice(docs[1].offset, docs[1].offset + docs[1].text.length), docs[1].text);
  assert.match(docs[1].text, /^# Source: shop\/templates\/np.yaml\napiVersion: v1\n$/);
  assert.equal(templatePath('shop/templates/np.yaml', 'shop'), 'templates/np.yaml');
  assert.equal(templatePath('shop/charts/db/templates/np.yaml', 'shop'), 'charts/db/templates/np.yaml');
  assert.equal(templatePath('other/templates/np.yaml', 'shop'), undefined);
});

test('each rendered line is aligned with the template line that wrote it, in the right document of the file', () => {
  const o = alignRendered(template, rendered);
  const t = lines(template);
  const at = (renderedLine: number) => {
    const x = o[renderedLine];
    return x.kind === 'unknown' ? 'unknown' : `${x.kind}:${t[x.line].trim()}`;
  };
  const r = lines(rendered);
  assert.equal(r[3], '  name: api');
  // The NetworkPolicy's name, not the ServiceAccount's (same template text, earlier in the file).
  assert.equal(o[3].kind === 'literal' && o[3].line, 10);
  assert.equal(at(0), 'literal:apiVersion: networking.k8s.io/v1');
  // Lines written by toYaml belong to the action line.
  assert.equal(at(5), 'action:{{- toYaml .Values.labels | nindent 4 }}');
  assert.equal(at(6), 'action:{{- toYaml .Values.labels | nindent 4 }}');
  assert.equal(at(10), 'literal:app: {{ .Values.name }}');
  // Both turns of the range loop reach the loop's lines.
  assert.equal(at(12), 'literal:- to:');
  assert.equal(at(14), 'literal:cidr: {{ . }}');
  assert.equal(at(15), 'literal:- to:');
  assert.equal(at(17), 'literal:cidr: {{ . }}');
});

test('a span of the rendered text maps to the exact key in the template, or to the line that wrote a value', () => {
  const map = new TemplateMap(template, rendered);
  const offsetOf = (needle: string, from = 0) => rendered.indexOf(needle, from);
  const key = offsetOf('egress');
  const k = map.templateSpan({ start: key, end: key + 'egress'.length });
  assert.ok(k?.exact);
  assert.equal(template.slice(k.start, k.end), 'egress');
  assert.equal(template.slice(0, k.start).split('\n').length, 18, 'the egress key on line 18 of the template');
  // The second cidr value comes from an action: the template line is the answer.
  const v = offsetOf('0.0.0.0/0');
  const s = map.templateSpan({ start: v, end: v + '0.0.0.0/0'.length });
  assert.ok(s && !s.exact);
  assert.equal(template.slice(s.start, s.end), 'cidr: {{ . }}');
  // The key of that value is literal.
  const c = offsetOf('cidr', v - 12);
  const ck = map.templateSpan({ start: c, end: c + 4 });
  assert.ok(ck?.exact);
  assert.equal(template.slice(ck.start, ck.end), 'cidr');
  // Labels written by toYaml: no template line holds them.
  const team = offsetOf('team');
  assert.equal(map.templateSpan({ start: team, end: team + 4 }), undefined);
});

test('CRLF templates and rendered text align the same way', () => {
  const o = alignRendered(template.replace(/\n/g, '\r\n'), rendered.replace(/\n/g, '\r\n'));
  assert.deepEqual(o, alignRendered(template, rendered));
});

test('a line that is all actions (`{{ .k }}: {{ .v }}`) does not take lines that toYaml wrote at another indentation', () => {
  const t = `spec:\n  resources:\n    {{- toYaml .Values.resources | nindent 4 }}\n---\nkind: Other\nmetadata:\n  labels:\n    {{ .Values.key }}: {{ .Values.value }}\n`;
  const r = `spec:\n  resources:\n    requests:\n      memory: 64Mi\n`;
  const o = alignRendered(t, r);
  assert.deepEqual(o[3], { kind: 'action', line: 2 });
});
