import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flowFixtures, runCli } from '../support/cli-run';
import { repoRoot } from '../support/workspace';

const dir = flowFixtures;

const run = runCli;

interface Row {
  source: string;
  destination: string;
  port: number;
  verdict: string;
  flows: number;
  because: { text: string; at: { file: string; line: number }[] }[];
}

const brief = (rows: Row[]) => rows.map((r) => `${r.verdict} ${r.source} => ${r.destination} ${r.port} x${r.flows}`);

/** The traffic of the fixtures, whatever the format: the same connections and verdicts. */
const EXPECTED = [
  'blocked billing/ledger[Deployment] => api.stripe.com (203.0.113.7) 443 x3',
  'blocked shop/web[Deployment] => 203.0.113.50 5432 x1',
  'allowed billing/ledger[Deployment] => kube-system/cluster-dns[assumed] 53 x1',
  'allowed billing/ledger[Deployment] => shop/api[Deployment] 8080 x1',
  'allowed shop/api[Deployment] => 198.51.100.10 443 x1',
  'allowed shop/web[Deployment] => shop/api[Deployment] 8080 x2',
];

test('flows replay (Hubble): each distinct connection allowed by its rule or blocked, unknown endpoints listed, exit 1', async () => {
  const r = await run(['flows', 'replay', 'hubble.jsonl', 'workspace', '--format', 'json']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(brief(out.connections), EXPECTED);
  assert.deepEqual(out.summary.ignored, { replies: 1, icmp: 1, unknownEndpoints: 1, malformedLines: 1 });
  assert.equal(out.summary.blockedConnections, 2);
  assert.equal(out.summary.blockedFlows, 4);
  // Blocked: the policies that select the pod and allow nothing there, with their lines.
  const stripe = out.connections[0];
  assert.match(stripe.because[0].text, /^denied: NetworkPolicy billing\/default-deny-egress, NetworkPolicy billing\/ledger-to-api select billing\/ledger\[Deployment\] for egress/);
  assert.deepEqual(stripe.because[0].at.map((a: { file: string; line: number }) => `${a.file}:${a.line}`), ['workspace/shop.yaml:74', 'workspace/shop.yaml:97']);
  // Allowed: the rule that allows it.
  const web = out.connections.find((c: Row) => c.source === 'shop/web[Deployment]' && c.port === 8080);
  assert.equal(web.because[0].text, 'allowed by rule NetworkPolicy shop/web-egress, spec.egress[0]');
  assert.deepEqual(out.unknown, [{ name: 'other/mystery-0', reason: 'no workload of the workspace in namespace other has its labels (app=mystery)', flows: 1 }]);
  assert.deepEqual(out.malformed.map((m: { file: string; line: number }) => `${m.file}:${m.line}`), ['hubble.jsonl:11']);
});

test('flows replay: Calico flow logs and VPC flow logs (with the pod map) give the same verdicts', async () => {
  const calico = await run(['flows', 'replay', 'calico.jsonl', 'workspace', '--format', 'json']);
  assert.equal(calico.code, 1);
  // Calico aggregates the three connections to Stripe into one record.
  assert.deepEqual(brief(JSON.parse(calico.stdout).connections), EXPECTED.map((l) => l.replace(' x3', ' x1').replace(/ x2$/, ' x1')));
  const vpc = await run(['flows', 'replay', 'vpc-flow-logs.txt', 'workspace', '--pods', 'pods.json', '--format', 'json']);
  assert.equal(vpc.code, 1);
  const v = JSON.parse(vpc.stdout);
  // VPC flow logs know no names: the address alone.
  assert.deepEqual(brief(v.connections), EXPECTED.map((l) => l.replace('api.stripe.com (203.0.113.7)', '203.0.113.7').replace(/ x\d$/, ' x1')));
  assert.deepEqual(v.summary.ignored, { replies: 2, icmp: 0, unknownEndpoints: 1, malformedLines: 1 });
});

test('flows replay: text and Markdown; nothing blocked is exit 0', async () => {
  const text = await run(['flows', 'replay', 'hubble.jsonl', 'workspace']);
  assert.match(text.stdout, /^BLOCKED {2}billing\/ledger\[Deployment\] => api\.stripe\.com \(203\.0\.113\.7\) 443\/TCP {2}\(3 flows\)$/m);
  assert.match(text.stdout, /^ {6}at workspace\/shop\.yaml:74:9$/m);
  assert.match(text.stdout, /^ {2}hubble\.jsonl:11: not JSON/m);
  assert.match(text.stdout, /2 of 6 connections \(4 flows\) would be blocked\.\n$/);
  const md = await run(['flows', 'replay', 'hubble.jsonl', 'workspace', '--format', 'md']);
  assert.match(md.stdout, /^\| \*\*blocked\*\* \| billing\/ledger\\\[Deployment\\\] \| api\.stripe\.com \(203\.0\.113\.7\) \| 443\/TCP \| 3 \| denied: .* \(workspace\/shop\.yaml:74, workspace\/shop\.yaml:97\) \|$/m);
  const ok = await run(['flows', 'replay', 'whisker.jsonl', 'workspace']);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /Every observed connection is allowed \(1 connection\)/);
});

test('flows replay: a file that is no flow log is one clear error (exit 2); so is a VPC log without pods', async () => {
  const r = await run(['flows', 'replay', 'notes.txt', 'workspace']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'egress-lens: notes.txt: not a flow log (expected Hubble JSON lines, Calico flow log JSON lines or AWS VPC flow log version 2 records)\n');
  const v = await run(['flows', 'replay', 'vpc-flow-logs.txt', 'workspace']);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /--pods FILE/);
  const none = await run(['flows', 'replay', 'workspace']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no flow log given/);
});

test('flows explain: the deciding policy with file:line, compared with Hubble egress_denied_by', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const lines = readFileSync(path.join(dir, 'hubble.jsonl'), 'utf8').split('\n');
    const dropped = lines.find((l) => l.includes('egress_denied_by'))!;
    writeFileSync(path.join(tmp, 'dropped.json'), dropped + '\n');
    const r = await run(['flows', 'explain', path.join(dir, 'workspace'), '--flow-file', path.join(tmp, 'dropped.json'), '--format', 'json'], tmp);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.verdict, 'blocked');
    assert.deepEqual(e.cluster, { verdict: 'denied', deniedBy: ['shop/web-egress'] });
    // Hubble and the workspace agree: shop/web-egress.
    assert.deepEqual(e.disagreements, []);
    assert.equal(e.because[0].at[0].line, 119);
    // The cluster forwarded this one, the workspace would block it: the cluster runs something else.
    const stripe = lines.find((l) => l.includes('api.stripe.com'))!;
    writeFileSync(path.join(tmp, 'stripe.json'), stripe + '\n');
    const s = await run(['flows', 'explain', path.join(dir, 'workspace'), '--flow-file', path.join(tmp, 'stripe.json')], tmp);
    assert.match(s.stdout, /^billing\/ledger\[Deployment\] => api\.stripe\.com \(203\.0\.113\.7\) 443\/TCP\nBLOCKED by the workspace; the cluster forwarded it\n/);
    assert.match(s.stdout, /^Disagreement: the cluster forwarded this flow, but the workspace blocks it/m);
    // The scaffold it prints allows exactly that flow: re-analysed with it, the flow is allowed.
    const scaffold = s.stdout.slice(s.stdout.indexOf('To allow it (egress side):\n') + 'To allow it (egress side):\n'.length);
    assert.match(scaffold, /cidr: 203\.0\.113\.7\/32/);
    const ws = path.join(tmp, 'ws');
    cpSync(path.join(dir, 'workspace'), ws, { recursive: true });
    writeFileSync(path.join(ws, 'allow.yaml'), scaffold);
    const again = await run(['flows', 'explain', ws, '--flow-file', path.join(tmp, 'stripe.json'), '--format', 'json'], tmp);
    assert.equal(JSON.parse(again.stdout).verdict, 'allowed');
    assert.equal(JSON.parse(again.stdout).because[0].text, 'allowed by rule NetworkPolicy billing/allow-ledger-to-203-0-113-7-32, spec.egress[0]');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('flows explain: Calico names its policies with their tier; the same policy is no disagreement', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const line = readFileSync(path.join(dir, 'calico.jsonl'), 'utf8').split('\n').find((l) => l.includes('"deny"'))!;
    writeFileSync(path.join(tmp, 'denied.json'), line + '\n');
    const r = await run(['flows', 'explain', path.join(dir, 'workspace'), '--flow-file', path.join(tmp, 'denied.json'), '--format', 'json'], tmp);
    const e = JSON.parse(r.stdout);
    assert.deepEqual(e.cluster, { verdict: 'denied', deniedBy: ['shop/default.web-egress'] });
    assert.equal(e.verdict, 'blocked');
    assert.deepEqual(e.disagreements, []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('flows explain reads the flow from standard input', () => {
  const line = readFileSync(path.join(dir, 'hubble.jsonl'), 'utf8').split('\n')[0];
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'flows', 'explain', 'workspace'], { cwd: dir, input: line + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^shop\/web\[Deployment\] => shop\/api\[Deployment\] 8080\/TCP\nALLOWED by the workspace; the cluster forwarded it\n {2}allowed by rule NetworkPolicy shop\/web-egress, spec\.egress\[0\]\n {4}at workspace\/shop\.yaml:128:5\n/);
});
