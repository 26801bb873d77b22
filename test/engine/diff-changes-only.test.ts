// The change lens compares only the pairs whose tables the new state computed anew (`changesOnly`): it must
// find exactly the changes, with the same reasons, that the whole diff finds, after every random edit, and
// with a mesh whose routes an edit changes for workloads whose policies did not change.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BaseState, diffAnalyses, Workspace, type ConnectivityDiff, type SourceFile } from '../../server/src/engine';
import { rng } from '../support/random';
import { deployment, initialWorkspace, randomEdit, sourcesOf } from '../support/random-workspace';
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
  const sources = (): SourceFile[] => sourcesOf(files);
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

test('changes only, against the workspace\'s own analyses: a base built from the workspace compares with each later analysis of it, after 150 random edits, as the whole diff does', () => {
  const r = rng(11);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => sourcesOf(files);
  const ws = new Workspace();
  const put = () => {
    const now = sources();
    for (const uri of ws.uris()) if (!now.some((s) => s.uri === uri)) ws.delete(uri);
    for (const s of now) ws.set(s);
    const a = ws.analyze();
    assert.ok(a.findings.length >= 0); // every rule runs, as in the editor
    return a;
  };
  let base = new BaseState(sources(), {}, put());
  let shared = 0;
  let changed = 0;
  for (let step = 0; step < 150; step++) {
    // A changed address block or container port starts a new lineage: the base is then built again from the
    // workspace, as a new commit's would be.
    if (step % 10 === 0 && !ws.analyze().reach.sharesLineage(base.analysis.reach)) base = new BaseState(sources(), {}, ws.analyze());
    randomEdit(r, files, step);
    const now = put();
    const whole = diffAnalyses(base.analysis, base.compare(sources()));
    assert.deepEqual(changesOf(diffAnalyses(base.analysis, now, { changesOnly: true })), changesOf(whole), `changes differ after step ${step}`);
    if (now.reach.sharesLineage(base.analysis.reach)) shared++;
    if (whole.changes.length > 0) changed++;
  }
  assert.ok(changed > 50, `${changed} of 150 edits changed connectivity`);
  assert.ok(shared > 30, `${shared} of 150 analyses shared the base's lineage (compared only the pairs of the tables that differ)`);
});

test('a file\'s change alone: the workspace\'s analysis serves when every other file is as in the base, and the lens is the same as analysing the base with the file', () => {
  const r = rng(5);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => sourcesOf(files);
  const ws = new Workspace();
  for (const s of sources()) ws.set(s);
  const base = new BaseState(sources(), {}, ws.analyze());
  const uris = [...files.keys()];
  const [edited, other] = [uris[0], uris[1]];
  const original = files.get(other)!.join('---\n');
  // A policy of the edited file changes.
  const text = files.get(edited)!.join('---\n').replace(/port: (\d+)/, (_, p) => `port: ${Number(p) + 1}`);
  assert.notEqual(text, files.get(edited)!.join('---\n'), 'the edit changes the file');
  ws.set({ uri: edited, text });
  const now = ws.analyze();
  const held = () => uris.map((u) => ws.get(u)!);
  const lens = base.withFile({ uri: edited, text }, { analysis: now, files: held() });
  assert.equal(lens, now, 'every other file as in the base: the workspace analysis is the state');
  const alone = base.withFiles(new Map([[edited, { uri: edited, text }]]));
  assert.notEqual(alone, now);
  assert.deepEqual(changesOf(diffAnalyses(base.analysis, lens, { changesOnly: true })), changesOf(diffAnalyses(base.analysis, alone)));
  assert.ok(diffAnalyses(base.analysis, lens, { changesOnly: true }).changes.length > 0, 'the edit changes connectivity');
  // Another file differs too: the workspace is not that state.
  ws.set({ uri: other, text: `${original}\n# edited\n` });
  const both = ws.analyze();
  assert.notEqual(base.withFile({ uri: edited, text }, { analysis: both, files: held() }), both);
  // The file's text in the workspace is not the one asked about: not that state either.
  ws.set({ uri: other, text: original });
  const again = ws.analyze();
  assert.equal(base.withFile({ uri: edited, text }, { analysis: again, files: held() }), again);
  assert.notEqual(base.withFile({ uri: edited, text: `${text}\n` }, { analysis: again, files: held() }), again);
  // A file the base does not have.
  ws.set({ uri: 'file:///ws/new.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n' });
  const added = ws.analyze();
  assert.notEqual(base.withFile({ uri: edited, text }, { analysis: added, files: [...held(), ws.get('file:///ws/new.yaml')!] }), added);
});
