// The reachability panel over a mesh: host names and the egress gateway are nodes of their own, and
// traffic routed through the gateway is drawn source → gateway → host, explained by the mesh path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExplainResult, ReachabilityResult } from '../../server/src/lsp/protocol';
import { serverOnExamples } from '../support/lsp-client';
import { SETS, setSources } from '../corpus/istio-sets';

test('panel: the egress gateway and the host are nodes; the route is drawn through the gateway and explained', async (t) => {
  const set = SETS.find((s) => s.name === 'egress-gateway / HTTPS / Istio APIs')!;
  const { client, ws } = await serverOnExamples(t, (dir) => {
    mkdirSync(path.join(dir, 'mesh'));
    setSources(set).forEach((s, i) => writeFileSync(path.join(dir, 'mesh', `${i}.yaml`), s.text));
  });
  await client.waitForDiagnostics(ws.uri('mesh/1.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL202'));
  const r = await client.connection.sendRequest<ReachabilityResult>('egressLens/reachability', {});
  const idx = (id: string) => r.nodes.findIndex((n) => n.id === id);
  const gw = idx('gateway:istio-system/istio-egressgateway');
  const host = idx('fqdn:edition.cnn.com');
  const curl = idx('default/curl[Deployment]');
  assert.ok(gw >= 0 && host >= 0 && curl >= 0, `nodes: ${r.nodes.map((n) => n.id).join(', ')}`);
  assert.equal(r.nodes[gw].kind, 'gateway');
  assert.equal(r.nodes[host].kind, 'fqdn');
  const toGw = r.edges.find((e) => e.src === curl && e.dst === gw);
  const onward = r.edges.find((e) => e.src === gw && e.dst === host);
  assert.equal(toGw?.verdict, 'gateway');
  assert.equal(r.conns[toGw!.conns].text, 'TCP 443');
  assert.equal(onward?.verdict, 'gateway');
  // No NetworkPolicy: the direct edge is there too, and it is the unrestricted one.
  assert.equal(r.edges.find((e) => e.src === curl && e.dst === host)?.verdict, 'unrestricted');
  const ex = await client.connection.sendRequest<ExplainResult>('egressLens/explain', { src: 'default/curl[Deployment]', dst: 'gateway:istio-system/istio-egressgateway' });
  const mesh = ex.sections.find((s) => s.heading === 'Mesh path');
  assert.ok(mesh, `sections: ${ex.sections.map((s) => s.heading).join(', ')}`);
  assert.ok(mesh.items.some((i) => /through egress gateway istio-system\/istio-egressgateway/.test(i.text)));
  assert.ok(mesh.items.some((i) => i.links.some((l) => l.location.uri.endsWith('mesh/1.yaml'))), 'steps link to the VirtualService');
  const node = await client.connection.sendRequest<ExplainResult>('egressLens/explain', { node: 'gateway:istio-system/istio-egressgateway' });
  assert.match(node.summary, /Installed by Istio/);
  assert.ok(node.sections.find((s) => s.heading === 'Routes onward to')?.items.length);
});
