/**
 * The panel's exposure: pods that no manifest holds yet but that a workload's policies admit by label, drawn
 * as dashed nodes ("any pod with app=db in shop") with exposure edges; the whole cluster where a rule admits
 * it; explained with the rules that admit them; gone once a workload of the manifests stands for them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, LineIndex } from '../../server/src/engine';
import { explain } from '../../server/src/engine/lang/panel/explain';
import { reachabilityResult } from '../../server/src/engine/lang/panel/graph';
import { applyFilters, buildGraph, EXPOSURE_GROUP } from '../../client/webview/model';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';

const uri = 'file:///ws/shop.yaml';
const pod = (name: string, labels: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: {${labels}}}
spec: {containers: [{name: c, image: i, ports: [{name: postgres, containerPort: 5432}]}]}
`;
const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: checkout, namespace: shop}
spec:
  podSelector: {matchLabels: {app: checkout}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {}
    ports: [{port: 8443}]
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}]
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports: [{port: postgres}]
`;
const text = [pod('checkout', 'app: checkout'), policies, pod('web', 'app: web')].join('---\n');

function view(t: string) {
  const a = analyze([{ uri, text: t }]);
  const lines = () => new LineIndex(t);
  const r = reachabilityResult(a, lines, {}, 1);
  const edges = r.edges.filter((e) => e.verdict === 'exposure').map((e) => `${r.nodes[e.src].label} -> ${r.nodes[e.dst].label}: ${r.conns[e.conns].text}`);
  return { a, lines, r, edges };
}

test('pods that may come are dashed exposure nodes, named in words, with the ports a rule opens to them (a port name stays a name)', () => {
  const { r, edges } = view(text);
  const exposed = r.nodes.filter((n) => n.kind === 'exposure').map((n) => `${n.label} = ${n.selector}`);
  assert.deepEqual(exposed.sort(), ['any pod in any namespace = entire-cluster', 'any pod with app=db in shop = shop/[pod with {app=db}]', 'any pod with k8s-app=kube-dns in any namespace = [all namespaces]/[pod with {k8s-app=kube-dns}]']);
  assert.deepEqual(edges.sort(), ['any pod in any namespace -> checkout: TCP 8443', 'checkout -> any pod with app=db in shop: TCP postgres', 'checkout -> any pod with k8s-app=kube-dns in any namespace: UDP 53']);
  // web has no policy: its edges are the unrestricted ones already, no exposure; counts are of what exists.
  assert.ok(!edges.some((e) => e.includes('web')), edges.join('\n'));
  assert.equal(r.stats.edges, r.edges.filter((e) => e.verdict !== 'exposure').length);
  // Drawn in a group of their own, a dashed edge each.
  const g = buildGraph(r, applyFilters(r, DEFAULT_FILTERS), new Set());
  assert.deepEqual(g.groups.find((x) => x.id === EXPOSURE_GROUP)?.label, 'pods that may come');
  assert.ok(g.edges.some((e) => e.verdict === 'exposure' && e.ariaLabel.includes('any pod with app=db in shop')), g.edges.map((e) => e.ariaLabel).join('\n'));
});

test('an exposure edge is explained by the rule that admits the pods, linked to its line', () => {
  const { a, lines } = view(text);
  const why = explain(a, lines, { src: 'shop/checkout[Pod]', dst: 'exposure:shop/[pod with {app=db}]' });
  assert.equal(why.verdict, 'exposure');
  assert.equal(why.summary, 'shop/checkout[Pod] is exposed to any pod with app=db in shop: TCP postgres.');
  const admitted = why.sections.find((s) => s.heading.startsWith('Admitted by'))!;
  assert.deepEqual(admitted.items.map((i) => i.text), ['NetworkPolicy shop/checkout, spec.egress[1]']);
  const at = admitted.items[0].links[0].location.range.start.line;
  assert.equal(text.split('\n')[at].trim(), '- to:', `line ${at}`);
  assert.equal(text.split('\n')[at + 1].trim(), '- podSelector: {matchLabels: {app: db}}');
  const node = explain(a, lines, { node: 'exposure:entire-cluster' });
  assert.equal(node.summary, '1 workload is exposed to any pod in any namespace.');
  assert.deepEqual(node.sections[1].items.map((i) => `${i.text}: ${i.conns}`), ['shop/checkout[Pod] accepts connections from them: TCP 8443']);
});

test('once a workload of the manifests matches the selector, it stands for the pods: the exposure node goes, the edge is a connection', () => {
  const { r, edges } = view(`${text}---\n${pod('db', 'app: db')}`);
  assert.ok(!r.nodes.some((n) => n.selector === 'shop/[pod with {app=db}]'), r.nodes.map((n) => n.id).join('\n'));
  assert.ok(!edges.some((e) => e.includes('app=db')));
  assert.ok(r.edges.some((e) => r.nodes[e.src].id === 'shop/checkout[Pod]' && r.nodes[e.dst].id === 'shop/db[Pod]' && r.conns[e.conns].text === 'TCP 5432'));
});
