import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flowFixtures, runCli } from '../support/cli-run';
import { analyze, flows, type Workload } from '../../server/src/engine';

const dir = flowFixtures;

const run = runCli;

function analyzeFolder(folder: string) {
  const files = ['apps.yaml', 'synthesized.yaml'].map((f) => ({ uri: `file://${path.join(folder, f)}`, text: readFileSync(path.join(folder, f), 'utf8') }));
  return analyze(files);
}

const wl = (a: ReturnType<typeof analyze>, id: string): flows.ConnectionEnd => ({ kind: 'workload', workload: a.reach.workloads.find((w: Workload) => w.id === id)! });
const ext = (ip: string, names: string[] = []): flows.ConnectionEnd => ({ kind: 'external', ip, names });

for (const mechanism of ['networkpolicy', 'cilium', 'calico'] as const) {
  test(`flows synthesize --mechanism ${mechanism}: re-analysed, every observed flow is allowed and nothing else`, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-synth-'));
    try {
      cpSync(path.join(dir, 'bare'), tmp, { recursive: true });
      const r = await run(['flows', 'synthesize', 'hubble.jsonl', 'bare', '--mechanism', mechanism]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^# not allowed, only ever dropped by the cluster: shop\/web\[Deployment\] => 203\.0\.113\.50 5432\/TCP$/m);
      writeFileSync(path.join(tmp, 'synthesized.yaml'), r.stdout);
      // The policies are valid for the engine: no error-level finding.
      const check = await run(['check', tmp, '--format', 'json', '--fail-on', 'error']);
      assert.deepEqual(JSON.parse(check.stdout).filter((f: { severity: string }) => f.severity === 'error'), []);
      // Replayed: everything the cluster let through is allowed; what it dropped stays blocked.
      const replay = await run(['flows', 'replay', 'hubble.jsonl', tmp, '--format', 'json']);
      const rows = JSON.parse(replay.stdout).connections as { source: string; destination: string; port: number; verdict: string }[];
      assert.equal(rows.length, 6);
      assert.deepEqual(rows.filter((x) => x.verdict === 'blocked').map((x) => `${x.source} => ${x.destination} ${x.port}`), ['shop/web[Deployment] => 203.0.113.50 5432']);
      // Destinations and ports never observed are denied.
      const a = analyzeFolder(tmp);
      const blocked = (src: flows.ConnectionEnd, dst: flows.ConnectionEnd, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => !flows.evaluateConnection(a.reach, { src, dst, protocol, port }).allowed;
      assert.ok(blocked(wl(a, 'billing/ledger[Deployment]'), ext('203.0.113.8'), 443), 'another address');
      assert.ok(blocked(wl(a, 'billing/ledger[Deployment]'), ext('203.0.113.7', ['api.stripe.com']), 80), 'another port of the same host');
      assert.ok(blocked(wl(a, 'billing/ledger[Deployment]'), wl(a, 'shop/web[Deployment]'), 8080), 'another workload');
      assert.ok(blocked(wl(a, 'shop/web[Deployment]'), wl(a, 'shop/api[Deployment]'), 9090), 'another port of an observed workload');
      assert.ok(blocked(wl(a, 'shop/api[Deployment]'), ext('198.51.100.11'), 443));
      assert.ok(blocked(wl(a, 'shop/web[Deployment]'), ext('203.0.113.50'), 5432), 'dropped by the cluster, not allowed');
      // DNS stays open for every pod of the namespaces touched.
      assert.ok(!blocked(wl(a, 'shop/web[Deployment]'), { kind: 'workload', workload: a.reach.dnsTargets[0] }, 53, 'UDP'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test('flows synthesize: host names where the mechanism can say them, addresses elsewhere', async () => {
  const np = await run(['flows', 'synthesize', 'hubble.jsonl', 'bare']);
  assert.match(np.stdout, /- ipBlock:\n {8}cidr: 203\.0\.113\.7\/32\n/);
  assert.doesNotMatch(np.stdout, /stripe/);
  const cilium = await run(['flows', 'synthesize', 'hubble.jsonl', 'bare', '--mechanism', 'cilium']);
  assert.match(cilium.stdout, /- toFQDNs:\n {4}- matchName: api\.stripe\.com\n/);
  assert.match(cilium.stdout, /rules:\n {8}dns:\n {8}- matchPattern: "\*"/);
  const oss = await run(['flows', 'synthesize', 'hubble.jsonl', 'bare', '--mechanism', 'calico']);
  assert.match(oss.stdout, /nets:\n {6}- 203\.0\.113\.7\/32/);
  assert.doesNotMatch(oss.stdout, /domains/);
  const ee = await run(['flows', 'synthesize', 'hubble.jsonl', 'bare', '--mechanism', 'calico', '--calico-edition', 'enterprise']);
  assert.match(ee.stdout, /domains:\n {6}- api\.stripe\.com/);
});

test('flows synthesize is stable: same flows in another order, same YAML; ports of one destination merged', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-synth-'));
  try {
    const lines = readFileSync(path.join(dir, 'hubble.jsonl'), 'utf8').split('\n').filter(Boolean);
    // Another port to shop/api: merged into the rule with 8080.
    const extra = lines[0].replace(/"destination_port":8080/, '"destination_port":9090');
    writeFileSync(path.join(tmp, 'a.jsonl'), [...lines, extra].join('\n') + '\n');
    writeFileSync(path.join(tmp, 'b.jsonl'), [extra, ...lines].reverse().join('\n') + '\n');
    const a = await run(['flows', 'synthesize', path.join(tmp, 'a.jsonl'), 'bare']);
    const b = await run(['flows', 'synthesize', path.join(tmp, 'b.jsonl'), 'bare']);
    assert.equal(a.stdout, b.stdout);
    assert.equal((await run(['flows', 'synthesize', path.join(tmp, 'a.jsonl'), 'bare'])).stdout, a.stdout);
    assert.match(a.stdout, /name: allow-observed-egress-web\n[^]*?podSelector:\n {8}matchLabels:\n {10}app: api\n {4}ports:\n {4}- protocol: TCP\n {6}port: 8080\n {4}- protocol: TCP\n {6}port: 9090\n/);
    // One default-deny per namespace touched.
    assert.equal(a.stdout.match(/name: default-deny-egress\n/g)?.length, 2);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
