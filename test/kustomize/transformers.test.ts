import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { parseDocument } from 'yaml';
import { embeddedOffsets } from '../../server/src/engine/kustomize/embedded';
import { gvkOf, visitField, splitPath } from '../../server/src/engine/kustomize/fieldspec';
import { base64, goJson, nameHash, secretValue, sha256Hex } from '../../server/src/engine/kustomize/hash';
import { utf8 } from '../../server/src/engine/text/utf8';
import { applyJsonPatch, PatchError, type PatchOperation } from '../../server/src/engine/kustomize/jsonpatch';
import { matchesSelector } from '../../server/src/engine/kustomize/render';
import { merge } from '../../server/src/engine/kustomize/smp';
import { fromPlain, fromYaml, pathKey, toPlain, type RMap, type RNode } from '../../server/src/engine/kustomize/tree';

/** Unit tests of each piece the renderer is built from; the parity test checks them all against kubectl. */

const at = { uri: 'file:///t', span: { start: 0, end: 0 } };
const tree = (v: unknown) => fromPlain(v, at);
const deployment = gvkOf('apps/v1', 'Deployment');

test('strategic merge: containers by name, env by name, ports by containerPort; the patch first, then the rest', () => {
  const dest = tree({ spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], ports: [{ containerPort: 80 }] }, { name: 'b' }] } } } });
  const patch = tree({ spec: { template: { spec: { containers: [{ name: 'c' }, { name: 'a', env: [{ name: 'Z', value: '3' }, { name: 'Y', value: '9' }], ports: [{ containerPort: 81 }] }] } } } });
  assert.deepEqual(toPlain(merge(dest, patch, deployment)!), {
    spec: { template: { spec: { containers: [{ name: 'c' }, { name: 'a', env: [{ name: 'Z', value: '3' }, { name: 'Y', value: '9' }, { name: 'X', value: '1' }], ports: [{ containerPort: 81 }, { containerPort: 80 }] }, { name: 'b' }] } } },
  });
});

test('strategic merge: lists without a merge key are replaced (NetworkPolicy rules, custom resources, tolerations)', () => {
  const np = gvkOf('networking.k8s.io/v1', 'NetworkPolicy');
  assert.deepEqual(toPlain(merge(tree({ spec: { egress: [{ to: [{ a: 1 }] }, { to: [{ b: 1 }] }] } }), tree({ spec: { egress: [{ to: [{ c: 1 }] }] } }), np)!), { spec: { egress: [{ to: [{ c: 1 }] }] } });
  const cr = gvkOf('example.com/v1', 'Thing');
  assert.deepEqual(toPlain(merge(tree({ items: [{ name: 'x', v: 1 }] }), tree({ items: [{ name: 'y' }] }), cr)!), { items: [{ name: 'y' }] });
  assert.deepEqual(toPlain(merge(tree({ spec: { template: { spec: { tolerations: [{ key: 'a' }] } } } }), tree({ spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } }), deployment)!), { spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } });
});

test('strategic merge: null deletes, $patch delete and replace, $deleteFromPrimitiveList, finalizers united', () => {
  assert.deepEqual(toPlain(merge(tree({ a: 1, b: { c: 2, d: 3 } }), tree({ a: null, b: { d: null } }), deployment)!), { b: { c: 2 } });
  assert.equal(merge(tree({ a: 1 }), tree({ $patch: 'delete' }), deployment), undefined);
  assert.deepEqual(toPlain(merge(tree({ spec: { x: 1, y: 2 } }), tree({ spec: { $patch: 'replace', z: 3 } }), deployment)!), { spec: { z: 3 } });
  const withContainers = tree({ spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b' }], volumes: [{ name: 'v' }] } } } });
  const patch = tree({ spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }], volumes: [{ $patch: 'replace' }, { name: 'w' }] } } } });
  assert.deepEqual(toPlain(merge(withContainers, patch, deployment)!), { spec: { template: { spec: { containers: [{ name: 'b' }], volumes: [{ name: 'w' }] } } } });
  assert.deepEqual(toPlain(merge(tree({ metadata: { finalizers: ['a', 'b'] } }), tree({ metadata: { finalizers: ['c', 'a'] } }), deployment)!), { metadata: { finalizers: ['c', 'a', 'b'] } });
  assert.deepEqual(toPlain(merge(tree({ list: ['a', 'b', 'c'] }), tree({ '$deleteFromPrimitiveList/list': ['b'] }), deployment)!), { list: ['a', 'c'] });
});

test('strategic merge: what the patch writes points at the patch, the rest keeps its origin', () => {
  const doc = (text: string, uri: string) => fromYaml(parseDocument(text), uri) as RMap;
  const dest = doc('spec:\n  replicas: 1\n  paused: false\n', 'file:///base.yaml');
  const merged = merge(dest, doc('spec:\n  replicas: 3\n', 'file:///patch.yaml'), deployment) as RMap;
  const spec = merged.items.get('spec') as RMap;
  assert.equal(spec.items.get('replicas')!.at.uri, 'file:///patch.yaml');
  assert.equal(spec.items.get('paused')!.at.uri, 'file:///base.yaml');
});

function ops(list: Omit<PatchOperation, 'at' | 'value'>[] & { value?: unknown }[]): PatchOperation[] {
  return list.map((o) => ({ ...(o as PatchOperation), value: 'value' in o ? tree(o.value) : undefined, at }));
}

test('JSON patch: add, remove, replace, move, copy, test, with pointer escapes and "-"', () => {
  const doc = tree({ a: { 'b/c': 1, 'd~e': 2 }, list: [1, 2] });
  const out = applyJsonPatch(doc, ops([
    { op: 'add', path: '/list/-', value: 3 },
    { op: 'add', path: '/list/0', value: 0 },
    { op: 'replace', path: '/a/b~1c', value: 10 },
    { op: 'remove', path: '/a/d~0e' },
    { op: 'copy', from: '/list/1', path: '/first' },
    { op: 'move', from: '/first', path: '/a/moved' },
    { op: 'test', path: '/a/moved', value: 1 },
  ] as never));
  assert.deepEqual(toPlain(out), { a: { 'b/c': 10, moved: 1 }, list: [0, 1, 2, 3] });
});

test('JSON patch: a failing operation throws a PatchError naming it', () => {
  const cases: [PatchOperation[], RegExp][] = [
    [ops([{ op: 'test', path: '/a', value: 2 }] as never), /test \/a: the value differs/],
    [ops([{ op: 'remove', path: '/nope' }] as never), /nothing to remove/],
    [ops([{ op: 'replace', path: '/nope', value: 1 }] as never), /nothing to replace/],
    [ops([{ op: 'add', path: '/list/9', value: 1 }] as never), /out of range/],
    [ops([{ op: 'move', from: '/a', path: '/a/b' }] as never), /into itself/],
    [ops([{ op: 'frobnicate', path: '/a' }] as never), /unknown operation/],
    [ops([{ op: 'add', path: 'a', value: 1 }] as never), /not a JSON Pointer/],
  ];
  for (const [o, message] of cases) assert.throws(() => applyJsonPatch(tree({ a: 1, list: [] }), o), (e: unknown) => e instanceof PatchError && message.test(e.message));
});

test('hash: SHA-256 over UTF-8 equals node:crypto on random and awkward text', () => {
  const texts = ['', 'abc', 'ü€😀\u2028', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), 'x'.repeat(1000), ...Array.from({ length: 20 }, () => randomBytes(97).toString('latin1'))];
  for (const t of texts) assert.equal(sha256Hex(utf8(t)), createHash('sha256').update(t, 'utf8').digest('hex'));
  assert.equal(base64('w'), 'dw==');
  assert.equal(base64('ü€'), Buffer.from('ü€').toString('base64'));
  assert.equal(secretValue('x'.repeat(60)), `${Buffer.from('x'.repeat(60)).toString('base64').slice(0, 70)}\n${Buffer.from('x'.repeat(60)).toString('base64').slice(70)}\n`);
  assert.equal(goJson({ b: '<&>', a: 1 }), '{"a":1,"b":"\\u003c\\u0026\\u003e"}');
});

test('hash: the suffixes kubectl kustomize gives (v5.4.2, measured)', () => {
  // configMapGenerator [{name: cfg, literals: [a=1]}] is cfg-h29d89cmmt, whatever the prefix.
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } }), 'h29d89cmmt');
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'p-cfg' }, data: { a: '1' } }), 'h29d89cmmt');
  // literals [a=1, "b=<x&y>"]: cchh4fmt2g (Go escapes the HTML characters); secret p=w: m7cg948gg9.
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: '1', b: '<x&y>' } }), 'cchh4fmt2g');
  assert.equal(nameHash({ kind: 'Secret', type: 'Opaque', metadata: { name: 'x' }, data: { p: 'dw==' } }), 'm7cg948gg9');
});

test('label selectors of patch targets', () => {
  const labels = tree({ app: 'api', tier: 'backend' });
  const cases: [string, boolean][] = [['app=api', true], ['app==api', true], ['app!=api', false], ['app in (web, api)', true], ['app notin (api)', false], ['tier', true], ['!tier', false], ['!missing', true], ['app=api,tier=frontend', false], ['app=api, tier in (backend)', true]];
  for (const [sel, want] of cases) assert.equal(matchesSelector(sel, labels), want, sel);
});

test('field specs: paths with escaped slashes, sequences walked, maps created only where asked', () => {
  assert.deepEqual(splitPath('metadata/annotations/example.com\\/owner'), ['metadata', 'annotations', 'example.com/owner']);
  const t = tree({ spec: { egress: [{ to: [{ podSelector: { matchLabels: { a: '1' } } }, { podSelector: {} }, { namespaceSelector: {} }] }] } }) as RMap;
  const seen: string[] = [];
  visitField(t, ['spec', 'egress', 'to', 'podSelector', 'matchLabels'], false, at, (parent, key) => seen.push(JSON.stringify(toPlain(parent.items.get(key) ?? tree(null)))));
  assert.deepEqual(seen, ['{"a":"1"}', 'null']);
  const created = tree({ kind: 'Service' }) as RMap;
  visitField(created, ['spec', 'selector'], true, at, (parent, key) => parent.items.set(key, tree({ x: 'y' })));
  assert.deepEqual(toPlain(created), { kind: 'Service', spec: { selector: { x: 'y' } } });
});

test('origins of a patch written inside a kustomization map to its lines', () => {
  const text = 'patches:\n- patch: |-\n    kind: Deployment\n    spec:\n      replicas: 3\n';
  const doc = parseDocument(text);
  const scalar = (doc.getIn(['patches', 0, 'patch'], true) as { range: [number, number, number]; value: string });
  const map = embeddedOffsets(text, { start: scalar.range[0], end: scalar.range[1] }, scalar.value);
  const inner = fromYaml(parseDocument(scalar.value), 'file:///k.yaml', map) as RMap;
  const replicas = ((inner.items.get('spec') as RMap).items.get('replicas') as RNode).at.span;
  assert.equal(text.slice(replicas.start, replicas.end), '3');
  const kind = inner.items.get('kind')!.at.span;
  assert.equal(text.slice(kind.start, kind.end), 'Deployment');
});

test('path keys', () => {
  assert.equal(pathKey(['spec', 'podSelector', 'matchLabels', 'app']), 'spec.podSelector.matchLabels.app');
  assert.equal(pathKey(['spec', 'containers', 0, 'image']), 'spec.containers[0].image');
  assert.equal(pathKey(['metadata', 'annotations', 'iam.gke.io/gcp-service-account']), 'metadata.annotations["iam.gke.io/gcp-service-account"]');
});
