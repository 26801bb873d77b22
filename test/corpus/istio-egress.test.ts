// The Istio egress tasks (test/data/corpus/istio-egress), both tabs: every snippet set as its page applies
// it is analysed; correct configurations get no error or warning beyond the listed ones (each a finding
// the page itself warns about); the outcomes the pages state hold in the reachability engine; and broken
// variants of each egress task get the intended rule, at the place that is broken.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyze, egressPath, LineIndex, type Analysis, type PathOutcome } from '../../server/src/engine';
import { CURL_ENV, curlDeployment, istioDir, SETS, setSources, snippet, type SnippetSet } from './istio-sets';

/** `ruleId file:line` of each accepted finding, and why the page's configuration still earns it. */
const EXCEPTIONS: Record<string, string> = {
  'EL202 egress-gateway/05-istio-api-virtualservice.yaml:12':
    'bypassable gateway: the page routes through the gateway and adds the NetworkPolicy that prevents going around it only later ("Apply Kubernetes network policies")',
  'EL202 egress-gateway/06-gateway-api-httproute.yaml:12': 'same page, Gateway API tab: the NetworkPolicy comes later',
  'EL202 egress-gateway/08-istio-api-gateway.yaml:38': 'same page (HTTPS): the NetworkPolicy comes later, and then restricts only test-egress, so `curl` in default can still go around the gateway',
  'EL202 egress-gateway/09-gateway-api-gateway.yaml:31': 'same page (HTTPS, Gateway API tab): as above',
  'EL202 egress-gateway-tls-origination/04-istio-api-virtualservice.yaml:12': 'the page builds on egress-gateway, whose caveat (NetworkPolicy needed) it does not repeat',
  'EL202 egress-gateway-tls-origination/05-gateway-api-httproute.yaml:12': 'as above, Gateway API tab',
  'EL202 wildcard-egress-hosts/02-istio-api-gateway.yaml:38': 'the page points to egress-gateway for its security caveat: no NetworkPolicy here',
  'EL202 wildcard-egress-hosts/03-gateway-api-gateway.yaml:31': 'as above, Gateway API tab',
  'EL101 egress-gateway-tls-origination/08-common-service.yaml:23': 'the page\'s stand-in for an external server (nginx in mesh-external) has no NetworkPolicy: EL101 says exactly that',
  'EL101 egress-tls-origination/04-common-service.yaml:25': 'as above (nginx in mesh-external)',
  'EL101 http-proxy/02-common-deployment.yaml:9': 'the page\'s stand-in for an external HTTPS proxy (squid in external) has no NetworkPolicy: EL101 says exactly that',
};

function rel(uri: string): string {
  return path.relative(istioDir, new URL(uri).pathname);
}

function lineOf(a: Analysis, uri: string, offset: number): number {
  const f = a.files.find((x) => x.uri === uri);
  return new LineIndex(f?.text ?? '').position(offset).line + 1;
}

test('every snippet set of the Istio egress tasks: no error or warning beyond the listed exceptions', () => {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const set of SETS) {
    const a = analyze(setSources(set));
    for (const f of a.findings) {
      counts.set(`${f.ruleId} ${f.severity}`, (counts.get(`${f.ruleId} ${f.severity}`) ?? 0) + 1);
      if (f.severity !== 'error' && f.severity !== 'warning') continue;
      // The environment (curl in default) is the pages' assumption, not their configuration.
      if (f.uri.startsWith('file:///environment/')) continue;
      const key = `${f.ruleId} ${rel(f.uri)}:${lineOf(a, f.uri, f.span.start)}`;
      seen.add(key);
      assert.ok(key in EXCEPTIONS, `${set.name}: ${key}: ${f.message}`);
    }
  }
  console.log(`istio-egress: ${SETS.length} snippet sets; findings by rule and severity:\n${[...counts].sort().map(([k, n]) => `  ${k}: ${n}`).join('\n')}`);
  assert.deepEqual(Object.keys(EXCEPTIONS).filter((k) => !seen.has(k)), [], 'exceptions that no longer occur: remove them');
});

// ---- outcomes the pages state ------------------------------------------------------------------------

/** egress-gateway, "Apply Kubernetes network policies": test-egress/curl → https://edition.cnn.com/politics. */
function testEgress(opts: { sidecar: boolean; labels: boolean }): string {
  return `${CURL_ENV}---
apiVersion: v1
kind: Namespace
metadata:
  name: test-egress
${opts.sidecar ? '  labels:\n    istio-injection: enabled\n' : ''}---
apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
${opts.labels ? '  labels:\n    istio: system\n' : ''}---
apiVersion: v1
kind: Namespace
metadata:
  name: kube-system
${opts.labels ? '  labels:\n    kube-system: "true"\n' : ''}---
${curlDeployment('test-egress')}`;
}

function outcome(set: SnippetSet, env: string, from: string, host: string, port: number): PathOutcome {
  const a = analyze(setSources(set, env));
  const w = a.model.workloads.find((x) => `${x.namespace}/${x.name}` === from);
  assert.ok(w, `${from} is in the workspace`);
  return egressPath(a.mesh, a.reach, w, host, port).outcome;
}

const HTTPS_ISTIO: SnippetSet = { name: 'https istio', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/08-istio-api-gateway.yaml'] };
const HTTPS_GW: SnippetSet = { name: 'https gateway api', files: ['egress-gateway/07-common-serviceentry.yaml', 'egress-gateway/09-gateway-api-gateway.yaml'] };

test('egress-gateway page, step 5: without NetworkPolicy, test-egress/curl (no sidecar) reaches edition.cnn.com:443 directly (200)', () => {
  assert.equal(outcome(HTTPS_ISTIO, testEgress({ sidecar: false, labels: false }), 'test-egress/curl', 'edition.cnn.com', 443), 'direct');
});

test('egress-gateway page, steps 6-9: with the NetworkPolicy, the direct connection times out (Istio APIs and Gateway API tabs)', () => {
  const istio = { ...HTTPS_ISTIO, files: [...HTTPS_ISTIO.files, 'egress-gateway/10-istio-api-networkpolicy.yaml'] };
  assert.equal(outcome(istio, testEgress({ sidecar: false, labels: true }), 'test-egress/curl', 'edition.cnn.com', 443), 'blocked-networkpolicy');
  const gw = { ...HTTPS_GW, files: [...HTTPS_GW.files, 'egress-gateway/11-gateway-api-networkpolicy.yaml'] };
  assert.equal(outcome(gw, testEgress({ sidecar: false, labels: true }).replace('name: default\n  labels:\n', 'name: default\n  labels:\n    gateway: "true"\n'), 'test-egress/curl', 'edition.cnn.com', 443), 'blocked-networkpolicy');
});

test('egress-gateway page, steps 10-13: with a sidecar the same request goes through the egress gateway, and only through it (200)', () => {
  const istio = { ...HTTPS_ISTIO, files: [...HTTPS_ISTIO.files, 'egress-gateway/10-istio-api-networkpolicy.yaml', 'egress-gateway/12-istio-api-destinationrule.yaml'] };
  const a = analyze(setSources(istio, testEgress({ sidecar: true, labels: true })));
  const w = a.model.workloads.find((x) => x.id === 'test-egress/curl[Deployment]')!;
  const p = egressPath(a.mesh, a.reach, w, 'edition.cnn.com', 443);
  assert.equal(p.outcome, 'via-gateway');
  assert.equal(p.gateway?.label, 'istio-system/istio-egressgateway');
  assert.match(p.summary, /only through it/);
  // Gateway API tab: the gateway runs in default, which the policy allows by its gateway=true label.
  const gw = { ...HTTPS_GW, files: [...HTTPS_GW.files, 'egress-gateway/11-gateway-api-networkpolicy.yaml'] };
  const env = testEgress({ sidecar: true, labels: true }).replace('name: default\n  labels:\n', 'name: default\n  labels:\n    gateway: "true"\n');
  const b = analyze(setSources(gw, env));
  const p2 = egressPath(b.mesh, b.reach, b.model.workloads.find((x) => x.id === 'test-egress/curl[Deployment]')!, 'edition.cnn.com', 443);
  assert.equal(p2.outcome, 'via-gateway');
  assert.equal(p2.gateway?.label, 'default/cnn-egress-gateway-istio');
});

test('egress-control page: with REGISTRY_ONLY, unregistered hosts are blocked and registered ones reachable', () => {
  const only = { name: 'registry only', files: ['egress-control/01-common-fragment-spec.yaml'] };
  assert.equal(outcome(only, CURL_ENV, 'default/curl', 'www.google.com', 443), 'blocked-registry-only');
  assert.equal(outcome(only, CURL_ENV, 'default/curl', 'edition.cnn.com', 443), 'blocked-registry-only');
  const withEntries = { name: 'with entries', files: ['egress-control/01-common-fragment-spec.yaml', 'egress-control/02-common-serviceentry.yaml', 'egress-control/03-common-serviceentry.yaml'] };
  assert.equal(outcome(withEntries, CURL_ENV, 'default/curl', 'httpbin.org', 80), 'direct');
  assert.equal(outcome(withEntries, CURL_ENV, 'default/curl', 'www.google.com', 443), 'direct');
  assert.equal(outcome(withEntries, CURL_ENV, 'default/curl', 'edition.cnn.com', 443), 'blocked-registry-only');
});

// ---- broken variants ---------------------------------------------------------------------------------

interface Variant {
  task: string;
  set: SnippetSet;
  /** Which snippet to break, and how (a text replacement). */
  file: string;
  from: string | RegExp;
  to: string;
  rule: string;
  /** Text on the line where the finding must be. */
  at: string;
  /** The snippet that line is in, when it is not the broken one (the other resource involved). */
  in?: string;
  /** Which line holding `at` (1: the first). */
  nth?: number;
}

const HTTP_ISTIO = SETS.find((s) => s.name === 'egress-gateway / HTTP / Istio APIs')!;
const HTTP_GW = SETS.find((s) => s.name === 'egress-gateway / HTTP / Gateway API')!;
const HTTPS_ISTIO_SET = SETS.find((s) => s.name === 'egress-gateway / HTTPS / Istio APIs')!;
const TLS_ORIG = SETS.find((s) => s.name === 'egress-gateway-tls-origination / TLS origination / Istio APIs')!;
const WILDCARD = SETS.find((s) => s.name === 'wildcard-egress-hosts / egress gateway / Istio APIs')!;
const TLS_ORIG_GW = SETS.find((s) => s.name === 'egress-gateway-tls-origination / TLS origination / Gateway API')!;

const MESH_LEG_HTTP = /  http:\n  - match:\n    - gateways:\n      - mesh\n      port: 80\n    route:\n    - destination:\n        host: istio-egressgateway.istio-system.svc.cluster.local\n        subset: cnn\n        port:\n          number: 80\n      weight: 100\n/;

const VARIANTS: Variant[] = [
  // egress-gateway, HTTP
  { task: 'HTTP: missing mesh leg', set: HTTP_ISTIO, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: MESH_LEG_HTTP, to: '  http:\n', rule: 'EL205', at: '  - edition.cnn.com' },
  { task: 'HTTP: missing gateway leg', set: HTTP_ISTIO, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: /  - match:\n    - gateways:\n      - istio-egressgateway\n[\s\S]*$/, to: '', rule: 'EL205', at: 'host: istio-egressgateway.istio-system.svc.cluster.local' },
  { task: 'HTTP: wrong subset', set: HTTP_ISTIO, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: 'subset: cnn', to: 'subset: cnn-v1', rule: 'EL208', at: 'subset: cnn-v1' },
  { task: 'HTTP: wrong gateway name', set: HTTP_ISTIO, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: '  - istio-egressgateway\n  - mesh', to: '  - egressgateway\n  - mesh', rule: 'EL203', at: '  - egressgateway' },
  { task: 'HTTP: missing ServiceEntry', set: { ...HTTP_ISTIO, files: HTTP_ISTIO.files.filter((f) => !f.includes('serviceentry')) }, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: 'x-no-change-x', to: '', rule: 'EL206', at: '        host: edition.cnn.com' },
  { task: 'HTTP: mismatched port', set: HTTP_ISTIO, file: 'egress-gateway/05-istio-api-virtualservice.yaml', from: '      - istio-egressgateway\n      port: 80', to: '      - istio-egressgateway\n      port: 8080', rule: 'EL209', at: '      port: 8080' },
  { task: 'HTTP: host not on the gateway', set: HTTP_ISTIO, file: 'egress-gateway/03-istio-api-gateway.yaml', from: '    - edition.cnn.com', to: '    - www.cnn.com', rule: 'EL207', at: '  - istio-egressgateway', in: 'egress-gateway/05-istio-api-virtualservice.yaml' },
  // egress-gateway, HTTPS (TLS passthrough)
  { task: 'HTTPS: wrong subset', set: HTTPS_ISTIO_SET, file: 'egress-gateway/08-istio-api-gateway.yaml', from: 'subset: cnn', to: 'subset: edition', rule: 'EL208', at: 'subset: edition' },
  { task: 'HTTPS: wrong gateway name in a match', set: HTTPS_ISTIO_SET, file: 'egress-gateway/08-istio-api-gateway.yaml', from: '    - gateways:\n      - istio-egressgateway\n      port: 443', to: '    - gateways:\n      - istio-egress\n      port: 443', rule: 'EL203', at: '      - istio-egress' },
  { task: 'HTTPS: mismatched port', set: HTTPS_ISTIO_SET, file: 'egress-gateway/08-istio-api-gateway.yaml', from: '      - istio-egressgateway\n      port: 443', to: '      - istio-egressgateway\n      port: 8443', rule: 'EL209', at: '      port: 8443' },
  { task: 'HTTPS: missing ServiceEntry', set: { ...HTTPS_ISTIO_SET, files: HTTPS_ISTIO_SET.files.filter((f) => !f.includes('serviceentry')) }, file: 'egress-gateway/08-istio-api-gateway.yaml', from: 'x-no-change-x', to: '', rule: 'EL206', at: '        host: edition.cnn.com' },
  // egress-gateway-tls-origination
  { task: 'TLS origination: wrong subset', set: TLS_ORIG, file: 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml', from: 'subset: cnn', to: 'subset: cnn-tls', rule: 'EL208', at: 'subset: cnn-tls' },
  { task: 'TLS origination: missing gateway leg', set: TLS_ORIG, file: 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml', from: /  - match:\n    - gateways:\n      - istio-egressgateway\n[\s\S]*$/, to: '', rule: 'EL205', at: 'host: istio-egressgateway.istio-system.svc.cluster.local' },
  { task: 'TLS origination: wrong gateway name', set: TLS_ORIG, file: 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml', from: '  - istio-egressgateway\n  - mesh', to: '  - istio-system/istio-egressgateway\n  - mesh', rule: 'EL203', at: '  - istio-system/istio-egressgateway' },
  { task: 'TLS origination: mismatched port', set: TLS_ORIG, file: 'egress-gateway-tls-origination/02-istio-api-gateway.yaml', from: 'number: 80\n      name: https-port-for-tls-origination', to: 'number: 81\n      name: https-port-for-tls-origination', rule: 'EL209', at: '      port: 80', nth: 2, in: 'egress-gateway-tls-origination/04-istio-api-virtualservice.yaml' },
  // Gateway API tab
  { task: 'Gateway API: route to a misspelt gateway Service', set: HTTP_GW, file: 'egress-gateway/06-gateway-api-httproute.yaml', from: 'name: cnn-egress-gateway-istio', to: 'name: cnn-egress-gateway', rule: 'EL302', at: '    - name: cnn-egress-gateway' },
  { task: 'Gateway API: forward route on a missing Gateway', set: HTTP_GW, file: 'egress-gateway/06-gateway-api-httproute.yaml', from: '  - name: cnn-egress-gateway\n  hostnames', to: '  - name: cnn-gateway\n  hostnames', rule: 'EL301', at: '  - name: cnn-gateway' },
  { task: 'Gateway API: listener for another host', set: TLS_ORIG_GW, file: 'egress-gateway-tls-origination/03-gateway-api-gateway.yaml', from: 'hostname: edition.cnn.com', to: 'hostname: www.cnn.com', rule: 'EL303', at: '  - name: cnn-egress-gateway', nth: 2, in: 'egress-gateway-tls-origination/05-gateway-api-httproute.yaml' },
  { task: 'Gateway API: missing ServiceEntry for the Hostname backend', set: { ...HTTP_GW, files: HTTP_GW.files.filter((f) => !f.includes('serviceentry')) }, file: 'egress-gateway/06-gateway-api-httproute.yaml', from: 'x-no-change-x', to: '', rule: 'EL302', at: '      name: edition.cnn.com' },
  // wildcard-egress-hosts
  { task: 'wildcard: missing ServiceEntry for the destination', set: { ...WILDCARD, files: WILDCARD.files.filter((f) => !f.includes('04-common')) }, file: 'wildcard-egress-hosts/02-istio-api-gateway.yaml', from: 'x-no-change-x', to: '', rule: 'EL206', at: '        host: www.wikipedia.org' },
  { task: 'wildcard: wrong subset', set: WILDCARD, file: 'wildcard-egress-hosts/02-istio-api-gateway.yaml', from: 'subset: wikipedia', to: 'subset: wiki', rule: 'EL208', at: 'subset: wiki' },
];

for (const v of VARIANTS) {
  test(`broken variant, ${v.task}: ${v.rule} fires on the broken line`, () => {
    const sources = setSources(v.set).map((s) => (s.uri.endsWith(v.file) ? { ...s, text: s.text.replace(v.from, v.to) } : s));
    const broken = sources.find((s) => s.uri.endsWith(v.file));
    const target = sources.find((s) => s.uri.endsWith(v.in ?? v.file));
    assert.ok(broken && target, `${v.file} is in the set`);
    if (typeof v.from !== 'string' || v.from !== 'x-no-change-x') assert.notEqual(broken.text, snippet(v.file), 'the variant changes the snippet');
    const a = analyze(sources);
    const hits = a.findings.filter((f) => f.ruleId === v.rule);
    const lines = target.text.split('\n');
    const expected = lines.map((l, i) => (l.includes(v.at) ? i + 1 : 0)).filter(Boolean)[(v.nth ?? 1) - 1] ?? 0;
    assert.ok(expected > 0, `"${v.at}" is in ${v.in ?? v.file}`);
    assert.ok(
      hits.some((f) => f.uri === target.uri && lineOf(a, f.uri, f.span.start) === expected),
      `${v.rule} at ${v.in ?? v.file}:${expected} (${lines[expected - 1].trim()}); got ${hits.map((f) => `${rel(f.uri)}:${lineOf(a, f.uri, f.span.start)} ${f.message}`).join(' | ') || 'nothing'}`,
    );
    // The correct set does not have it there.
    const clean = analyze(setSources(v.set.files.length === SETS.find((s) => s.name === v.set.name)?.files.length ? v.set : SETS.find((s) => s.name === v.set.name)!));
    assert.ok(!clean.findings.some((f) => f.ruleId === v.rule && f.uri === target.uri && lineOf(clean, f.uri, f.span.start) === expected), `${v.rule} is not on the correct configuration`);
  });
}
