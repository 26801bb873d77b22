// One mistake, one finding: where one cause would be reported by two rules, the rule of the cause reports it
// and says what follows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze } from '../../server/src/engine';
import { readFixture } from '../support/fixture';

const fixtures = path.join(__dirname, '../../../test/fixtures/rules');

test('EL401 carries what EL104 would have said: the pods resolve no name at all', () => {
  const text = readFixture(readFileSync(path.join(fixtures, 'EL104/ok-cilium-fqdn-is-el401.yaml'), 'utf8')).text;
  const a = analyze([{ uri: 'file:///c.yaml', text }]);
  assert.deepEqual(a.findings.filter((f) => f.ruleId === 'EL104'), []);
  const el401 = a.findings.filter((f) => f.ruleId === 'EL401');
  assert.equal(el401.length, 1);
  assert.match(el401[0].message, /DNS is not allowed at all either/);
  // With DNS allowed by a NetworkPolicy as well, EL104 has nothing to say and EL401 no longer adds it.
  const dns = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: dns, namespace: ci}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
`;
  const b = analyze([{ uri: 'file:///c.yaml', text: text + dns }]);
  const again = b.findings.filter((f) => f.ruleId === 'EL401');
  assert.equal(again.length, 1);
  assert.doesNotMatch(again[0].message, /DNS is not allowed at all/);
});
