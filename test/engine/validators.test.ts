// The schema validators ship precompiled (server/tools/validators.mjs). They must be what the schemas say
// today, and validate as the schemas do when compiled at run time.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { repoRoot } from '../support/workspace';
import { validators } from '../../server/src/engine/schema/validators.generated';

interface Tool {
  generate(): string;
  OUTPUT: string;
  AJV_OPTIONS: object;
}
// A real dynamic import (tsc would turn `import()` into `require`, which cannot load an ES module).
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<Tool>;
const tool = () => importModule(pathToFileURL(path.join(repoRoot, 'server/tools/validators.mjs')).href);

test('the precompiled validators are current: regenerate them with node server/tools/validators.mjs', async () => {
  const t = await tool();
  assert.equal(readFileSync(t.OUTPUT, 'utf8'), t.generate(), 'server/src/engine/schema/validators.generated.ts is stale');
});

test('every kind of the schema bundle has a validator, and each judges as the schema compiled at run time does', async () => {
  const t = await tool();
  const bundle = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/kubernetes.json'), 'utf8')) as { $id: string; kinds: Record<string, string> };
  const table = validators as unknown as Record<string, ((d: unknown) => boolean) & { errors?: { instancePath: string; keyword: string }[] | null }>;
  assert.deepEqual(Object.keys(table).sort(), Object.keys(bundle.kinds).sort());
  const ajv = new Ajv(t.AJV_OPTIONS);
  ajv.addSchema(bundle);
  const samples: unknown[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: '80', prot: 'TCP' }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: 1 } }] }] } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'c' }] } } } },
    { metadata: [] },
  ];
  for (const [kind, fn] of Object.entries(table)) {
    const live = ajv.getSchema(bundle.$id + bundle.kinds[kind])!;
    for (const s of samples) {
      assert.equal(fn(s), live(s), `${kind}: ${JSON.stringify(s)}`);
      const errs = (e: { instancePath: string; keyword: string }[] | null | undefined) => (e ?? []).map((x) => `${x.instancePath} ${x.keyword}`);
      assert.deepEqual(errs(fn.errors), errs(live.errors as never), `${kind}: the same errors for ${JSON.stringify(s)}`);
    }
  }
});
