import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, applyEdits, fixAll, resolveConfig } from '../../server/src/engine';
import { repoRoot, tempCopy } from '../support/workspace';
import { findManifests } from '../../server/src/host/files';
import { ViewRenders } from '../../server/src/host/views';
import { parseFile } from '../../server/src/engine/parse/parse';
import { viewFixAll, viewsReport } from '../../server/src/engine/views';

const cli = path.join(repoRoot, 'dist/cli.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FILES = ['analytics/etl.yaml', 'broken/typos.yaml', 'payments/payments.yaml', 'shop/foo-deny-egress.yaml', 'shop/namespace.yaml'];

test('check --fix writes exactly what fix-all gives in the editor, prints each fix, reports what remains and exits by it; a second run changes nothing', (t) => {
  const ws = tempCopy();
  t.after(ws.cleanup);
  const before = new Map(FILES.map((f) => [f, readFileSync(path.join(ws.dir, f), 'utf8')]));
  // What the editor's fix-all (source.fixAll.egressLens) does to each file of the same workspace.
  const a = analyze(FILES.map((f) => ({ uri: ws.uri(f), text: before.get(f)! })), { rootUri: ws.uri('') });
  const expected = new Map(FILES.map((f) => {
    const edit = fixAll(a, ws.uri(f));
    return [f, edit ? applyEdits(before.get(f)!, [edit]) : before.get(f)!];
  }));

  const r = run(['check', '--fix', '.'], ws.dir);
  assert.equal(r.stderr, '');
  for (const f of FILES) assert.equal(readFileSync(path.join(ws.dir, f), 'utf8'), expected.get(f), `${f} as fix-all leaves it`);
  const cut = r.stdout.indexOf('\n\n');
  const [changes, remaining] = [r.stdout.slice(0, cut), r.stdout.slice(cut + 2)];
  assert.deepEqual(changes.split('\n'), [
    'analytics/etl.yaml:15:9: fixed: Allow DNS in NetworkPolicy analytics/default-deny-egress (UDP and TCP 53 to the cluster DNS) [EL104]',
    'analytics/etl.yaml:57:11: fixed: Select the namespace by kubernetes.io/metadata.name [EL109]',
    'analytics/etl.yaml:73:15: fixed: Write the network as 10.40.0.0/16 [EL106]',
    'broken/typos.yaml:31:9: fixed: Allow DNS in NetworkPolicy shop/api-egress (UDP and TCP 53 to the cluster DNS) [EL104]',
    'Fixed 4 problems in 2 files.',
  ]);
  // The unsafe fixes are left to a person: the EL103 and EL101 findings remain, and make the exit code.
  assert.doesNotMatch(remaining, /\[EL10[469] /);
  assert.match(remaining, /^shop\/foo-deny-egress\.yaml:14:3: error: These egress rules are ignored/m);
  assert.match(remaining, /^10 problems \(5 errors, 2 warnings, 3 info\)$/m);
  assert.equal(r.code, 1);
  assert.equal(readFileSync(path.join(ws.dir, 'shop/foo-deny-egress.yaml'), 'utf8'), before.get('shop/foo-deny-egress.yaml'), 'no unsafe fix applied');

  const again = run(['check', '--fix', '.'], ws.dir);
  assert.match(again.stdout, /^Nothing to fix safely\.\n\n/);
  assert.equal(again.stdout.slice(again.stdout.indexOf('\n\n') + 2), remaining, 'the same findings remain');
  for (const f of FILES) assert.equal(readFileSync(path.join(ws.dir, f), 'utf8'), expected.get(f), `${f} unchanged by the second run`);
});

test('check --fix: exit 0 when nothing at --fail-on remains; with --format json the changes go to stderr and stdout stays JSON', (t) => {
  const ws = tempCopy();
  t.after(ws.cleanup);
  const file = path.join(ws.dir, 'policy.yaml');
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: lake\n  namespace: data\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.40.1.7/16  # the data lake\n';
  writeFileSync(file, text);
  const plain = run(['check', 'policy.yaml'], ws.dir);
  assert.equal(plain.code, 1, plain.stdout);
  assert.match(plain.stdout, /\[EL106 invalid-ipblock\]/);
  assert.equal(readFileSync(file, 'utf8'), text, 'without --fix nothing is written');

  const r = run(['check', 'policy.yaml', '--fix', '--format', 'json'], ws.dir);
  assert.equal(r.stderr, 'policy.yaml:12:15: fixed: Write the network as 10.40.0.0/16 [EL106]\nFixed 1 problem in 1 file.\n');
  const remaining = JSON.parse(r.stdout) as { ruleId: string; severity: string }[];
  assert.ok(!remaining.some((f) => f.ruleId === 'EL106'), r.stdout);
  assert.ok(remaining.every((f) => f.severity !== 'error' && f.severity !== 'warning'), r.stdout);
  assert.equal(r.code, 0);
  assert.equal(readFileSync(file, 'utf8'), text.replace('10.40.1.7/16', '10.40.0.0/16'), 'only the CIDR changes; the comment stays');
});

test('check --fix takes no value; --help documents it', () => {
  const r = run(['check', '--fix=yes', '.'], repoRoot);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fix takes no value/);
  const help = run(['--help'], repoRoot);
  assert.match(help.stdout, /--fix {22}Apply every safe fix to the files first/);
});

test('check --fix on cluster views: the safe fixes of every view in the files that own the nodes, as the editor\'s fix-all gives them, once when views agree; unsafe and shared-base fixes stay; a second run changes nothing', async (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/shop'));
  t.after(ws.cleanup);
  // A host-bits CIDR in the base both overlays render alike, and a removed apiVersion in dev's own file.
  const write = (rel: string, text: string) => writeFileSync(path.join(ws.dir, rel), text);
  const read = (rel: string) => readFileSync(path.join(ws.dir, rel), 'utf8');
  write('base/policy.yaml', read('base/policy.yaml').replace('10.0.0.0/8', '10.0.0.1/8'));
  write('overlays/dev/legacy.yaml', 'apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata:\n  name: legacy\n  namespace: shop\nspec:\n  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Ingress]\n');
  write('overlays/dev/kustomization.yaml', read('overlays/dev/kustomization.yaml').replace('- ../../base\n', '- ../../base\n- legacy.yaml\n'));
  const files = (await findManifests(ws.dir)).map((f) => path.relative(ws.dir, f)).sort();
  const before = new Map(files.map((f) => [f, read(f)]));

  // What the editor's fix-all does to each file, on the same views.
  const cfg = resolveConfig({ rootUri: ws.uri('') });
  const list = await new ViewRenders().analyze(files.map((f) => parseFile({ uri: ws.uri(f), text: before.get(f)! }, cfg)), cfg, { trusted: false });
  const report = viewsReport(list, [], (u) => before.get(path.relative(ws.dir, new URL(u).pathname)));
  const expected = new Map(files.map((f) => {
    const edit = viewFixAll(report, ws.uri(f), before.get(f)!);
    return [f, edit ? applyEdits(before.get(f)!, [edit]) : before.get(f)!];
  }));

  const r = run(['check', '--fix', '.'], ws.dir);
  assert.equal(r.stderr, '');
  const cut = r.stdout.indexOf('\n\n');
  const [changes, remaining] = [r.stdout.slice(0, cut), r.stdout.slice(cut + 2)];
  assert.deepEqual(changes.split('\n'), [
    'base/policy.yaml:12:23: fixed: Write the network as 10.0.0.0/8 [EL106]',
    'overlays/dev/legacy.yaml:1:13: fixed: Use apiVersion networking.k8s.io/v1 [EL003]',
    'Fixed 2 problems in 2 files.',
  ]);
  for (const f of files) assert.equal(read(f), expected.get(f), `${f} as fix-all leaves it`);
  // Only the values at fault changed, in place.
  assert.equal(read('base/policy.yaml'), before.get('base/policy.yaml')!.replace('10.0.0.1/8', '10.0.0.0/8'));
  assert.equal(read('overlays/dev/legacy.yaml'), before.get('overlays/dev/legacy.yaml')!.replace('extensions/v1beta1', 'networking.k8s.io/v1'));
  // Unsafe fixes (EL103, EL101, EL102) and a DNS rule only dev needs in the base prod shares (EL104) are left.
  assert.deepEqual([...remaining.matchAll(/\[(EL\d+) /g)].map((m) => m[1]), ['EL101', 'EL104', 'EL102', 'EL103']);
  assert.match(remaining, /^4 problems \(1 error, 2 warnings, 1 info\)$/m);
  assert.equal(r.code, 1);

  const again = run(['check', '--fix', '.'], ws.dir);
  assert.match(again.stdout, /^Nothing to fix safely\.\n\n/);
  assert.equal(again.stdout.slice(again.stdout.indexOf('\n\n') + 2), remaining);
  for (const f of files) assert.equal(read(f), expected.get(f), `${f} unchanged by the second run`);
});

test('check --fix on microservices-demo\'s Kustomize views: components fixed where all the views that read them agree, each file in its own YAML style', (t) => {
  const ws = tempCopy(path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo/kustomize'));
  t.after(ws.cleanup);
  const rel = 'components/network-policies/network-policy-deny-all.yaml';
  const before = readFileSync(path.join(ws.dir, rel), 'utf8');
  const r = run(['check', '--fix', '.'], ws.dir);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.stdout.slice(0, r.stdout.indexOf('\n\n')).split('\n'), [
    `${rel}:24:1: fixed: Allow DNS in NetworkPolicy default/deny-all (UDP and TCP 53 to the cluster DNS) [EL104]`,
    'components/service-mesh-istio/allow-egress-googleapis.yaml:15:13: fixed: Use apiVersion networking.istio.io/v1 [EL003]',
    'components/service-mesh-istio/allow-egress-googleapis.yaml:31:13: fixed: Use apiVersion networking.istio.io/v1 [EL003]',
    'components/service-mesh-istio/frontend-gateway.yaml:15:13: fixed: Use apiVersion gateway.networking.k8s.io/v1 [EL003]',
    'components/service-mesh-istio/frontend-gateway.yaml:29:13: fixed: Use apiVersion gateway.networking.k8s.io/v1 [EL003]',
    'components/service-mesh-istio/frontend.yaml:15:13: fixed: Use apiVersion networking.istio.io/v1 [EL003]',
    'Fixed 6 problems in 4 files.',
  ]);
  // The deny-all policy gets its DNS rule below what it had, its sequences not indented, as the file writes them.
  const after = readFileSync(path.join(ws.dir, rel), 'utf8');
  assert.ok(after.startsWith(before), after);
  assert.equal(after.slice(before.length), '  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: kube-system\n      podSelector:\n        matchLabels:\n          k8s-app: kube-dns\n    ports:\n    - protocol: UDP\n      port: 53\n    - protocol: TCP\n      port: 53\n');
  assert.doesNotMatch(r.stdout, /\[EL10[34] /);
  assert.match(run(['check', '--fix', '.'], ws.dir).stdout, /^Nothing to fix safely\.\n\n/);
});
