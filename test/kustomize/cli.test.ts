import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { resourcesOf } from '../support/kubectl';
import { repoRoot } from '../support/workspace';

/** `egress-lens render` from the bundled CLI (npm run build first). */

const cli = path.join(repoRoot, 'dist/cli.js');
const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const fixture = 'test/fixtures/kustomize/features/overlay/prod';
const expected = resourcesOf(readFileSync(path.join(repoRoot, `${fixture}.expected.yaml`), 'utf8'));

test('render PATH: the view as YAML, the resources kubectl kustomize gives', () => {
  const r = run(['render', fixture]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.deepEqual(resourcesOf(r.stdout), expected);
  // kubectl's order: the ServiceAccount before the Deployment, policies after.
  assert.deepEqual([...resourcesOf(r.stdout).keys()], ['v1/ServiceAccount/shop/prod-base-api', 'apps/v1/Deployment/shop/prod-base-api', 'networking.k8s.io/v1/NetworkPolicy/shop/prod-base-api-egress']);
});

test('render PATH --format json: the same resources as a JSON array; a kustomization file as PATH', () => {
  const r = run(['render', `${fixture}/kustomization.yaml`, '--format', 'json']);
  assert.equal(r.code, 0);
  const list = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(new Map(list.map((o) => [`${o.apiVersion}/${o.kind}/${(o.metadata as { namespace?: string }).namespace ?? ''}/${(o.metadata as { name: string }).name}`, o])), expected);
});

test('render: a missing path is a usage error (exit 2) with a clear message', () => {
  const r = run(['render', 'no/such/folder']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'egress-lens: no/such/folder: no such file or directory\n');
  const none = run(['render']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /render takes one PATH/);
});

test('render: what cannot be rendered goes to stderr, at file:line:col, and the rest to stdout', () => {
  const r = run(['render', 'test/fixtures/kustomize/problems/remote-and-missing']);
  assert.equal(r.code, 1, 'a missing file is an error');
  assert.deepEqual([...resourcesOf(r.stdout).keys()], ['v1/Service//api', 'apps/v1/Deployment//api']);
  const k = 'test/fixtures/kustomize/problems/remote-and-missing/kustomization.yaml';
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `${k}:7:1: warning: "transformers" is not rendered: transformer plugins are not run; the view goes on without it. [EL004 file-not-analysed]`,
    `${k}:4:3: info: Remote resource https://github.com/example/platform//base?ref=v1.2.0 is not fetched (no network): it is left out of the view. [EL004 file-not-analysed]`,
    `${k}:6:3: error: The path ${new URL(`file://${path.join(repoRoot, 'test/fixtures/kustomize/problems/remote-and-missing/missing.yaml')}`).href} does not exist: it is left out of the view. [EL004 file-not-analysed]`,
  ]);
});
