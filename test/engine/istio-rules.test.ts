// Istio rules: what fixtures cannot say (fix safety, related information, wording per cause).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, fixesFor } from '../../server/src/engine';
import { readFixture } from '../support/fixture';

const fixtures = path.join(__dirname, '../../../test/fixtures/rules');

function fixture(rel: string) {
  return { uri: `file:///fixtures/${path.basename(rel)}`, text: readFixture(readFileSync(path.join(fixtures, rel), 'utf8')).text };
}

test('EL206: the ServiceEntry fix for an ingress route\'s destination is unsafe; the ingress host is not reported', () => {
  const src = fixture('EL206/ingress-destination.before.yaml');
  const a = analyze([src]);
  const found = a.findings.filter((f) => f.ruleId === 'EL206');
  assert.deepEqual(found.map((f) => src.text.slice(f.span.start, f.span.end)), ['docs.upstream.example.org']);
  const fixes = fixesFor(a, found[0]);
  assert.equal(fixes.length, 1);
  assert.equal(fixes[0].safety, 'unsafe');
  assert.match(fixes[0].title, /also lets meshed pods reach it/);
});

test('EL206: an egress route keeps its safe ServiceEntry fix', () => {
  const a = analyze([fixture('EL206/destination.before.yaml')]);
  const f = a.findings.find((x) => x.ruleId === 'EL206')!;
  assert.equal(fixesFor(a, f)[0].safety, 'safe');
});

test('EL203: a missing Gateway named twice is one finding; the other mention and the EL205 consequence are related information', () => {
  const src = fixture('EL203/one-cause-once.yaml');
  const a = analyze([src]);
  assert.deepEqual(a.findings.filter((f) => f.ruleId === 'EL205'), []);
  const el203 = a.findings.filter((f) => f.ruleId === 'EL203');
  assert.equal(el203.length, 1);
  const related = el203[0].related ?? [];
  assert.deepEqual(related.map((r) => src.text.slice(r.span.start, r.span.end)), ['istio-egresgateway', 'istio-egressgateway.istio-system.svc.cluster.local']);
  assert.match(related[0].message, /named again/);
  assert.match(related[1].message, /egress gateway istio-system\/istio-egressgateway, where no route forwards it/);
  // With the typo fixed, the route is complete: no EL203, no EL205.
  const fixed = analyze([{ ...src, text: src.text.replaceAll('istio-egresgateway', 'istio-egressgateway') }]);
  assert.deepEqual(fixed.findings.filter((f) => f.ruleId === 'EL203' || f.ruleId === 'EL205'), []);
});

test('EL202: the message says why each pod can bypass the gateway (no policy at all, or a policy that allows the host)', () => {
  const base = readFixture(readFileSync(path.join(fixtures, 'EL202/bypassable.yaml'), 'utf8')).text;
  const a = analyze([{ uri: 'file:///b.yaml', text: base }]);
  for (const f of a.findings.filter((x) => x.ruleId === 'EL202')) assert.doesNotMatch(f.message, /NetworkPolicy still lets/);
  const open = `apiVersion: apps/v1
kind: Deployment
metadata: {name: curl, namespace: apps}
spec:
  selector: {matchLabels: {app: curl}}
  template:
    metadata: {labels: {app: curl}}
    spec: {containers: [{name: curl, image: curl}]}
`;
  const allowing = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all-egress, namespace: apps}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
`;
  // The fixture's route (ServiceEntry, Gateway, VirtualService), moved to namespace apps.
  const route = base.split('\n---\n').slice(0, 3).join('\n---\n').replaceAll('namespace: default', 'namespace: apps');
  const unrestricted = analyze([{ uri: 'file:///r.yaml', text: route }, { uri: 'file:///w.yaml', text: open }]).findings.filter((f) => f.ruleId === 'EL202');
  assert.ok(unrestricted.some((f) => /no policy restricts the egress of apps\/curl\[Deployment\]/.test(f.message)), unrestricted.map((f) => f.message).join('\n'));
  const allowed = analyze([{ uri: 'file:///r.yaml', text: route }, { uri: 'file:///w.yaml', text: open }, { uri: 'file:///p.yaml', text: allowing }]).findings.filter((f) => f.ruleId === 'EL202');
  assert.ok(allowed.some((f) => /the egress policies of apps\/curl\[Deployment\] still allow it/.test(f.message)), allowed.map((f) => f.message).join('\n'));
});
