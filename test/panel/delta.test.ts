/**
 * The panel's data as a change (lang/panel/delta.ts): an edit sends the nodes and edges it changed, and the
 * change applied to the data the client holds gives the new data exactly.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, flows, LineIndex, Workspace, type SourceFile } from '../../server/src/engine';
import { reachabilityResult } from '../../server/src/engine/lang/panel/graph';
import { applyReachabilityDelta, emptyDelta, reachabilityDelta } from '../../server/src/engine/lang/panel/delta';
import type { ReachabilityResult } from '../../server/src/lsp/protocol';
import { rng } from '../support/random';
import { initialWorkspace, randomEdit, sourcesOf } from '../support/random-workspace';
import { generateWorkspace } from '../bench/generator';
import { editScript } from '../bench/edits';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readFlowFile } from '../../server/src/host/flow-files';
import { flowFixtures } from '../support/cli-run';

function whole(ws: Workspace, revision: number): ReachabilityResult {
  const a = ws.analyze();
  return reachabilityResult(a, (u) => new LineIndex(ws.get(u)?.text ?? ''), {}, revision);
}

test('a change applied to the data held gives the new data, after each of 150 random edits (policies, labels, ports, broken YAML, workloads added and gone)', () => {
  const r = rng(17);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => sourcesOf(files);
  const ws = new Workspace();
  for (const s of sources()) ws.set(s);
  let held = whole(ws, 1);
  let reordered = 0;
  let small = 0;
  for (let step = 0; step < 150; step++) {
    randomEdit(r, files, step);
    for (const s of sources()) ws.set(s);
    const next = whole(ws, step + 2);
    const delta = reachabilityDelta(held, next);
    assert.ok(delta, `step ${step}: a change`);
    assert.equal(delta.since, held.revision);
    assert.deepEqual(applyReachabilityDelta(held, delta), next, `step ${step}: the change applied is the new data`);
    if (delta.order) reordered++;
    assert.equal(emptyDelta(delta, held), JSON.stringify({ ...held, revision: 0 }) === JSON.stringify({ ...next, revision: 0 }), `step ${step}: empty exactly when nothing but the revision changed`);
    if (delta.edges.length + delta.removed.length < next.edges.length) small++;
    held = next;
  }
  assert.ok(reordered > 5, `${reordered} changes added or removed nodes`);
  assert.ok(small > 100, `${small} of 150 changes sent fewer edges than the data has`);
});

test('an edit of one policy on a large workspace: the change is a small part of the data', () => {
  const files = generateWorkspace({ namespaces: 60, workloadsPerNamespace: 8, files: 20, seed: 9 });
  const ws = new Workspace();
  for (const f of files) ws.set(f);
  const before = whole(ws, 1);
  const [edit] = editScript(files, 1); // a policy's port
  const text = files.find((f) => f.uri === edit.uri)!.text;
  const lines = new LineIndex(text);
  ws.set({ uri: edit.uri, text: text.slice(0, lines.offset(edit.range.start)) + edit.text + text.slice(lines.offset(edit.range.end)) });
  const after = whole(ws, 2);
  const delta = reachabilityDelta(before, after)!;
  assert.ok(delta.edges.length > 0, 'the port change changes edges');
  assert.equal(delta.order, undefined, 'no node came or went');
  assert.deepEqual(applyReachabilityDelta(before, delta), after);
  const size = JSON.stringify(delta).length;
  const full = JSON.stringify(after).length;
  assert.ok(size * 10 < full, `the change is ${size} bytes, the data ${full}`);
});

test('a change does not apply to data of another revision, and names nothing it does not give', () => {
  const ws = new Workspace();
  ws.set({ uri: 'file:///ws/a.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n' });
  const one = whole(ws, 1);
  ws.set({ uri: 'file:///ws/b.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec: {containers: [{name: c, image: i}]}\n' });
  const two = whole(ws, 2);
  const delta = reachabilityDelta(one, two)!;
  assert.ok(delta.order, 'a node came');
  assert.throws(() => applyReachabilityDelta({ ...one, revision: 7 }, delta), /revision 1, the data is of revision 7/);
  assert.throws(() => applyReachabilityDelta(one, { ...delta, nodes: [] }), /does not give: shop\/api\[Deployment\]/);
  assert.equal(reachabilityDelta({ ...one, focus: 'shop/web[Deployment]' }, two), undefined, 'focused data is sent whole');
});

test('with flows loaded, the overlay\'s marks travel in the change', async () => {
  const uri = 'file:///ws/shop.yaml';
  const text = readFileSync(path.join(flowFixtures, 'workspace/shop.yaml'), 'utf8');
  const lines = () => new LineIndex(text);
  const before = reachabilityResult(analyze([{ uri, text }]), lines, {}, 1);
  const t = new flows.ObservedTraffic(analyze([{ uri, text }]).reach);
  await readFlowFile(path.join(flowFixtures, 'hubble.jsonl'), t, { shown: 'hubble.jsonl' });
  const after = reachabilityResult(analyze([{ uri, text }], { observedFlows: flows.recordsOf(t.connections.values()) }), lines, {}, 2, ['hubble.jsonl']);
  assert.ok(after.observed && after.edges.some((e) => e.observed), 'the overlay is drawn');
  const delta = reachabilityDelta(before, after)!;
  assert.ok(delta.edges.some((e) => e.observed === 'blocked'), 'the blocked flows travel');
  assert.deepEqual(applyReachabilityDelta(before, delta), after);
  // And back: flows unloaded.
  assert.deepEqual(applyReachabilityDelta(after, reachabilityDelta(after, { ...before, revision: 3 })!), { ...before, revision: 3 });
});

test('the view built from the previous one (its unchanged pairs copied) is the view built afresh, after each of 100 random edits', () => {
  const r = rng(23);
  const files = initialWorkspace(r);
  const sources = (): SourceFile[] => sourcesOf(files);
  const ws = new Workspace();
  for (const s of sources()) ws.set(s);
  let previous = ws.analyze();
  const lines = (u: string) => new LineIndex(ws.get(u)?.text ?? '');
  reachabilityResult(previous, lines, {}, 1);
  let copied = 0;
  for (let step = 0; step < 100; step++) {
    randomEdit(r, files, step);
    for (const s of sources()) ws.set(s);
    const a = ws.analyze();
    const incremental = reachabilityResult(a, lines, {}, step + 2, [], previous);
    const fresh = new Workspace();
    for (const s of sources()) fresh.set(s);
    assert.deepEqual(incremental, reachabilityResult(fresh.analyze(), lines, {}, step + 2), `step ${step}`);
    if (a.reach.sharesLineage(previous.reach)) copied++;
    previous = a;
  }
  assert.ok(copied > 30, `${copied} of 100 views could copy pairs from the one before`);
});
