/** The panel's gateway edges: what the egress gateway applies to a host's traffic (access log, limits, TLS), on the edge and in its explanation. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, LineIndex } from '../../server/src/engine';
import { explain } from '../../server/src/engine/lang/panel/explain';
import { reachabilityResult } from '../../server/src/engine/lang/panel/graph';
import { buildGraph, applyFilters } from '../../client/webview/model';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';
import { readFixture } from '../support/fixture';
import { GATEWAY_TELEMETRY_EXAMPLE } from '../../server/src/engine/rules/mesh/gateway-traffic';

const routed = readFixture(readFileSync(path.join(__dirname, '../../../test/fixtures/rules/EL212/no-access-log.yaml'), 'utf8')).text;
// A meshed caller, so that traffic goes through the gateway.
const caller = `---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: i}]}
`;
const limits = `${GATEWAY_TELEMETRY_EXAMPLE}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: stripe-limits, namespace: istio-system}
spec:
  host: api.stripe.com
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 10}
`;

function gatewayEdge(text: string) {
  const a = analyze([{ uri: 'file:///ws/mesh.yaml', text }]);
  const lines = () => new LineIndex(text);
  const r = reachabilityResult(a, lines, {}, 1);
  const e = r.edges.find((x) => r.nodes[x.src].kind === 'gateway' && r.nodes[x.dst].label === 'api.stripe.com');
  assert.ok(e, r.edges.map((x) => `${r.nodes[x.src].id} -> ${r.nodes[x.dst].id}`).join('\n'));
  const g = buildGraph(r, applyFilters(r, DEFAULT_FILTERS), new Set());
  const drawn = g.edges.find((x) => x.src === r.nodes[e.src].id && x.dst === r.nodes[e.dst].id);
  const why = explain(a, lines, { src: r.nodes[e.src].id, dst: r.nodes[e.dst].id });
  return { applies: e.applies, label: drawn?.applies, aria: drawn?.ariaLabel ?? '', at: why.sections.find((s) => s.heading === 'At the gateway')?.items.map((i) => i.text) ?? [] };
}

test('a gateway edge says the gateway neither logs nor bounds the host, and passes its TLS through; the explanation names the rules', () => {
  const x = gatewayEdge(routed + caller);
  assert.deepEqual(x.applies, { logged: false, limits: false, tls: 'passthrough' });
  assert.equal(x.label, 'not logged · no limits · TLS passthrough');
  assert.match(x.aria, /at the gateway: not logged · no limits · TLS passthrough/);
  assert.deepEqual(x.at, ['Access log: off: nothing records these connections (EL212).', 'Connection limits: none (EL213).', "TLS: the application's own, passed through."]);
});

test('with a Telemetry for the gateway and a DestinationRule with a connection pool, the same edge says logged and limits', () => {
  const x = gatewayEdge(routed + caller + limits);
  assert.deepEqual(x.applies, { logged: true, limits: true, tls: 'passthrough' });
  assert.equal(x.label, 'logged · limits · TLS passthrough');
  assert.ok(x.at[0].startsWith('Access log: on'), x.at[0]);
});
