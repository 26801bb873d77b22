/** The panel's observed-traffic overlay (egressLens/reachability and egressLens/explain with flows loaded). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, flows, LineIndex } from '../../server/src/engine';
import { readFlowFile } from '../../server/src/host/flow-files';
import { explain } from '../../server/src/engine/lang/panel/explain';
import { reachabilityResult } from '../../server/src/engine/lang/panel/graph';
import type { ReachabilityResult } from '../../server/src/lsp/protocol';
import { buildGraph, applyFilters, observedOf } from '../../client/webview/model';
import { DEFAULT_FILTERS } from '../../client/src/panel/messages';
import { flowFixtures } from '../support/cli-run';

const uri = 'file:///ws/shop.yaml';
const text = readFileSync(path.join(flowFixtures, 'workspace/shop.yaml'), 'utf8');
const lines = () => new LineIndex(text);

async function observed(): Promise<flows.ObservedConnectionRecord[]> {
  const t = new flows.ObservedTraffic(analyze([{ uri, text }]).reach);
  await readFlowFile(path.join(flowFixtures, 'hubble.jsonl'), t, { shown: 'hubble.jsonl' });
  return flows.recordsOf(t.connections.values());
}

/** The graph's edges as `src -> dst: CONNS verdict [mark flows]`. */
function edges(r: ReachabilityResult): string[] {
  return r.edges.map((e) => `${r.nodes[e.src].id} -> ${r.nodes[e.dst].id}: ${r.conns[e.conns].text} ${e.verdict}${e.observed ? ` [${e.observed} ${e.flows}${e.blockedFlows ? `, ${e.blockedFlows} blocked` : ''}]` : ''}`).sort();
}

const LEDGER = 'billing/ledger[Deployment]';
const API = 'shop/api[Deployment]';
const WEB = 'shop/web[Deployment]';

test('flows loaded: observed edges marked with their flows, the blocked connection drawn to its destination, the rest unmarked', async () => {
  const a = analyze([{ uri, text }], { observedFlows: await observed() });
  const r = reachabilityResult(a, lines, {}, 1, ['hubble.jsonl']);
  assert.deepEqual(edges(r), [
    // ledger to api.stripe.com: only the observation draws it (the namespace's default-deny blocks it).
    // The DNS pods the policies name are not in the workspace: exposure (dashed), which no flow can take.
    `${LEDGER} -> exposure:kube-system/[pod with {k8s-app=kube-dns}]: TCP 53,UDP 53 exposure`,
    `${LEDGER} -> fqdn:api.stripe.com: TCP 443 blocked [blocked 3, 3 blocked]`,
    `${LEDGER} -> ${API}: TCP 8080 allowed [seen 1]`,
    `internet -> ${LEDGER}: All Connections unrestricted`,
    `internet -> ${API}: All Connections unrestricted`,
    `internet -> ${WEB}: All Connections unrestricted`,
    `${API} -> ${LEDGER}: All Connections unrestricted`,
    `${API} -> internet: All Connections unrestricted [seen 1]`,
    `${API} -> ${WEB}: All Connections unrestricted`,
    `${WEB} -> exposure:kube-system/[pod with {k8s-app=kube-dns}]: UDP 53 exposure`,
    `${WEB} -> ${API}: TCP 8080 allowed [seen 2]`,
  ]);
  assert.deepEqual(r.nodes.filter((n) => n.observed), [{ id: 'fqdn:api.stripe.com', kind: 'fqdn', label: 'api.stripe.com', observed: true }]);
  // The cluster-dropped flow (web to 203.0.113.50) is not kept; DNS to kube-system's pods has no workload here.
  assert.deepEqual(r.observed, { sources: ['hubble.jsonl'], flows: 7, connections: 4, blocked: 1, blockedFlows: 3, unmatched: 1, unobservedEdges: 5 });
  // Counts are the workspace's own.
  assert.equal(r.stats.edges, 8);
});

test('without flows the graph carries no observed marks, nodes or summary', () => {
  const r = reachabilityResult(analyze([{ uri, text }]), lines, {}, 1);
  assert.equal(r.observed, undefined);
  assert.ok(r.edges.every((e) => e.observed === undefined && e.verdict !== 'blocked'));
  assert.ok(r.nodes.every((n) => !n.observed));
});

test('focus on a workload keeps its observed edges and observed destinations', async () => {
  const a = analyze([{ uri, text }], { observedFlows: await observed() });
  const r = reachabilityResult(a, lines, { focus: LEDGER }, 1);
  assert.ok(edges(r).includes(`${LEDGER} -> fqdn:api.stripe.com: TCP 443 blocked [blocked 3, 3 blocked]`), edges(r).join('\n'));
});

test('explain: a blocked observed edge names the policy that blocks it, an observed one the rule that allows it, an unobserved one is a candidate', async () => {
  const a = analyze([{ uri, text }], { observedFlows: await observed() });
  const blocked = explain(a, lines, { src: LEDGER, dst: 'fqdn:api.stripe.com' });
  assert.equal(blocked.verdict, 'blocked');
  assert.equal(blocked.summary, 'Observed: 3 flows, 3 flows would be blocked. No rule of the workspace allows it.');
  assert.equal(blocked.sections[0].heading, 'Observed traffic: 1 connection');
  const items = blocked.sections[0].items;
  assert.equal(items[0].text, `${LEDGER} → api.stripe.com (203.0.113.7) TCP 443: 3 flows, would be blocked`);
  assert.equal(items[0].tone, 'deny');
  const links = items.flatMap((i) => i.links.map((l) => l.label));
  assert.ok(links.some((l) => l.includes('billing/default-deny-egress')), links.join(', '));
  // Each link opens the policy's YAML where it is.
  const link = items.flatMap((i) => i.links).find((l) => l.label.includes('default-deny-egress'))!;
  assert.equal(text.split('\n')[link.location.range.start.line].trim(), 'name: default-deny-egress');

  const seen = explain(a, lines, { src: LEDGER, dst: API });
  assert.match(seen.summary, /^Observed: 1 flow, all allowed\. Allowed: TCP 8080\.$/);
  assert.equal(seen.sections[0].items[0].text, `${LEDGER} → ${API} TCP 8080: 1 flow, allowed`);
  assert.ok(seen.sections[0].items.some((i) => i.tone === 'allow' && i.links.some((l) => l.label.includes('billing/ledger-to-api'))));
  // The workspace's own explanation follows.
  assert.ok(seen.sections.length > 1);

  // The observed destination itself: who reached it, and why that would be blocked.
  const node = explain(a, lines, { node: 'fqdn:api.stripe.com' });
  assert.equal(node.missing, undefined);
  assert.equal(node.summary, 'An observed destination: no policy names it; it is drawn because flows reached it.');
  assert.equal(node.sections[0].items[0].text, `${LEDGER} → api.stripe.com (203.0.113.7) TCP 443: 3 flows, would be blocked`);

  const never = explain(a, lines, { src: API, dst: WEB });
  assert.match(never.summary, /^No observed flow took it: a candidate for tightening\. Unrestricted/);
  assert.equal(never.verdict, 'unrestricted');
});

test('the webview: a drawn edge is marked blocked when any flow behind it would be, with the flows summed; its name says it', async () => {
  const a = analyze([{ uri, text }], { observedFlows: await observed() });
  const r = reachabilityResult(a, lines, {}, 1, ['hubble.jsonl']);
  const g = buildGraph(r, applyFilters(r, DEFAULT_FILTERS), new Set(['billing']));
  const fromBilling = g.edges.filter((e) => e.src === 'ns:billing');
  const toStripe = fromBilling.find((e) => e.dst === 'fqdn:api.stripe.com')!;
  assert.deepEqual({ observed: toStripe.observed, flows: toStripe.flows, blockedFlows: toStripe.blockedFlows }, { observed: 'blocked', flows: 3, blockedFlows: 3 });
  assert.match(toStripe.ariaLabel, /observed, 3 flows would be blocked/);
  const unobserved = g.edges.find((e) => e.src === API && e.dst === WEB)!;
  assert.equal(unobserved.observed, undefined);
  assert.match(unobserved.ariaLabel, /never observed/);
  // Members mixing blocked and seen flows: blocked wins, flows add up.
  const mixed = { ...r, edges: [...r.edges] };
  const i = r.edges.findIndex((e) => e.observed === 'blocked');
  const j = r.edges.findIndex((e) => e.observed === 'seen');
  assert.deepEqual(observedOf(mixed, [i, j]), { observed: 'blocked', flows: (r.edges[i].flows ?? 0) + (r.edges[j].flows ?? 0), blockedFlows: 3 });
  assert.deepEqual(observedOf(mixed, [j]), { observed: 'seen', flows: r.edges[j].flows });
});
