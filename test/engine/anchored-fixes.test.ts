/**
 * Fixes that edit an anchored node used elsewhere: the title says so, the fix is never safe (so fix-all
 * leaves it), and applying it changes every place that uses the node, as the title warns.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, fixAll, fixesFor } from '../../server/src/engine';

const uri = 'file:///ws/anchored.yaml';
const text = `apiVersion: networking.k8s.io/v1
kind: List
items:
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    policyTypes: &types
    - Ingress
    egress:
    - ports: [{port: 443}]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: web, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: web}}
    policyTypes: *types
`;

test('a fix editing an anchored node that an alias uses says so in its title and is unsafe', () => {
  const a = analyze([{ uri, text }]);
  const el103 = a.findings.find((f) => f.ruleId === 'EL103' && f.message.includes('shop/api'));
  assert.ok(el103, a.findings.map((f) => `${f.ruleId} ${f.message}`).join('\n'));
  const [fix] = fixesFor(a, el103);
  assert.match(fix.title, /Egress/);
  assert.match(fix.title, /also changes every use of the anchored node &types, used by 1 alias/);
  assert.equal(fix.safety, 'unsafe');
  // Fix-all applies safe fixes only: the anchored list is left alone.
  const all = fixAll(a, uri);
  assert.ok(all === undefined || !all.newText.includes("- Egress"), "fix-all leaves the anchored policyTypes");
  // Applied by hand, it does what the title says: both policies now restrict egress.
  const fixed = applyEdits(text, fix.edits);
  const again = analyze([{ uri, text: fixed }]);
  assert.ok(!again.findings.some((f) => f.ruleId === 'EL103' && f.message.includes('shop/api')));
  assert.ok(!again.findings.some((f) => f.ruleId === 'EL002' || f.ruleId === 'EL001'));
  const web = again.model.networkPolicies.find((p) => p.resource.name === 'web')!;
  assert.equal(web.affects.egress, true, 'the alias follows the anchored node');
});

test('the same fix without an alias of the node stays as the rule made it', () => {
  const alone = text.replace('    policyTypes: *types\n', '    policyTypes: [Ingress]\n');
  const a = analyze([{ uri, text: alone }]);
  const el103 = a.findings.find((f) => f.ruleId === 'EL103' && f.message.includes('shop/api'))!;
  const [fix] = fixesFor(a, el103);
  assert.doesNotMatch(fix.title, /anchored/);
  // Its title and safety are what EL103 decides for the same policy written without any anchor.
  const plain = alone.replace('policyTypes: &types\n', 'policyTypes:\n');
  const p = analyze([{ uri, text: plain }]);
  const [reference] = fixesFor(p, p.findings.find((f) => f.ruleId === 'EL103' && f.message.includes('shop/api'))!);
  assert.equal(fix.title, reference.title);
  assert.equal(fix.safety, reference.safety);
  assert.equal(applyEdits(alone, fix.edits).replace('policyTypes: &types\n', 'policyTypes:\n'), applyEdits(plain, reference.edits));
});
