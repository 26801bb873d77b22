/**
 * Where analysis state lives: what one analysis lends the next is held by the `Workspace` that made them
 * (its last analysis), never by the engine's modules, so that two workspaces share nothing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine';
import { TextMemo, textMemos } from '../../server/src/engine/memo';
// Loaded for the tables they register.
import '../../server/src/engine/views/trace';
import '../../server/src/engine/helm/origins';
import { repoRoot } from '../support/workspace';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LineIndex } from '../../server/src/engine/text/lines';
import { generateWorkspace } from '../bench/generator';
import { editScript, type Edit } from '../bench/edits';

const MESH = readFileSync(path.join(repoRoot, 'test/fixtures/rules/EL205/ok-both-legs.yaml'), 'utf8');
const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
`;

function workspace(): Workspace {
  const ws = new Workspace();
  ws.set({ uri: 'file:///w/mesh.yaml', text: MESH });
  ws.set({ uri: 'file:///w/app.yaml', text: APP });
  return ws;
}

test('assumed workloads (egress gateway pods, cluster DNS) are lent by the previous analysis of the same workspace', () => {
  const ws = workspace();
  const a1 = ws.analyze();
  assert.ok(a1.mesh.assumedWorkloads.length > 0, 'the fixture implies an egress gateway pod');
  assert.ok(a1.reach.assumedDns, 'no DNS pod is declared: one is assumed');
  ws.set({ uri: 'file:///w/app.yaml', text: APP.replace('image: nginx', 'image: nginx:1.27') });
  const a2 = ws.analyze();
  assert.notEqual(a2, a1);
  assert.deepEqual(a2.mesh.assumedWorkloads.map((w) => w.id), a1.mesh.assumedWorkloads.map((w) => w.id));
  a2.mesh.assumedWorkloads.forEach((w, i) => assert.equal(w, a1.mesh.assumedWorkloads[i], `${w.id} is the same object`));
  assert.equal(a2.reach.assumedDns, a1.reach.assumedDns);
});

test('two workspaces share no state: each has its own assumed workloads', () => {
  const a = workspace().analyze();
  const b = workspace().analyze();
  assert.deepEqual(b.mesh.assumedWorkloads.map((w) => w.id), a.mesh.assumedWorkloads.map((w) => w.id));
  b.mesh.assumedWorkloads.forEach((w, i) => assert.notEqual(w, a.mesh.assumedWorkloads[i], `${w.id} is not shared`));
  assert.notEqual(b.reach.assumedDns, a.reach.assumedDns);
  assert.deepEqual(b.reach.assumedDns, a.reach.assumedDns);
});

test('a changed DNS setting assumes a new DNS pod; the mesh keeps its own', () => {
  const ws = workspace();
  const a1 = ws.analyze();
  ws.setConfig({ dns: { namespaceSelector: { 'kubernetes.io/metadata.name': 'dns-system' }, podSelector: { app: 'coredns' } } });
  const a2 = ws.analyze();
  assert.equal(a2.reach.assumedDns?.id, 'dns-system/cluster-dns[assumed]');
  assert.deepEqual(a2.reach.assumedDns?.labels, { app: 'coredns' });
  assert.notEqual(a2.reach.assumedDns, a1.reach.assumedDns);
});

test('no engine module keeps a growing table of its own: results by text are bounded TextMemos, results by object WeakMaps', () => {
  const engine = path.join(repoRoot, 'server/src/engine');
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            // A module-level Map or Set made empty is a table that grows; one made with its entries is a
            // constant, and one typed read-only (the rule catalogue, set once) cannot grow.
            if (/^(?:export )?(?:const|let) \w+(?:: (?!Readonly)[^=]+)? = new (?:Map|Set)(?:<[^(]*>)?\(\s*\)/.test(line)) found.push(`${path.relative(engine, p)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
  };
  walk(engine);
  assert.deepEqual(found, []);
  const tables = textMemos();
  for (const name of ['Calico selectors, parsed', 'host patterns, as regular expressions', 'Helm template lines, classified']) {
    assert.ok(tables.some((t) => t.name === name), `${name}: registered`);
  }
  for (const t of tables) assert.ok(t.limit > 0 && t.size <= t.limit, `${t.name}: ${t.size} of ${t.limit}`);
});

test('a TextMemo derives once per key and is emptied when it reaches its bound', () => {
  const memo = new TextMemo<number>('test: lengths', 2);
  let calls = 0;
  const length = (s: string) => memo.get(s, () => (calls++, s.length));
  assert.equal(length('ab'), 2);
  assert.equal(length('ab'), 2);
  assert.equal(calls, 1);
  length('abc');
  assert.equal(memo.size, 2);
  length('abcd');
  assert.equal(memo.size, 1, 'full: emptied before the next is kept');
  assert.ok(textMemos().some((t) => t.name === 'test: lengths'));
});

/** A full garbage collection, from inside the test process. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Until the current job ends, a WeakRef keeps its target: later work waits for the next turn. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('an editing session keeps only its last analysis: earlier analyses, reachabilities and documents are collected', async () => {
  const files = generateWorkspace({ namespaces: 6, workloadsPerNamespace: 4, files: 3, istio: true, seed: 3 });
  const ws = new Workspace();
  for (const f of files) ws.set(f);
  const texts = new Map(files.map((f) => [f.uri, f.text]));
  const edits = editScript(files, 40);
  const apply = (e: Edit): void => {
    const t = texts.get(e.uri)!;
    const lines = new LineIndex(t);
    const text = t.slice(0, lines.offset(e.range.start)) + e.text + t.slice(lines.offset(e.range.end));
    texts.set(e.uri, text);
    ws.set({ uri: e.uri, text });
  };
  // Every rule runs on each analysis (findings are read), as in the editor.
  assert.ok(ws.analyze().findings.length > 0);
  const analyses: WeakRef<object>[] = [];
  const reaches: WeakRef<object>[] = [];
  const documents = new Set<WeakRef<object>>();
  for (const e of edits) {
    apply(e);
    const a = ws.analyze();
    assert.ok(a.findings.length > 0);
    analyses.push(new WeakRef(a));
    reaches.push(new WeakRef(a.reach));
    for (const d of ws.get(e.uri)!.documents) documents.add(new WeakRef(d.doc));
    await nextTurn();
  }
  const live = new Set<object>(ws.get(edits[0].uri)!.documents.map((d) => d.doc));
  collect();
  const alive = (refs: Iterable<WeakRef<object>>) => [...refs].filter((r) => r.deref() !== undefined).length;
  assert.equal(alive(analyses.slice(0, -1)), 0, 'analyses before the last');
  assert.deepEqual(reaches.slice(0, -1).flatMap((r, i) => (r.deref() ? [i] : [])), [], 'their reachabilities (each took its tables over from the one before)');
  // A policy compiled for an earlier text may stay in force where nothing it means changed, with the
  // workloads it was compiled with: a few old documents, never one per edit.
  const old = [...documents].filter((r) => { const d = r.deref(); return d !== undefined && !live.has(d); }).length;
  assert.ok(old <= 8, `${old} documents of the edited file that its text no longer has, after ${edits.length} edits`);
});
