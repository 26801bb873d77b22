import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze } from '../../server/src/engine';

/** What is a template: a file whose {{ }} breaks its YAML, or any file under a Helm chart's templates/. */

const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n';
const notices = (a: ReturnType<typeof analyze>) => a.findings.filter((f) => f.ruleId === 'EL004').map((f) => f.uri);

test('a file under a chart\'s templates/ folder is a template, even when its YAML is valid', () => {
  const a = analyze([
    { uri: 'file:///ws/chart/Chart.yaml', text: 'apiVersion: v2\nname: shop\nversion: 1.0.0\n' },
    { uri: 'file:///ws/chart/templates/policy.yaml', text: policy },
    { uri: 'file:///ws/chart/templates/sub/policy.yaml', text: policy },
    { uri: 'file:///ws/other/templates/policy.yaml', text: policy },
  ]);
  assert.deepEqual(notices(a), ['file:///ws/chart/templates/policy.yaml', 'file:///ws/chart/templates/sub/policy.yaml']);
  assert.deepEqual(a.model.resources.map((r) => r.uri), ['file:///ws/other/templates/policy.yaml'], 'without a Chart.yaml beside it, templates/ is a folder like any other');
});

test('{{ }} makes a template only where it breaks the YAML', () => {
  const inString = analyze([{ uri: 'file:///ws/a.yaml', text: policy.replace('name: deny', 'name: deny\n  annotations: {note: "{{ x }}"}') }]);
  assert.deepEqual(notices(inString), []);
  assert.equal(inString.model.resources.length, 1);
  const keyedByMap = analyze([{ uri: 'file:///ws/b.yaml', text: policy.replace('name: deny', 'name: {{ .Release.Name }}') }]);
  assert.deepEqual(notices(keyedByMap), ['file:///ws/b.yaml']);
  const control = analyze([{ uri: 'file:///ws/c.yaml', text: `{{- if .Values.enabled }}\n${policy}{{- end }}\n` }]);
  assert.deepEqual(notices(control), ['file:///ws/c.yaml']);
});
