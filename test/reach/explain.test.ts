import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { explainPair, LineIndex } from '../../server/src/engine';
import { address, analyzeYaml, can, pod, workload } from '../support/reach';

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: app-egress
  namespace: ns
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 2001:db8::/32
        except: [2001:db8:1::/48]
    ports: [{port: 443}]
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
`;

test('IPv6 ipBlocks with except decide IPv6 destinations', () => {
  const a = analyzeYaml(pod('app', 'ns', {}), policy);
  const app = workload(a, 'ns/app');
  assert.equal(can(a, app, address('2001:db8::1/128'), 'TCP', 443), true);
  assert.equal(can(a, app, address('2001:db8:1::1/128'), 'TCP', 443), false, 'inside except');
  assert.equal(can(a, app, address('2001:db9::1/128'), 'TCP', 443), false);
  assert.equal(can(a, app, address('10.1.2.3'), 'UDP', 9), true);
  // The connectivity list, like netpol-analyzer's, splits only the IPv4 space.
  assert.ok(a.reach.externalDestinations.every((p) => p.kind === 'ip' && p.ips.v6.length === 0));
});

test('an explanation names every deciding rule with its source location', () => {
  const a = analyzeYaml(pod('app', 'ns', {}), policy);
  const e = explainPair(a.reach, workload(a, 'ns/app'), address('10.0.0.1'), { protocol: 'TCP', port: 80 });
  assert.equal(e.query?.allowed, true);
  const [egress] = e.sides;
  assert.equal(egress.direction, 'egress');
  assert.equal(egress.decisions.length, 1);
  const d = egress.decisions[0];
  assert.equal(d.verdict, 'allow');
  assert.match(d.text, /allowed by rule NetworkPolicy ns\/app-egress, spec\.egress\[1\]/);
  const ref = d.refs[0];
  assert.equal(ref.uri, 'file:///ws/f1.yaml');
  const pos = new LineIndex(policy).position(ref.span.start);
  assert.deepEqual(pos, { line: 14, character: 4 }, 'points at the second egress rule');
});

test('a denial lists the policies that select the pod without allowing the connection', () => {
  const a = analyzeYaml(pod('app', 'ns', {}), policy);
  const e = explainPair(a.reach, workload(a, 'ns/app'), address('192.0.2.1'), { protocol: 'TCP', port: 443 });
  assert.equal(e.query?.allowed, false);
  const d = e.sides[0].decisions[0];
  assert.equal(d.verdict, 'deny');
  assert.match(d.text, /NetworkPolicy ns\/app-egress selects ns\/app\[Pod\] for egress, and no rule allows/);
  assert.equal(d.refs.length, 1);
});

test('no policy: allowed by default, said so', () => {
  const a = analyzeYaml(pod('a', 'ns', {}), pod('b', 'ns', {}));
  const e = explainPair(a.reach, workload(a, 'ns/a'), workload(a, 'ns/b'));
  assert.equal(e.allowed.toString(), 'All Connections');
  assert.deepEqual(e.sides.map((s) => s.decisions.map((d) => d.text)), [
    ['allowed by default: no policy decides egress of ns/a[Pod] to ns/b[Pod]'],
    ['allowed by default: no policy decides ingress of ns/b[Pod] from ns/a[Pod]'],
  ]);
});

test('admin policies: deny, pass and the NetworkPolicy that decides what was passed', () => {
  const anp = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard}
spec:
  priority: 1
  subject: {namespaces: {}}
  egress:
  - {name: no-ssh, action: Deny, to: [{namespaces: {}}], ports: [{portNumber: {port: 22, protocol: TCP}}]}
  - {name: to-np, action: Pass, to: [{namespaces: {}}]}
`;
  const np = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-only, namespace: ns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{ports: [{port: 80}]}]
`;
  const a = analyzeYaml(pod('a', 'ns', {}), pod('b', 'ns', {}), anp, np);
  const e = explainPair(a.reach, workload(a, 'ns/a'), workload(a, 'ns/b'));
  assert.equal(e.allowed.toString(), 'TCP 80');
  const texts = e.sides[0].decisions.map((d) => `${d.verdict} ${d.conns} ${d.text}`);
  assert.ok(texts.some((t) => t.startsWith('deny TCP 22 denied by admin rule AdminNetworkPolicy guard, spec.egress[0] "no-ssh"')), texts.join('\n'));
  assert.ok(texts.some((t) => t.startsWith('allow TCP 80 allowed by rule NetworkPolicy ns/web-only')), texts.join('\n'));
  assert.ok(texts.some((t) => /passed down by admin rule AdminNetworkPolicy guard, spec.egress\[1\] "to-np"/.test(t)), texts.join('\n'));
});
