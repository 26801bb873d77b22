/** egressLens/loadFlows over the wire: flow logs loaded into the bundled server, EL117 published and its fix offered. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { LspClient } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';
import { flowFixtures } from '../support/cli-run';
import { FlowRequests, PanelRequests, type LoadFlowsResult, type ReachabilityResult } from '../../server/src/lsp/protocol';

test('egressLens/loadFlows: EL117 appears on the blocking policy, with its quick fix; unloading removes it', async (t) => {
  const ws = tempCopy(path.join(flowFixtures, 'workspace'));
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  await client.initialize(ws.uri(''));
  const uri = ws.uri('shop.yaml');
  await client.waitForDiagnostics(uri);
  const loaded = client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'EL117'));
  const r = await client.connection.sendRequest<LoadFlowsResult>(FlowRequests.loadFlows, { files: [path.join(flowFixtures, 'hubble.jsonl')] });
  assert.deepEqual({ ...r, problems: r.problems.map((p) => p.replace(/^.*hubble\.jsonl/, 'hubble.jsonl')) }, { flows: 13, connections: 6, blocked: 1, unknown: 1, malformed: 1, problems: ['hubble.jsonl:11: not JSON: Unterminated string in JSON at position 704'] });
  const p = await loaded;
  const d = p.diagnostics.find((x) => x.code === 'EL117')!;
  assert.equal(d.message, 'NetworkPolicy billing/default-deny-egress blocks 3 observed flows from billing/ledger to api.stripe.com:443.');
  assert.equal(d.range.start.line, 73);
  const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as { title: string }[];
  assert.ok(actions.some((a) => a.title === 'Allow the observed connections in NetworkPolicy billing/ledger-to-api (opens traffic)'), JSON.stringify(actions.map((a) => a.title)));
  // The panel's graph carries the overlay: what was loaded, the blocked connection drawn to its destination.
  const overlay = await client.connection.sendRequest<ReachabilityResult>(PanelRequests.reachability, {});
  assert.equal(overlay.observed?.sources.join(), 'hubble.jsonl');
  assert.equal(overlay.observed?.blocked, 1);
  const blocked = overlay.edges.filter((e) => e.observed === 'blocked').map((e) => `${overlay.nodes[e.src].id} -> ${overlay.nodes[e.dst].id}`);
  assert.deepEqual(blocked, ['billing/ledger[Deployment] -> fqdn:api.stripe.com']);
  const cleared = client.waitForDiagnostics(uri, (x) => !x.diagnostics.some((y) => y.code === 'EL117'));
  await client.connection.sendRequest(FlowRequests.loadFlows, { files: [] });
  await cleared;
  const plain = await client.connection.sendRequest<ReachabilityResult>(PanelRequests.reachability, {});
  assert.equal(plain.observed, undefined);
  assert.ok(plain.edges.every((e) => e.observed === undefined));
  await assert.rejects(client.connection.sendRequest(FlowRequests.loadFlows, { files: [path.join(flowFixtures, 'notes.txt')] }), /not a flow log/);
});
