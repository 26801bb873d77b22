// The connectivity diff in the engine: what a change opens and closes, in every policy family, and the
// rules that make the difference (the new state's for what opens, the old state's for a removal).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeStates, diffAnalyses, reviewMarkdown, summarize, LineIndex, type ConnectionChange, type ConnectivityDiff, type SourceFile } from '../../server/src/engine';

const NS = (name: string, labels = '') => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${labels ? `  labels: {${labels}}\n` : ''}---\n`;
const deploy = (ns: string, name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
---
`;
const DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: api}}}]
`;
const OPEN = `${DENY}  - to:
    - ipBlock: {cidr: 203.0.113.0/24}
    ports: [{port: 443}]
`;

function diff(before: Record<string, string>, after: Record<string, string>): { d: ConnectivityDiff; states: ReturnType<typeof analyzeStates> } {
  const files = (m: Record<string, string>): SourceFile[] => Object.entries(m).map(([name, text]) => ({ uri: `file:///ws/${name}`, text }));
  const states = analyzeStates(files(before), files(after));
  return { d: diffAnalyses(states.before, states.after), states };
}

/** The 0-based line of a reason's first place, and the text there. */
function lineOf(states: ReturnType<typeof analyzeStates>, c: ConnectionChange, i = 0): { line: number; text: string } {
  const r = c.why[i];
  const ref = r.refs[0];
  const file = states[r.state].files.find((f) => f.uri === ref.uri)!;
  const li = new LineIndex(file.text);
  const line = li.position(ref.span.start).line;
  return { line, text: file.text.split('\n')[line] };
}

const base = { 'ns.yaml': NS('shop'), 'apps.yaml': deploy('shop', 'web') + deploy('shop', 'api') };

test('identical states give an empty diff', () => {
  const { d } = diff({ ...base, 'p.yaml': OPEN }, { ...base, 'p.yaml': OPEN });
  assert.deepEqual(d.changes, []);
  assert.ok(d.unchanged.length > 0);
  assert.equal(summarize(d).text, 'no change in connectivity');
});

test('a new ipBlock rule opens a path to the internet, explained by that rule in the new state', () => {
  const { d, states } = diff({ ...base, 'p.yaml': DENY }, { ...base, 'p.yaml': OPEN });
  assert.equal(d.changes.length, 1);
  const c = d.changes[0];
  assert.equal(c.type, 'added');
  assert.equal(c.category, 'external');
  assert.equal(c.src.id, 'shop/web[Deployment]');
  assert.equal(c.dst.id, '203.0.113.0-203.0.113.255[External]');
  assert.equal(c.after.toString(), 'TCP 443');
  assert.equal(c.why[0].state, 'after');
  assert.equal(c.why[0].verdict, 'allow');
  // The rule that opens it: spec.egress[1], the "- to:" item with the ipBlock (line 8 of the file, 0-based).
  assert.deepEqual(lineOf(states, c), { line: 8, text: '  - to:' });
  assert.equal(summarize(d).text, 'opens 1 path to the internet');
});

test('a removed rule closes the path, explained by the rule of the old state first', () => {
  const { d, states } = diff({ ...base, 'p.yaml': OPEN }, { ...base, 'p.yaml': DENY });
  assert.equal(d.changes.length, 1);
  const c = d.changes[0];
  assert.equal(c.type, 'removed');
  assert.equal(c.why[0].state, 'before');
  assert.equal(c.why[0].verdict, 'allow');
  assert.deepEqual(lineOf(states, c), { line: 8, text: '  - to:' });
  // And what denies it now: the policy that isolates the workload.
  assert.ok(c.why.some((r) => r.state === 'after' && r.verdict === 'deny' && r.text.includes('NetworkPolicy shop/web-egress')));
  assert.equal(summarize(d).text, 'closes 1 path to the internet');
});

test('ports of an existing path change: one changed connection with what opened and what closed', () => {
  const narrow = OPEN.replace('port: 443', 'port: 8443');
  const { d } = diff({ ...base, 'p.yaml': OPEN }, { ...base, 'p.yaml': narrow });
  assert.equal(d.changes.length, 1);
  const c = d.changes[0];
  assert.equal(c.type, 'changed');
  assert.equal(c.opened.toString(), 'TCP 8443');
  assert.equal(c.closed.toString(), 'TCP 443');
  assert.equal(summarize(d).text, 'opens 1 path to the internet, closes 1');
});

test('a new workload: its connections are added and it is named as new', () => {
  const { d } = diff({ ...base, 'p.yaml': OPEN }, { ...base, 'p.yaml': OPEN, 'more.yaml': deploy('shop', 'batch') });
  assert.deepEqual(d.addedWorkloads, ['shop/batch[Deployment]']);
  const out = d.changes.find((c) => c.src.id === 'shop/batch[Deployment]' && c.dst.kind === 'ip')!;
  assert.equal(out.type, 'added');
  assert.deepEqual(out.newOrRemoved, { src: true, dst: false });
  // Nothing restricts it: the place to look is the workload itself.
  assert.match(out.why[0].text, /allowed by default/);
  assert.equal(out.why[0].refs[0].label, 'Deployment shop/batch');
});

test('Cilium toFQDNs: a host name opened is a destination of its own', () => {
  const cnp = (hosts: string[]) => `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web-fqdn, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: web}}
  egress:
  - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}]
    toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]
  - toFQDNs: [${hosts.map((h) => `{matchName: ${h}}`).join(', ')}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`;
  const { d } = diff({ ...base, 'c.yaml': cnp(['api.stripe.com']) }, { ...base, 'c.yaml': cnp(['api.stripe.com', 'api.github.com']) });
  const c = d.changes.find((x) => x.dst.kind === 'host')!;
  assert.ok(c, JSON.stringify(d.changes.map((x) => `${x.src.id} -> ${x.dst.id}`)));
  assert.equal(c.dst.id, 'api.github.com[FQDN]');
  assert.equal(c.type, 'added');
  assert.equal(c.after.toString(), 'TCP 443');
  assert.equal(c.why[0].refs[0].label.startsWith('CiliumNetworkPolicy shop/web-fqdn'), true);
});

test('AdminNetworkPolicy domainNames: a denied host name is closed for every selected namespace', () => {
  const anp = (action: string) => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: hosts}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - name: stripe
    action: ${action}
    to: [{domainNames: [api.stripe.com]}]
    ports: [{portNumber: {port: 443, protocol: TCP}}]
`;
  const { d } = diff({ ...base, 'a.yaml': anp('Allow') }, { ...base, 'a.yaml': anp('Deny') });
  const closed = d.changes.filter((c) => c.dst.id === 'api.stripe.com[FQDN]');
  assert.deepEqual(closed.map((c) => `${c.type} ${c.src.id} ${c.closed.toString()}`).sort(), ['changed shop/api[Deployment] TCP 443', 'changed shop/web[Deployment] TCP 443']);
  assert.ok(closed.every((c) => c.why.some((r) => r.state === 'after' && r.verdict === 'deny' && r.text.includes('"stripe"'))));
});

test('Istio: routing a host through the egress gateway changes the route, explained by the VirtualService', () => {
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: shop}
spec:
  hosts: [edition.cnn.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
  location: MESH_EXTERNAL
---
`;
  const route = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway, namespace: shop}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [edition.cnn.com]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cnn-via-gateway, namespace: shop}
spec:
  hosts: [edition.cnn.com]
  gateways: [mesh, istio-egressgateway]
  tls:
  - match: [{gateways: [mesh], port: 443, sniHosts: [edition.cnn.com]}]
    route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}}]
  - match: [{gateways: [istio-egressgateway], port: 443, sniHosts: [edition.cnn.com]}]
    route: [{destination: {host: edition.cnn.com, port: {number: 443}}}]
`;
  const meshed = { 'ns.yaml': NS('shop', 'istio-injection: enabled'), 'apps.yaml': deploy('shop', 'web') };
  const { d, states } = diff({ ...meshed, 'se.yaml': se }, { ...meshed, 'se.yaml': se + route });
  const c = d.changes.find((x) => x.src.id === 'shop/web[Deployment]' && x.dst.id === 'edition.cnn.com[FQDN]')!;
  assert.ok(c, JSON.stringify(d.changes.map((x) => `${x.src.id} -> ${x.dst.id}`)));
  assert.equal(c.routeBefore?.outcome, 'direct');
  assert.equal(c.routeAfter?.outcome, 'via-gateway');
  const route0 = c.why.find((r) => r.side === 'route' && r.state === 'after')!;
  assert.ok(route0.refs.some((ref) => ref.label.startsWith('VirtualService shop/cnn-via-gateway')));
  assert.ok(states.after.files.some((f) => f.uri === route0.refs[0].uri));
});

test('the review report: summary line, then the internet before other namespaces before one namespace', () => {
  const cross = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-to-pay, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: pay}}}]
`;
  const two = { 'ns.yaml': NS('shop') + NS('pay'), 'apps.yaml': deploy('shop', 'web') + deploy('shop', 'api') + deploy('pay', 'ledger') };
  const { d, states } = diff({ ...two, 'p.yaml': DENY }, { ...two, 'p.yaml': OPEN, 'q.yaml': cross });
  const md = reviewMarkdown(d, states, { path: (uri) => uri.replace('file:///ws/', ''), link: (state, file, line) => `https://example.test/${state}/${file}#L${line}` });
  const headings = md.split('\n').filter((l) => l.startsWith('#'));
  assert.deepEqual(headings, ['### Egress Lens: opens 1 path to the internet; opens 1 path between namespaces', '#### Internet and host names', '#### Across namespaces', '#### Exposure to pods that may come']);
  // The new rule admits every pod of namespace pay: ledger today, and any pod created there tomorrow.
  assert.match(md, /\| exposed \| `shop\/web\[Deployment\]` \| egress to \| any pod in pay \(`pay\/\[all pods\]`\) \| — \| All Connections \| NetworkPolicy shop\/web-to-pay, spec\.egress\[0\] \(\[q\.yaml:8\]\(https:\/\/example\.test\/after\/q\.yaml#L8\)\) \|/);
  assert.match(md, /\| opened \| `shop\/web\[Deployment\]` \| `203\.0\.113\.0\/24` \| — \| TCP 443 \| allowed by rule NetworkPolicy shop\/web-egress, spec\.egress\[1\] \(\[p\.yaml:9\]\(https:\/\/example\.test\/after\/p\.yaml#L9\)\) \|/);
});
