// Platform egress dialects (GKE FQDNNetworkPolicy, OpenShift EgressFirewall) through every surface that reads
// the reachability: explain names their rules, the panel draws their destinations, incremental analysis follows
// edits to them, and a host name is one destination whichever family names it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, explainPair, formatConnlist, hostPeer, LineIndex, parseCidr, Workspace, type Peer } from '../../server/src/engine';
import { reachabilityResult } from '../../server/src/engine/lang/panel/graph';
import { policyView } from '../../server/src/engine/lang/policies';

const fixtures = path.join(__dirname, '../../../test/fixtures/reach');
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const workload = (a: ReturnType<typeof analyze>, id: string): Peer => ({ kind: 'workload', workload: a.reach.workloads.find((w) => w.id === id)! });
const ip = (cidr: string): Peer => ({ kind: 'ip', ips: parseCidr(cidr)!.set, name: cidr });

test('explain names the OpenShift egress firewall rule that cuts what a NetworkPolicy allows, and the one that lets it through', () => {
  const uri = 'file:///ws/openshift.yaml';
  const a = analyze([{ uri, text: read('openshift-egress-firewall.yaml') }]);
  const denied = explainPair(a.reach, workload(a, 'project1/api[Pod]'), ip('8.8.8.8/32'), { protocol: 'TCP', port: 443 });
  assert.equal(denied.query?.allowed, false);
  const texts = denied.sides.flatMap((s) => s.decisions.map((d) => `${d.verdict}: ${d.text}`));
  assert.deepEqual(texts, ['deny: denied by egress firewall rule EgressFirewall project1/default, spec.egress[2]']);
  const through = explainPair(a.reach, workload(a, 'project1/api[Pod]'), ip('1.2.3.4/32'), { protocol: 'TCP', port: 443 });
  assert.equal(through.query?.allowed, true);
  const reasons = through.sides.flatMap((s) => s.decisions.map((d) => d.text));
  assert.ok(reasons.some((t) => t.startsWith('allowed by rule NetworkPolicy project1/api-egress')), reasons.join('\n'));
  assert.ok(reasons.includes('allowed by egress firewall rule EgressFirewall project1/default, spec.egress[0]'), reasons.join('\n'));
});

test('the panel draws an egress firewall\'s address block as a destination of its own, and GKE host names as theirs', () => {
  for (const [name, edge] of [
    ['openshift-egress-firewall.yaml', 'project1/api[Pod] -> 1.2.3.0/24: TCP 443'],
    ['gke-fqdn-network-policy.yaml', 'shop/checkout[Pod] -> api.stripe.com: TCP 443'],
  ]) {
    const text = read(name);
    const a = analyze([{ uri: `file:///ws/${name}`, text }]);
    const r = reachabilityResult(a, () => new LineIndex(text), {}, 1);
    const edges = r.edges.map((e) => `${r.nodes[e.src].id} -> ${r.nodes[e.dst].label}: ${r.conns[e.conns].text}`);
    assert.ok(edges.includes(edge), `${name}:\n${edges.join('\n')}`);
  }
  // A block only a firewall names (nothing else cuts the internet there) is a node of its own, not drawn into
  // the internet's edge: here it is the one place the pod cannot reach.
  const text = `apiVersion: v1
kind: Pod
metadata: {name: api, namespace: p1}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: k8s.ovn.org/v1
kind: EgressFirewall
metadata: {name: default, namespace: p1}
spec:
  egress:
  - type: Deny
    to: {cidrSelector: 198.51.100.0/24}
`;
  const a = analyze([{ uri: 'file:///ws/fw.yaml', text }]);
  const r = reachabilityResult(a, () => new LineIndex(text), {}, 1);
  const block = r.nodes.findIndex((n) => n.label === '198.51.100.0/24');
  assert.ok(block >= 0, r.nodes.map((n) => n.label).join(', '));
  assert.ok(!r.edges.some((e) => e.dst === block), 'no edge to the denied block');
  assert.ok(r.edges.some((e) => r.nodes[e.dst].kind === 'internet'), 'the rest of the internet is reached');
});

test('edits to an egress firewall and to an FQDNNetworkPolicy: the incremental analysis equals a fresh one', () => {
  const files = [
    { uri: 'file:///ws/openshift.yaml', text: read('openshift-egress-firewall.yaml') },
    { uri: 'file:///ws/gke.yaml', text: read('gke-fqdn-network-policy.yaml') },
  ];
  const ws = new Workspace();
  for (const f of files) ws.set(f);
  void ws.analyze().reach.connections();
  const edits: [string, (t: string) => string][] = [
    ['file:///ws/openshift.yaml', (t) => t.replace(/- type: Deny\n    to: \{cidrSelector: 0\.0\.0\.0\/0\}\n---/, '- type: Allow\n    to: {cidrSelector: 0.0.0.0/0}\n---')],
    ['file:///ws/gke.yaml', (t) => t.replace('- name: api.stripe.com', '- name: api.github.com')],
    ['file:///ws/openshift.yaml', (t) => t.replace('type: Allow\n    to: {dnsName: registry.example.com}', 'type: Deny\n    to: {dnsName: registry.example.com}')],
  ];
  const text = new Map(files.map((f) => [f.uri, f.text]));
  for (const [uri, edit] of edits) {
    const next = edit(text.get(uri)!);
    assert.notEqual(next, text.get(uri), `the edit of ${uri} changes its text`);
    text.set(uri, next);
    ws.set({ uri, text: next });
    const incremental = formatConnlist(ws.analyze().reach.connections(), 'txt');
    const fresh = formatConnlist(analyze([...text].map(([u, t]) => ({ uri: u, text: t }))).reach.connections(), 'txt');
    assert.equal(incremental, fresh);
  }
  // The edits changed what is reachable: the checks above compared something.
  const final = formatConnlist(ws.analyze().reach.connections(), 'txt');
  assert.ok(final.includes('shop/checkout[Pod] => api.github.com[FQDN] : TCP 443'), final);
  assert.ok(!final.includes('project2/legacy[Pod] => registry.example.com[FQDN]'), final);
  assert.ok(final.includes('project1/api[Pod] => 0.0.0.0-1.2.2.255[External] : TCP 443'), final);
});

test('one host name, named by a GKE FQDNNetworkPolicy and an OpenShift firewall in different namespaces, is one destination', () => {
  const a = analyze([
    { uri: 'file:///ws/openshift.yaml', text: read('openshift-egress-firewall.yaml') },
    { uri: 'file:///ws/gke.yaml', text: read('gke-fqdn-network-policy.yaml').replace('- name: api.stripe.com', '- name: www.example.com') },
  ]);
  const hosts = a.reach.externalHosts.map((h) => (h.kind === 'host' ? h.name : ''));
  assert.equal(hosts.filter((h) => h === 'www.example.com[FQDN]').length, 1);
  const to = hostPeer('www.example.com');
  assert.ok(a.reach.between(workload(a, 'shop/checkout[Pod]'), to).allowed.has('TCP', 443));
  assert.ok(a.reach.between(workload(a, 'project1/api[Pod]'), to).allowed.has('TCP', 443));
  assert.ok(!a.reach.between(workload(a, 'project2/legacy[Pod]'), to).allowed.has('TCP', 443));
});

test('explain names Antrea policies as Antrea\'s, with the tier layer they decide in', () => {
  const a = analyze([{ uri: 'file:///ws/antrea.yaml', text: read('antrea-policies.yaml') }]);
  const texts = (src: string, dst: string) =>
    explainPair(a.reach, workload(a, src), workload(a, dst), { protocol: 'TCP', port: 80 }).sides.flatMap((s) => s.decisions.map((d) => `${d.verdict}: ${d.text}`));
  assert.deepEqual(texts('dev/tool[Pod]', 'prod/api[Pod]').filter((t) => t.startsWith('deny')), ['deny: denied by rule Antrea NetworkPolicy dev/dev-to-prod, spec.egress[1]']);
  assert.deepEqual(texts('prod/db[Pod]', 'prod/web[Pod]').filter((t) => t.startsWith('deny')), ['deny: denied by baseline rule Antrea ClusterNetworkPolicy baseline-web, spec.egress[0]']);
});

test('Antrea tiers: a custom Tier orders its policies by its priority, and editing that priority re-orders them', () => {
  const tier = (priority: number) => `apiVersion: crd.antrea.io/v1alpha1
kind: Tier
metadata: {name: first}
spec: {priority: ${priority}}
`;
  const policies = `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: team, labels: {app: app}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: allow-partner}
spec:
  priority: 1
  tier: first
  appliedTo:
  - namespaceSelector: {}
  egress:
  - action: Allow
    to:
    - ipBlock: {cidr: 198.51.100.0/24}
---
apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata: {name: block-partner}
spec:
  priority: 1
  tier: Emergency
  appliedTo:
  - namespaceSelector: {}
  egress:
  - action: Drop
    to:
    - ipBlock: {cidr: 198.51.100.0/24}
`;
  const ws = new Workspace();
  ws.set({ uri: 'file:///ws/policies.yaml', text: policies });
  const reaches = () => ws.analyze().reach.between(workload(ws.analyze(), 'team/app[Pod]'), ip('198.51.100.7/32')).allowed.has('TCP', 443);
  ws.set({ uri: 'file:///ws/tier.yaml', text: tier(10) });
  assert.equal(reaches(), true, 'tier first (10) before emergency (50): its Allow decides');
  ws.set({ uri: 'file:///ws/tier.yaml', text: tier(60) });
  assert.equal(reaches(), false, 'tier first (60) after emergency (50): the Drop decides');
  const fresh = analyze([{ uri: 'file:///ws/policies.yaml', text: policies }, { uri: 'file:///ws/tier.yaml', text: tier(60) }]);
  assert.equal(formatConnlist(ws.analyze().reach.connections(), 'txt'), formatConnlist(fresh.reach.connections(), 'txt'));
});

test('policy views (hover, lenses): an Antrea policy compiled per namespace shows each rule once, an egress firewall shows its pods and rules', () => {
  const antrea = analyze([{ uri: 'file:///ws/antrea.yaml', text: read('antrea-policies.yaml') + '---\napiVersion: v1\nkind: Pod\nmetadata: {name: batch, namespace: prod2}\nspec: {containers: [{name: c, image: i}]}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: prod2, labels: {env: prod}}\n' }]);
  const acnp = antrea.model.definitions.find((r) => r.kind === 'ClusterNetworkPolicy' && r.name === 'app-allow')!;
  const v = policyView(antrea.reach, acnp)!;
  assert.deepEqual(v.rules.egress.map((r) => r.name), ['stripe', 'partner', 'same-namespace', 'the-rest']);
  // `namespaces: {match: Self}`: each namespace's own pods, together in the one rule shown.
  assert.deepEqual(v.rules.egress[2].workloads.map((w) => w.id), ['prod/api[Pod]', 'prod/db[Pod]', 'prod/web[Pod]', 'prod2/batch[Pod]']);
  assert.deepEqual(v.subjects.map((w) => w.id), ['prod/api[Pod]', 'prod/db[Pod]', 'prod/web[Pod]', 'prod2/batch[Pod]']);
  const ocp = analyze([{ uri: 'file:///ws/openshift.yaml', text: read('openshift-egress-firewall.yaml') }]);
  const fw = ocp.model.definitions.find((r) => r.kind === 'EgressFirewall')!;
  const f = policyView(ocp.reach, fw)!;
  assert.deepEqual(f.subjects.map((w) => w.id), ['project1/api[Pod]', 'project1/db[Pod]']);
  assert.deepEqual(f.rules.egress.map((r) => `${r.action} ${r.hosts.join(',')}${r.ips.toString()}`), ['allow 1.2.3.0-1.2.3.255', 'allow www.example.com', 'deny 0.0.0.0-255.255.255.255']);
  assert.equal(f.restricts.egress, true);
});
