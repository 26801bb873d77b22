// Egress paths through the mesh: the outcomes of the layers together (sidecar, routes, gateway L7 rules,
// NetworkPolicy), each with the resources that decide.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, egressPath } from '../../server/src/engine';
import { setSources, SETS, curlDeployment } from '../corpus/istio-sets';

const HTTPS = SETS.find((s) => s.name === 'egress-gateway / HTTPS / Istio APIs')!;

function pathFor(extra: string, env?: string, from = 'default/curl[Deployment]') {
  const sources = setSources(HTTPS, env).concat(extra ? [{ uri: 'file:///extra.yaml', text: extra }] : []);
  const a = analyze(sources);
  const w = a.model.workloads.find((x) => x.id === from)!;
  return egressPath(a.mesh, a.reach, w, 'edition.cnn.com', 443);
}

const authz = (action: string, host: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: egress-hosts, namespace: istio-system}
spec:
  selector:
    matchLabels: {istio: egressgateway}
  action: ${action}
  rules:
  - to:
    - operation:
        hosts: ["${host}"]
`;

test('an AuthorizationPolicy on the gateway that allows the host is on the path; one that allows only others stops it there', () => {
  const ok = pathFor(authz('ALLOW', '*.cnn.com'));
  assert.equal(ok.outcome, 'via-gateway');
  assert.ok(ok.steps.some((s) => /AuthorizationPolicy istio-system\/egress-hosts allows edition\.cnn\.com/.test(s.text)));
  const other = pathFor(authz('ALLOW', 'api.github.com'));
  assert.equal(other.outcome, 'blocked-at-gateway');
  assert.match(other.summary, /AuthorizationPolicy refuses edition\.cnn\.com/);
  const deny = pathFor(authz('DENY', 'edition.cnn.com'));
  assert.equal(deny.outcome, 'blocked-at-gateway');
});

test('a pod without a sidecar goes direct, whatever the routes say; a REGISTRY_ONLY Sidecar drops unregistered hosts', () => {
  const env = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: plain\n---\n${curlDeployment('plain')}`;
  const plain = pathFor('', env, 'plain/curl[Deployment]');
  assert.equal(plain.outcome, 'direct');
  assert.equal(plain.meshed, false);
  const sidecar = `apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: default}\nspec:\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n`;
  const a = analyze(setSources(HTTPS).concat([{ uri: 'file:///sidecar.yaml', text: sidecar }]));
  const w = a.model.workloads.find((x) => x.id === 'default/curl[Deployment]')!;
  const p = egressPath(a.mesh, a.reach, w, 'api.github.com', 443);
  assert.equal(p.outcome, 'blocked-registry-only');
  assert.ok(p.steps.some((s) => s.resource.kind === 'Sidecar'), 'the Sidecar is named');
  // The routed host is unaffected: it is registered and goes through the gateway.
  assert.equal(egressPath(a.mesh, a.reach, w, 'edition.cnn.com', 443).outcome, 'via-gateway');
});
