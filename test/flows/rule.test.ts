import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, applyEdits, fixesFor, flows, type SourceFile } from '../../server/src/engine';
import { readFlowFile } from '../../server/src/host/flow-files';
import { flowFixtures } from '../support/cli-run';

const uri = 'file:///ws/shop.yaml';
const text = readFileSync(path.join(flowFixtures, 'workspace/shop.yaml'), 'utf8');

async function observed(): Promise<flows.ObservedConnectionRecord[]> {
  const t = new flows.ObservedTraffic(analyze([{ uri, text }]).reach);
  await readFlowFile(path.join(flowFixtures, 'hubble.jsonl'), t, { shown: 'hubble.jsonl' });
  return flows.recordsOf(t.connections.values());
}

test('EL117: a policy that would block observed traffic, on its name; nothing without flows loaded', async () => {
  const records = await observed();
  assert.equal(analyze([{ uri, text }]).findings.filter((f) => f.ruleId === 'EL117').length, 0);
  const a = analyze([{ uri, text }], { observedFlows: records });
  const found = a.findings.filter((f) => f.ruleId === 'EL117');
  // The connection the cluster dropped (web to 203.0.113.50:5432) is not traffic a policy could break.
  assert.deepEqual(found.map((f) => f.message), ['NetworkPolicy billing/default-deny-egress blocks 3 observed flows from billing/ledger to api.stripe.com:443.']);
  assert.equal(text.slice(found[0].span.start, found[0].span.end), 'default-deny-egress');
  assert.equal(found[0].related?.[0].message, 'NetworkPolicy billing/ledger-to-api also decides it');
});

test('EL117 fix: allows exactly the observed connection; re-analysed, it is allowed and nothing else is', async () => {
  const records = await observed();
  const a = analyze([{ uri, text }], { observedFlows: records });
  const finding = a.findings.find((f) => f.ruleId === 'EL117')!;
  const [fix] = fixesFor(a, finding);
  assert.equal(fix.title, 'Allow the observed connections in NetworkPolicy billing/ledger-to-api');
  assert.equal(fix.safety, 'unsafe');
  const fixed = applyEdits(text, fix.edits);
  // In the policy of the ledger only (the namespace's default-deny would open it to every pod of billing).
  assert.equal(fixed.slice(0, fixed.indexOf('name: web-egress')), text.slice(0, text.indexOf('name: web-egress')).replace('    - port: 8080\n', '    - port: 8080\n  - to:\n    - ipBlock:\n        cidr: 203.0.113.7/32\n    ports:\n    - protocol: TCP\n      port: 443\n'));
  const sources: SourceFile[] = [{ uri, text: fixed }];
  const b = analyze(sources, { observedFlows: records });
  assert.deepEqual(b.findings.filter((f) => f.ruleId === 'EL117'), []);
  assert.deepEqual(b.findings.filter((f) => f.severity === 'error'), []);
  const ledger = b.reach.workloads.find((w) => w.id === 'billing/ledger[Deployment]')!;
  const ok = (ip: string, port: number) => flows.evaluateConnection(b.reach, { src: { kind: 'workload', workload: ledger }, dst: { kind: 'external', ip, names: [] }, protocol: 'TCP', port }).allowed;
  assert.ok(ok('203.0.113.7', 443));
  assert.ok(!ok('203.0.113.8', 443));
  assert.ok(!ok('203.0.113.7', 80));
});
