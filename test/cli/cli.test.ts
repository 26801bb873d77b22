import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

const cli = path.join(repoRoot, 'dist/cli.js');
const update = process.env.UPDATE_FIXTURES === '1';

function run(args: string[], opts: { cwd?: string; uid?: number } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: opts.cwd ?? repoRoot, encoding: 'utf8', uid: opts.uid });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function golden(name: string, actual: string): void {
  const file = path.join(repoRoot, 'test/cli/expected', name);
  if (update || !existsSync(file)) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `output differs from test/cli/expected/${name} (UPDATE_FIXTURES=1 rewrites it)`);
}

test('check examples --format json: exact findings, exit 1', () => {
  const r = run(['check', 'examples', '--format', 'json']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 1);
  const findings = JSON.parse(r.stdout);
  // The shape of SPEC 3.4, checked field by field on one finding.
  const el103 = findings.find((f: { ruleId: string }) => f.ruleId === 'EL103');
  assert.deepEqual(Object.keys(el103), ['ruleId', 'ruleName', 'severity', 'message', 'file', 'range', 'fixes']);
  assert.deepEqual(el103.range, { start: { line: 13, character: 2 }, end: { line: 13, character: 8 } });
  assert.equal(el103.file, 'examples/shop/foo-deny-egress.yaml');
  // Unsafe: foo has no other egress policy, so the rules in force would cut the rest of its egress.
  assert.deepEqual(el103.fixes, [{ title: 'Add Egress to policyTypes', safe: false }]);
  golden('examples.json', r.stdout);
});

test('check examples --format text: one line per finding and a summary, exit 1', () => {
  const r = run(['check', 'examples']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^examples\/shop\/foo-deny-egress\.yaml:14:3: error: These egress rules are ignored/m);
  assert.match(r.stdout, /^examples\/broken\/typos\.yaml:\d+:\d+: error: .* \[EL001 yaml-syntax\]$/m);
  golden('examples.txt', r.stdout);
});

test('check a clean folder: exit 0', () => {
  const r = run(['check', 'examples/payments']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout, 'No problems found.\n');
});

test('--fail-on error ignores warnings; --fail-on info counts them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-cli-'));
  try {
    writeFileSync(path.join(dir, 'app.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: c, image: i}]\n');
    assert.equal(run(['check', dir, '--fail-on', 'error']).code, 0);
    assert.equal(run(['check', dir, '--fail-on=info']).code, 1);
    assert.equal(run(['check', dir]).code, 1, 'warnings fail by default');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing path: exit 2 with a clear message', () => {
  const r = run(['check', 'no/such/dir']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'egress-lens: no/such/dir: no such file or directory\n');
});

test('nothing readable (the one file named cannot be read): exit 2 with a clear message', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'secret.yaml');
  writeFileSync(file, 'kind: Namespace\n');
  chmodSync(file, 0o000);
  chmodSync(dir, 0o755);
  // root reads anything: run as an unprivileged user when we are root.
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  const r = run(['check', file], { uid, cwd: dir });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^egress-lens: nothing could be read: secret\.yaml: it cannot be read \(EACCES\)\n$/);
});

test('usage errors: exit 2 and the usage text', () => {
  for (const args of [['check', '--format', 'xml'], ['frobnicate'], ['check', '--nope'], []]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr + r.stdout, /Usage: egress-lens/);
  }
  assert.equal(run(['--help']).code, 0);
});

test('reach examples: the connectivity list in every format', () => {
  for (const format of ['txt', 'json', 'csv', 'md', 'dot']) {
    const r = run(['reach', 'examples', '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    golden(`reach.${format}`, r.stdout);
  }
  const txt = run(['reach', 'examples']).stdout;
  assert.match(txt, /^payments\/ledger\[Deployment\] => payments\/postgres\[StatefulSet\] : TCP 5432$/m);
  assert.doesNotMatch(txt, /^payments\/ledger\[Deployment\] => 0\.0\.0\.0/m, 'ledger has no route out');
});

test('reach --focus --direction egress keeps only the workload\'s own connections', () => {
  const r = run(['reach', 'examples', '--focus', 'payments/ledger', '--direction', 'egress']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'payments/ledger[Deployment] => payments/postgres[StatefulSet] : TCP 5432\n');
  assert.equal(run(['reach', 'examples', '--focus', 'nope']).code, 2);
  assert.equal(run(['reach', 'examples', '--direction', 'egress']).code, 2, '--direction needs --focus');
});

test('reach --exposure: the connectivity list, then what each workload is exposed to beyond the manifests', () => {
  const plain = run(['reach', 'examples']).stdout;
  const r = run(['reach', 'examples', '--exposure']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`${plain}\nExposure Analysis Result:\nEgress Exposure:\n`), r.stdout);
  // The DNS pods the policies name are not in the examples: a representative peer, on the ports the rule opens.
  assert.match(r.stdout, /^payments\/ledger\[Deployment\] +\t=> \tkube-system\/\[pod with \{k8s-app=kube-dns\}\] : TCP 53,UDP 53$/m);
  assert.match(r.stdout, /\nWorkloads not protected by network policies:\n(.+\n)*shop\/web\[Deployment\] is not protected on Egress\n/);
  const focused = run(['reach', 'examples', '--exposure', '--focus', 'payments/ledger', '--direction', 'egress', '--format', 'json']);
  const json = JSON.parse(focused.stdout) as { exposure_results: { egress_exposure: { src: string }[]; ingress_exposure: null } };
  assert.ok(json.exposure_results.egress_exposure.length > 0 && json.exposure_results.egress_exposure.every((l) => l.src === 'payments/ledger[Deployment]'));
  assert.equal(json.exposure_results.ingress_exposure, null);
  assert.equal(run(['reach', 'examples', '--exposure', '--only', 'unrestricted']).code, 2);
  assert.equal(run(['reach', 'examples', '--exposure=yes']).code, 2);
});

test('reach --focus-conn: only the pairs that allow that connection, without ports; with --exposure, who is exposed on it', () => {
  const r = run(['reach', 'examples', '--focus-conn', 'tcp-5432']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('Permitted connections on TCP 5432:\n'), r.stdout);
  assert.ok(r.stdout.includes('\npayments/ledger[Deployment] => payments/postgres[StatefulSet]\n'), r.stdout);
  // ledger's egress allows postgres on 5432 only: on another port the pair is gone.
  assert.equal(run(['reach', 'examples', '--focus-conn', '5433/TCP']).stdout.includes('payments/ledger[Deployment] => payments/postgres'), false);
  const x = run(['reach', 'examples', '--focus-conn', '5432/TCP', '--exposure']).stdout;
  assert.match(x, /\nExposure Analysis Result On TCP 5432:\n/);
  assert.match(x, /^analytics\/etl\[Deployment\] +\t=> \t\[namespace with \{name=payments\}\]\/\[all pods\]$/m);
  assert.ok(!x.includes('Workloads not protected'), x);
  assert.equal(run(['reach', 'examples', '--focus-conn', 'tcp-99999']).code, 2);
  assert.equal(run(['reach', 'examples', '--focus-conn', 'http']).code, 2);
});

test('explain prints the verdict and the deciding rules with file:line', () => {
  const r = run(['explain', 'examples', '--from', 'payments/ledger', '--to', 'payments/postgres', '--port', '5432/TCP']);
  assert.equal(r.code, 0, r.stderr);
  golden('explain-ledger-postgres.txt', r.stdout);
  assert.match(r.stdout, /^TCP 5432: ALLOWED$/m);
  assert.match(r.stdout, /allowed by rule NetworkPolicy payments\/ledger-to-postgres, spec\.egress\[0\]\n\s+at examples\/payments\/payments\.yaml:45:5/);
  const denied = run(['explain', 'examples', '--from', 'payments/ledger', '--to', '203.0.113.7', '--port', '443']);
  assert.match(denied.stdout, /^TCP 443: DENIED$/m);
  assert.match(denied.stdout, /select payments\/ledger\[Deployment\] for egress, and no rule allows/);
  const json = JSON.parse(run(['explain', 'examples', '--from', 'shop/web', '--to', 'payments/ledger', '--format', 'json']).stdout);
  assert.equal(json.allowed, 'All Connections');
  assert.equal(run(['explain', 'examples', '--from', 'shop/web']).code, 2, '--to is required');
  assert.equal(run(['explain', 'examples', '--from', 'shop/web', '--to', 'shop/web', '--port', '70000']).code, 2);
});

test('check finds .egress-lens.yaml above the path, applies it, and reports its problems in place', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: i}]}\n';
  mkdirSync(path.join(dir, 'apps'));
  mkdirSync(path.join(dir, 'charts'));
  writeFileSync(path.join(dir, 'apps/app.yaml'), app);
  writeFileSync(path.join(dir, 'charts/vendored.yaml'), app.replace('name: p', 'name: q'));
  writeFileSync(path.join(dir, '.egress-lens.yaml'), 'rules:\n  EL102: "off"\n  EL101: error\nexclude: [charts/**]\ncni: calicoo\n');
  const r = run(['check', 'apps', '--format', 'json'], { cwd: dir });
  const findings = JSON.parse(r.stdout) as { ruleId: string; severity: string; file: string; range: { start: { line: number } } }[];
  assert.deepEqual(findings.map((f) => `${f.file}:${f.range.start.line} ${f.ruleId} ${f.severity}`), ['.egress-lens.yaml:4 EL006 error', 'apps/app.yaml:2 EL101 error']);
  // The charts folder is excluded even when named on the command line.
  const all = JSON.parse(run(['check', '.', '--format', 'json'], { cwd: dir }).stdout) as { file: string }[];
  assert.ok(!all.some((f) => f.file.startsWith('charts/')));
  // --config points elsewhere; a missing one is an I/O error.
  writeFileSync(path.join(dir, 'strict.yaml'), 'rules: {EL101: hint}\n');
  const strict = JSON.parse(run(['check', 'apps', '--format', 'json', '--config', 'strict.yaml'], { cwd: dir }).stdout) as { ruleId: string; severity: string }[];
  assert.deepEqual(strict.map((f) => `${f.ruleId} ${f.severity}`), ['EL101 hint', 'EL102 info']);
  const missing = run(['check', 'apps', '--config', 'nope.yaml'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'egress-lens: nope.yaml: no such configuration file\n');
});

test('scaffold prints the policies the editor commands insert', () => {
  const deny = run(['scaffold', 'default-deny', 'examples', '--namespace', 'shop']);
  assert.equal(deny.code, 0, deny.stderr);
  assert.match(deny.stdout, /^apiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\n/);
  // As in the editor, the name is one the namespace does not have yet (payments has a default-deny-egress).
  const taken = run(['scaffold', 'default-deny', 'examples', '--namespace', 'payments']);
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stdout, /^apiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress-2\n  namespace: payments\n/);
  assert.match(run(['scaffold', 'default-deny', 'examples', '--namespace', 'payments', '--dns', 'deny']).stdout, /name: deny-all-egress\n/);
  const fqdn = run(['scaffold', 'allow', 'examples', '--from', 'shop/web', '--to', 'api.stripe.com', '--port', '443/TCP', '--mechanism', 'cilium']);
  assert.equal(fqdn.code, 0, fqdn.stderr);
  golden('scaffold-allow-cilium.yaml', fqdn.stdout);
  const refused = run(['scaffold', 'allow', 'examples', '--from', 'shop/web', '--to', 'api.stripe.com', '--mechanism', 'networkpolicy']);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr, 'egress-lens: A Kubernetes NetworkPolicy cannot name a host: use a CiliumNetworkPolicy (toFQDNs), an egress gateway, or a CIDR.\n');
});

test('scaffold gateway prints the egress gateway routing and the NetworkPolicy; explain follows the mesh path', () => {
  const gw = run(['scaffold', 'gateway', 'examples', '--host', 'api.stripe.com', '--protocol', 'https', '--namespace', 'shop', '--style', 'gateway-api']);
  assert.equal(gw.code, 0, gw.stderr);
  golden('scaffold-gateway.yaml', gw.stdout);
  const wildcard = run(['scaffold', 'gateway', '--host', '*.example.com']);
  assert.equal(wildcard.code, 2);
  assert.match(wildcard.stderr, /a wildcard host needs a concrete server behind the gateway/);
  // Written into a workspace beside a meshed workload, the routing is what explain reports, file by file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-gw-'));
  writeFileSync(path.join(dir, 'gateway.yaml'), run(['scaffold', 'gateway', '--host', 'api.stripe.com', '--protocol', 'https', '--namespace', 'shop']).stdout);
  writeFileSync(path.join(dir, 'app.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web}]}\n');
  const ex = run(['explain', '.', '--from', 'shop/web', '--to', 'api.stripe.com', '--port', '443'], { cwd: dir });
  assert.equal(ex.code, 0, ex.stderr);
  golden('explain-gateway.txt', ex.stdout);
});

test('reach --only unrestricted lists the workloads EL101 names, with the same cause, and only their connections', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-cli-'));
  try {
    for (const name of ['allows-all-calico.yaml', 'ok-allows-only-some.yaml']) {
      writeFileSync(path.join(dir, name), readFileSync(path.join(repoRoot, 'test/fixtures/rules/EL101', name), 'utf8'));
    }
    const reach = run(['reach', dir, '--only', 'unrestricted']);
    assert.equal(reach.code, 0, reach.stderr);
    const check = run(['check', dir, '--format', 'json', '--fail-on', 'error']);
    const el101 = (JSON.parse(check.stdout) as { ruleId: string; message: string }[]).filter((f) => f.ruleId === 'EL101');
    // The GlobalNetworkPolicy selects every pod (all()) and allows everything after the policies of each namespace.
    const notes = reach.stderr.trim().split('\n');
    assert.equal(notes[0], 'note: 5 of 5 workloads with unrestricted egress');
    assert.equal(el101.length, 5);
    for (const line of notes.slice(1)) {
      const [, id, why] = /^note: (\S+): (.*)$/.exec(line)!;
      const name = /\/(.*)\[/.exec(id)![1];
      assert.ok(el101.some((f) => f.message.includes(`/${name} can reach any destination on any port: ${why}.`)), `EL101 agrees on ${id}: ${why}`);
    }
    assert.ok(reach.stdout.split('\n').filter(Boolean).every((l) => /^(shop|jobs|calico|six)\//.test(l)), 'only connections from unrestricted workloads');
    // Each reaches every part of the address space and every other workload, on every port.
    const lines = reach.stdout.split('\n').filter(Boolean);
    assert.ok(lines.every((l) => l.endsWith(' : All Connections')), reach.stdout);
    assert.equal(lines.filter((l) => l.startsWith('shop/api[Deployment] => ')).length, 5 + 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
