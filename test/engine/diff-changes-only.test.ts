// The change lens compares only the pairs whose tables the new state computed anew (`changesOnly`): it must
// find exactly the changes, with the same reasons, that the whole diff finds, after every random edit, and
// with a mesh whose routes an edit changes for workloads whose policies did not change.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BaseState, diffAnalyses, type ConnectivityDiff, type SourceFile } from '../../server/src/engine';
import { rng } from '../support/random';
import { deployment, initialWorkspace, randomEdit } from '../support/random-workspace';
import { ISTIO_EGRESS } from '../bench/generator';

/** A diff's changes as text: each change's pair, sets, routes and reasons with their places. */
function changesOf(d: ConnectivityDiff): string[] {
  return d.changes.map((c) =>
    [
      c.type,
      c.category,
      c.src.id,
      c.dst.id,
      c.before.toString(),
      c.after.toString(),
      c.opened.toString(),
      c.closed.toString(),
      c.routeBefore?.summary ?? '',
      c.routeAfter?.summary ?? '',
      JSON.stringify(c.newOrRemoved),
      ...c.why.map((w) => `${w.state} ${w.side} ${w.verdict} ${w.conns.toString()} ${w.text} ${w.refs.map((x) => `${x.uri}:${x.span.start}`).join(',')}`),
    ].join(' | '),
  );
}

test('changes only: the same changes as the whole diff after each of 300 random edits, most of them comparing a few pairs', () => {
  const r = rng(7);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => [...files].map(([uri, docs]) => ({ uri, text: docs.join('---\n') }));
  let narrowed = 0;
  let changed = 0;
  for (let step = 0; step < 300; step++) {
    const base = new BaseState(sources());
    void base.analysis.reach.connections();
    randomEdit(r, files, step);
    const after = base.compare(sources());
    const whole = diffAnalyses(base.analysis, after);
    const lens = diffAnalyses(base.analysis, after, { changesOnly: true });
    assert.deepEqual(changesOf(lens), changesOf(whole), `changes differ after step ${step}`);
    assert.equal(lens.unchanged.length, 0);
    const touched = after.reach.changedSince(base.analysis.reach);
    if (touched && touched.egress.size + touched.ingress.size < 2 * after.reach.workloads.length) narrowed++;
    if (whole.changes.length > 0) changed++;
  }
  // The sequence exercises both: diffs with changes, and diffs that compared only some workloads' pairs.
  assert.ok(changed > 50, `${changed} of 300 edits changed connectivity`);
  assert.ok(narrowed > 100, `${narrowed} of 300 edits compared only some workloads' pairs`);
});

test('changes only: a route through the egress gateway that an edit changes is found, though no policy changed', () => {
  const namespace = (injected: boolean) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: ${injected ? 'enabled' : 'disabled'}}}\n`;
  const shop = (injected: boolean, port: number) =>
    [
      namespace(injected),
      deployment('shop', 'web', 'web', 8080, 'http'),
      deployment('shop', 'api', 'api', 9090, 'grpc'),
      `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: shop}\nspec:\n  podSelector: {matchLabels: {tier: api}}\n  policyTypes: [Egress]\n  egress: [{ports: [{port: ${port}}]}]\n`,
    ].join('---\n');
  const files = (injected: boolean, port: number, mesh = ISTIO_EGRESS): SourceFile[] => [
    { uri: 'file:///ws/shop.yaml', text: shop(injected, port) },
    { uri: 'file:///ws/istio.yaml', text: mesh },
  ];
  const cases: [string, SourceFile[], SourceFile[]][] = [
    ['sidecars injected', files(false, 443), files(true, 443)],
    ['sidecars removed', files(true, 443), files(false, 443)],
    ['a policy port, meshed', files(true, 443), files(true, 80)],
    ['the gateway route broken', files(true, 443), files(true, 443, ISTIO_EGRESS.replace(/host: istio-egressgateway\.istio-system\.svc\.cluster\.local/g, 'host: elsewhere.istio-system.svc.cluster.local'))],
  ];
  let routed = 0;
  for (const [name, before, after] of cases) {
    const base = new BaseState(before);
    void base.analysis.reach.connections();
    const now = base.compare(after);
    const whole = diffAnalyses(base.analysis, now);
    assert.deepEqual(changesOf(diffAnalyses(base.analysis, now, { changesOnly: true })), changesOf(whole), name);
    if (whole.changes.some((c) => c.routeBefore?.summary !== c.routeAfter?.summary)) routed++;
  }
  assert.ok(routed >= 2, `${routed} cases changed a route`);
});
