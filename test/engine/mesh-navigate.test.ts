// Editor features over Istio and the Gateway API: go to definition from `gateways:`, `subset:` and
// `parentRefs`, and the egress path on a VirtualService host's hover.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, LineIndex, type Analysis } from '../../server/src/engine';
import { definitionAt, hoverAt } from '../../server/src/engine/lang';
import { setSources, SETS } from '../corpus/istio-sets';

const link = (uri: string) => uri;

function at(a: Analysis, file: string, needle: string, nth = 1): { uri: string; offset: number } {
  const f = a.files.find((x) => x.uri.endsWith(file))!;
  let i = -1;
  for (let k = 0; k < nth; k++) i = f.text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `"${needle}" in ${file}`);
  return { uri: f.uri, offset: i + 1 };
}

function lineOf(a: Analysis, uri: string, offset: number): string {
  const f = a.files.find((x) => x.uri === uri)!;
  const l = new LineIndex(f.text).position(offset).line;
  return f.text.split('\n')[l].trim();
}

const https = analyze(setSources(SETS.find((s) => s.name === 'egress-gateway / HTTPS / Istio APIs')!));
const gwApi = analyze(setSources(SETS.find((s) => s.name === 'egress-gateway / HTTPS / Gateway API')!));

test('definition: from a VirtualService gateways: entry to the Gateway', () => {
  const p = at(https, '08-istio-api-gateway.yaml', '- istio-egressgateway', 1);
  const t = definitionAt(https, p.uri, p.offset + 2);
  assert.equal(t.length, 1);
  assert.equal(lineOf(https, t[0].uri, t[0].selection.start), 'name: istio-egressgateway');
  assert.ok(https.model.resources.some((r) => r.kind === 'Gateway' && r.uri === t[0].uri));
});

test('definition: from a match gateways: entry, and from subset: to the DestinationRule subset', () => {
  const m = at(https, '08-istio-api-gateway.yaml', '      - istio-egressgateway');
  const t = definitionAt(https, m.uri, m.offset + 8);
  assert.equal(t.length, 1);
  assert.equal(lineOf(https, t[0].uri, t[0].selection.start), 'name: istio-egressgateway');
  const s = at(https, '08-istio-api-gateway.yaml', 'subset: cnn');
  const sub = definitionAt(https, s.uri, s.offset + 'subset: '.length);
  assert.equal(sub.length, 1);
  assert.equal(lineOf(https, sub[0].uri, sub[0].selection.start), '- name: cnn');
});

test('definition: from route parentRefs to the ServiceEntry and the Gateway, from a Hostname backend to its ServiceEntry', () => {
  const se = at(gwApi, '09-gateway-api-gateway.yaml', 'name: cnn\n');
  const t1 = definitionAt(gwApi, se.uri, se.offset + 'name: '.length);
  assert.equal(t1.length, 1);
  assert.match(gwApi.model.resources.find((r) => r.uri === t1[0].uri && r.kind === 'ServiceEntry')?.name ?? '', /^cnn$/);
  const gw = at(gwApi, '09-gateway-api-gateway.yaml', '- name: cnn-egress-gateway', 2);
  const t2 = definitionAt(gwApi, gw.uri, gw.offset + 4);
  assert.equal(t2.length, 1);
  assert.equal(lineOf(gwApi, t2[0].uri, t2[0].selection.start), 'name: cnn-egress-gateway');
  const hn = at(gwApi, '09-gateway-api-gateway.yaml', '      name: edition.cnn.com');
  const t3 = definitionAt(gwApi, hn.uri, hn.offset + 14);
  assert.ok(t3.some((t) => gwApi.model.resources.some((r) => r.uri === t.uri && r.kind === 'ServiceEntry')));
});

test('hover on a VirtualService host: the egress path, the gateway, both legs, and who can go around it', () => {
  const h = at(https, '08-istio-api-gateway.yaml', '\n  - edition.cnn.com');
  const hover = hoverAt(https, h.uri, h.offset + 5, link);
  assert.ok(hover, 'a hover');
  assert.match(hover.markdown, /egress gateway \*\*istio-system\/istio-egressgateway\*\*:443/);
  assert.match(hover.markdown, /→ edition\.cnn\.com \(\[VirtualService default\/direct-cnn-through-egress-gateway\]/);
  assert.match(hover.markdown, /NetworkPolicy lets default\/curl\[Deployment\] reach edition\.cnn\.com directly/);
  // Without the gateway leg, the hover says the requests fail at the gateway.
  const broken = analyze(setSources({ name: 'x', files: ['egress-gateway/07-common-serviceentry.yaml'] }).concat([{ uri: 'file:///vs.yaml', text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: default}\nspec:\n  hosts: [edition.cnn.com]\n  tls:\n  - match: [{port: 443, sniHosts: [edition.cnn.com]}]\n    route:\n    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 443}}\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec:\n  selector: {istio: egressgateway}\n  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [edition.cnn.com], tls: {mode: PASSTHROUGH}}]\n' }]));
  const b = at(broken, 'vs.yaml', 'edition.cnn.com');
  assert.match(hoverAt(broken, b.uri, b.offset + 2, link)?.markdown ?? '', /no route onward: requests fail at the gateway/);
});

test('definition: from a gateways: entry naming a Gateway API Gateway, and from a mirror subset', () => {
  const text = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop, namespace: default}
spec:
  host: shop
  subsets:
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.example.com]
  gateways: [web]
  http:
  - route:
    - destination: {host: shop}
    mirror: {host: shop, subset: v2}
`;
  const a = analyze([{ uri: 'file:///n.yaml', text }]);
  const g = definitionAt(a, 'file:///n.yaml', text.indexOf('gateways: [web]') + 'gateways: ['.length + 1);
  assert.equal(g.length, 1);
  assert.equal(lineOf(a, g[0].uri, g[0].selection.start), 'metadata: {name: web, namespace: default}');
  const s = definitionAt(a, 'file:///n.yaml', text.indexOf('subset: v2') + 'subset: '.length + 1);
  assert.equal(s.length, 1);
  assert.equal(lineOf(a, s[0].uri, s[0].selection.start), '- {name: v2, labels: {version: v2}}');
});
