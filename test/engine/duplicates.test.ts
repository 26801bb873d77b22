// EL007: one resource defined twice in one cluster view. The second definition is reported (with the first
// as related information), and every rule and the reachability read the first one only.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, explainPair, Workspace } from '../../server/src/engine';
import { address, can, pod, workload } from '../support/reach';

const denyAll = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app-egress, namespace: ns}
spec:
  podSelector: {}
  policyTypes: [Egress]
`;
const allowAll = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app-egress, namespace: ns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{}]
`;

test('EL007: two identical copies (map key order aside) are information, not an error; one differing value makes it an error', () => {
  const reordered = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: ns, name: app-egress}
spec:
  policyTypes: [Egress]
  podSelector: {}
`;
  const same = analyze([{ uri: 'file:///w/a.yaml', text: denyAll }, { uri: 'file:///w/release.yaml', text: reordered }]);
  const [f] = same.findings.filter((x) => x.ruleId === 'EL007');
  assert.equal(f.severity, 'info');
  assert.equal(f.uri, 'file:///w/release.yaml');
  assert.match(f.message, /defined twice in this cluster view, identically/);
  const differs = analyze([{ uri: 'file:///w/a.yaml', text: denyAll }, { uri: 'file:///w/release.yaml', text: reordered.replace('[Egress]', '[Egress, Ingress]') }]);
  assert.deepEqual(differs.findings.filter((x) => x.ruleId === 'EL007').map((x) => x.severity), ['error']);
});

test('EL007: the second definition in another file is an error at its name, the first is related information', () => {
  const a = analyze([
    { uri: 'file:///w/b.yaml', text: allowAll },
    { uri: 'file:///w/a.yaml', text: denyAll },
    { uri: 'file:///w/pod.yaml', text: pod('app', 'ns', {}) },
  ]);
  const found = a.findings.filter((f) => f.ruleId === 'EL007');
  assert.equal(found.length, 1);
  const f = found[0];
  assert.equal(f.severity, 'error');
  // Files are read in URI order: a.yaml holds the first definition, b.yaml the repeated one.
  assert.equal(f.uri, 'file:///w/b.yaml');
  assert.equal(allowAll.slice(f.span.start, f.span.end), 'app-egress');
  assert.match(f.message, /NetworkPolicy app-egress in namespace ns \(networking\.k8s\.io API\) is defined twice/);
  assert.equal(f.related?.length, 1);
  assert.equal(f.related![0].uri, 'file:///w/a.yaml');
  assert.equal(denyAll.slice(f.related![0].span.start, f.related![0].span.end), 'app-egress');
});

test('EL007: the reachability and explain read the first definition only (no silent merge of the two)', () => {
  const a = analyze([
    { uri: 'file:///w/a.yaml', text: denyAll },
    { uri: 'file:///w/b.yaml', text: allowAll },
    { uri: 'file:///w/pod.yaml', text: pod('app', 'ns', {}) },
  ]);
  const app = workload(a, 'ns/app');
  assert.equal(can(a, app, address('192.0.2.1'), 'TCP', 443), false, 'the first definition denies all egress');
  const e = explainPair(a.reach, app, address('192.0.2.1'), { protocol: 'TCP', port: 443 });
  assert.equal(e.query?.allowed, false);
  assert.equal(a.model.networkPolicies.length, 1);
  assert.equal(a.model.networkPolicies[0].resource.uri, 'file:///w/a.yaml');
  // Swapped: the first file now allows everything, and so does the analysis.
  const b = analyze([
    { uri: 'file:///w/a.yaml', text: allowAll },
    { uri: 'file:///w/b.yaml', text: denyAll },
    { uri: 'file:///w/pod.yaml', text: pod('app', 'ns', {}) },
  ]);
  assert.equal(can(b, workload(b, 'ns/app'), address('192.0.2.1'), 'TCP', 443), true);
});

test('EL007: a Gateway defined twice no longer hides EL203 or EL208 behind the other definition', () => {
  const gateway = (name: string, host: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [${host}]
`;
  const dr = (subset: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets: [{name: ${subset}, labels: {version: ${subset}}}]
`;
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews.example.com]
  gateways: [web]
  http:
  - route:
    - destination: {host: reviews, subset: v2}
`;
  const a = analyze([
    { uri: 'file:///w/1-gw.yaml', text: gateway('web', 'shop.example.com') },
    { uri: 'file:///w/2-gw.yaml', text: gateway('web', 'reviews.example.com') },
    { uri: 'file:///w/3-dr.yaml', text: dr('v1') },
    { uri: 'file:///w/4-dr.yaml', text: dr('v2') },
    { uri: 'file:///w/5-vs.yaml', text: vs },
  ]);
  const ids = a.findings.map((f) => `${f.ruleId} ${f.uri.slice('file:///w/'.length)}`).sort();
  assert.deepEqual(ids.filter((x) => /EL00[7]|EL20[78]/.test(x)), ['EL007 2-gw.yaml', 'EL007 4-dr.yaml', 'EL207 5-vs.yaml', 'EL208 5-vs.yaml']);
});

test('EL007 in an edited workspace: a duplicate appears, moves and goes away with the edits, as a fresh analysis finds it', () => {
  const ws = new Workspace();
  const gw = (host: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: [${host}]
`;
  const el007 = (a: ReturnType<Workspace['analyze']>) => a.findings.filter((f) => f.ruleId === 'EL007').map((f) => `${f.uri} first ${f.related![0].uri}`);
  const fresh = () => el007(analyze(ws.uris().map((uri) => ({ uri, text: ws.get(uri)!.text }))));
  ws.set({ uri: 'file:///w/b.yaml', text: gw('b.example.com') });
  ws.set({ uri: 'file:///w/c.yaml', text: pod('app', 'shop', {}) });
  assert.deepEqual(el007(ws.analyze()), []);
  ws.set({ uri: 'file:///w/c.yaml', text: `${pod('app', 'shop', {})}---\n${gw('c.example.com')}` });
  assert.deepEqual(el007(ws.analyze()), ['file:///w/c.yaml first file:///w/b.yaml']);
  assert.deepEqual(el007(ws.analyze()), fresh());
  // A definition in a file that sorts first becomes the first one.
  ws.set({ uri: 'file:///w/a.yaml', text: gw('a.example.com') });
  assert.deepEqual(el007(ws.analyze()), ['file:///w/b.yaml first file:///w/a.yaml', 'file:///w/c.yaml first file:///w/a.yaml']);
  assert.deepEqual(el007(ws.analyze()), fresh());
  ws.delete('file:///w/a.yaml');
  ws.set({ uri: 'file:///w/b.yaml', text: gw('b.example.com').replace('name: web', 'name: web-b') });
  assert.deepEqual(el007(ws.analyze()), []);
  assert.deepEqual(fresh(), []);
});
