import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, explainPair, LineIndex } from '../../server/src/engine';
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

/** A client in a, a server in b, and an admin-tier egress rule of the client with these peers. */
function adminWith(kind: 'cnp' | 'anp', action: 'Deny' | 'Allow', to: string): string {
  const head =
    kind === 'cnp'
      ? 'apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: admin}\nspec:\n  tier: Admin\n  priority: 10\n'
      : 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: admin}\nspec:\n  priority: 10\n';
  return `${head}  subject:\n    namespaces:\n      matchLabels: {kubernetes.io/metadata.name: a}\n  egress:\n  - name: rule\n    action: ${action}\n    to:\n    - ${to}\n`;
}

const clientServer = [pod('client', 'a', { app: 'client' }), pod('server', 'b', { app: 'server' }, [{ port: 80 }])];
const explainAdmin = (admin: string, clusterCidrs: string[] = []) => {
  const a = analyze([...clientServer, admin].map((text, i) => ({ uri: `file:///ws/f${i}.yaml`, text })), { clusterCidrs });
  return explainPair(a.reach, workload(a, 'a/client'), workload(a, 'b/server'), { protocol: 'TCP', port: 80 });
};

test('admin networks peers that cover all of IPv4/IPv6 (or every cluster CIDR) match every pod', () => {
  for (const kind of ['cnp', 'anp'] as const) {
    const e = explainAdmin(adminWith(kind, 'Deny', 'networks: [0.0.0.0/0, "::/0"]'));
    assert.equal(e.query?.allowed, false, `${kind}: denied`);
    assert.equal(e.query?.undecidable, undefined);
    assert.match(e.sides[0].decisions[0].text, /denied by admin rule .* admin, spec\.egress\[0\] "rule"/);
  }
  // With the pod ranges configured: a CIDR containing them all matches every pod, one outside them none.
  assert.equal(explainAdmin(adminWith('cnp', 'Deny', 'networks: [10.0.0.0/8]'), ['10.244.0.0/16', '10.96.0.0/16']).query?.allowed, false);
  const outside = explainAdmin(adminWith('cnp', 'Deny', 'networks: [192.168.0.0/16]'), ['10.244.0.0/16']);
  assert.equal(outside.query?.allowed, true);
  assert.equal(outside.query?.undecidable, undefined);
  // And an address still matches as an address.
  const a = analyze([...clientServer, adminWith('cnp', 'Deny', 'networks: [0.0.0.0/0]')].map((text, i) => ({ uri: `file:///ws/f${i}.yaml`, text })));
  assert.equal(can(a, workload(a, 'a/client'), address('203.0.113.9'), 'TCP', 443), false);
});

test('a narrower admin networks CIDR inside the pod ranges is undecidable in explain, never silently ignored; nodes peers are reported as not modelled', () => {
  const narrow = explainAdmin(adminWith('cnp', 'Deny', 'networks: [10.244.1.0/24]'), ['10.244.0.0/16']);
  assert.equal(narrow.query?.allowed, true, 'taken to match no pod');
  assert.equal(narrow.query?.undecidable, true);
  assert.match(narrow.sides[0].undecidable![0].text, /^undecidable: Deny rule ClusterNetworkPolicy admin, spec\.egress\[0\] "rule": networks 10\.244\.1\.0\/24 overlaps the pod addresses \(clusterCidrs 10\.244\.0\.0\/16\)/);
  assert.equal(narrow.sides[0].undecidable![0].refs.length, 1);
  // Unconfigured: a private range may hold pods.
  assert.equal(explainAdmin(adminWith('anp', 'Deny', 'networks: [10.1.0.0/16]')).query?.undecidable, true);
  const nodes = explainAdmin(adminWith('cnp', 'Allow', 'nodes: {matchLabels: {role: infra}}'));
  assert.match(nodes.sides[0].undecidable![0].text, /nodes: node addresses and host-network pods are not modelled/);
});

test('a port entry with endPort below port allows nothing (the API server rejects it), not its port', () => {
  const reversed = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: reversed, namespace: ns}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 8080, endPort: 80}]\n  - ports: [{port: 443, endPort: 444}]\n';
  const a = analyzeYaml(pod('app', 'ns', {}), reversed);
  const app = workload(a, 'ns/app');
  assert.equal(can(a, app, address('203.0.113.1'), 'TCP', 8080), false);
  assert.equal(can(a, app, address('203.0.113.1'), 'TCP', 80), false);
  assert.equal(can(a, app, address('203.0.113.1'), 'TCP', 444), true, 'a well-formed range still counts');
});
