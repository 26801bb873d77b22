// The scaffolds of what happens at the egress gateway (Add Traffic Policy for Host…, Enable Egress Gateway
// Access Logs…, Rate-Limit Host at the Egress Gateway…): each output, added to the workspace and analysed
// again, quiets the rule it answers and changes nothing else; bad requests get one clear error.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, scaffold, scaffoldYaml, type Analysis, type ScaffoldRequest } from '../../server/src/engine';
import { readFixture } from '../support/fixture';

const style = { indent: 2, indentSeq: false, eol: '\n' as const };
const fixture = (rule: string, name: string) => readFixture(readFileSync(path.join(__dirname, '../../../test/fixtures/rules', rule, name), 'utf8')).text;
const findings = (a: Analysis) => a.findings.map((f) => `${f.ruleId} ${f.uri}:${f.span.start} ${f.message}`).sort();

/** Analyse a workspace, scaffold into it, analyse again: the findings before and after. */
function withScaffold(text: string, request: ScaffoldRequest): { before: string[]; after: string[]; yaml: string; notes: string[] } {
  const files = [{ uri: 'file:///ws/mesh.yaml', text }];
  const a = analyze(files);
  const r = scaffold(a, request);
  assert.ok(r.ok, r.ok ? '' : r.error);
  const yaml = scaffoldYaml(r.resources, style);
  const b = analyze([...files, { uri: 'file:///ws/new.yaml', text: yaml }]);
  return { before: findings(a), after: findings(b), yaml, notes: r.notes };
}

test('Enable Egress Gateway Access Logs: EL212 goes quiet, nothing else changes', () => {
  const { before, after, yaml } = withScaffold(fixture('EL212', 'no-access-log.yaml'), { kind: 'gateway-access-logs' });
  assert.ok(before.some((f) => f.startsWith('EL212 ')), before.join('\n'));
  assert.deepEqual(after, before.filter((f) => !f.startsWith('EL212 ')));
  assert.match(yaml, /kind: Telemetry/);
  assert.match(yaml, /istio: egressgateway/);
});

test('Add Traffic Policy for Host: EL213 goes quiet, nothing else changes, and each default is explained', () => {
  const { before, after, yaml, notes } = withScaffold(fixture('EL213', 'no-limits.yaml'), { kind: 'traffic-policy', host: 'api.stripe.com', namespace: 'istio-system' });
  assert.ok(before.some((f) => f.startsWith('EL213 ')), before.join('\n'));
  assert.deepEqual(after, before.filter((f) => !f.startsWith('EL213 ')));
  assert.match(yaml, /kind: DestinationRule/);
  for (const field of ['maxConnections', 'connectTimeout', 'outlierDetection', 'timeout']) assert.ok(notes.some((n) => n.includes(field)), `a note explains ${field}`);
});

test('Add Traffic Policy for Host: a second DestinationRule for the host is called out, a name is never reused', () => {
  const text = fixture('EL213', 'tls-only-destination-rule.yaml');
  const a = analyze([{ uri: 'file:///ws/mesh.yaml', text }]);
  const r = scaffold(a, { kind: 'traffic-policy', host: 'api.stripe.com', namespace: 'istio-system' });
  assert.ok(r.ok);
  assert.ok(r.notes[0].includes('istio-system/stripe-tls already exists for api.stripe.com'), r.notes[0]);
  const again = scaffold(analyze([{ uri: 'file:///ws/mesh.yaml', text }, { uri: 'file:///ws/new.yaml', text: scaffoldYaml(r.resources, style) }]), { kind: 'traffic-policy', host: 'api.stripe.com', namespace: 'istio-system' });
  assert.ok(again.ok);
  assert.equal((again.resources[0].metadata as { name: string }).name, 'stripe-traffic-policy-2');
});

test('Rate-Limit Host at the Egress Gateway: an EnvoyFilter on the gateway pods, on the host\'s virtual host; analysis unchanged', () => {
  const gw = analyze([]);
  const routed = scaffold(gw, { kind: 'gateway', host: 'api.stripe.com', protocol: 'tls-origination', namespace: 'payments', style: 'istio' });
  assert.ok(routed.ok);
  const { before, after, yaml, notes } = withScaffold(scaffoldYaml(routed.resources, style), { kind: 'rate-limit', host: 'api.stripe.com', perMinute: 120 });
  assert.deepEqual(after, before);
  assert.match(yaml, /kind: EnvoyFilter/);
  assert.match(yaml, /name: api\.stripe\.com:80/);
  assert.match(yaml, /max_tokens: 120/);
  assert.ok(notes[0].includes('120 requests a minute'), notes[0]);
});

test('Rate-Limit Host: refused with the reason when the gateway cannot read requests, when nothing routes the host, and for a bad limit', () => {
  const passthrough = analyze([{ uri: 'file:///ws/mesh.yaml', text: fixture('EL212', 'no-access-log.yaml') }]);
  const r1 = scaffold(passthrough, { kind: 'rate-limit', host: 'api.stripe.com' });
  assert.ok(!r1.ok && r1.error.includes('passes api.stripe.com\'s TLS through'), JSON.stringify(r1));
  const r2 = scaffold(passthrough, { kind: 'rate-limit', host: 'api.github.com' });
  assert.ok(!r2.ok && r2.error.startsWith('No egress gateway routes api.github.com'), JSON.stringify(r2));
  const r3 = scaffold(passthrough, { kind: 'rate-limit', host: 'api.stripe.com', perMinute: 0 });
  assert.ok(!r3.ok && r3.error.includes('at least 1'), JSON.stringify(r3));
  const r4 = scaffold(passthrough, { kind: 'traffic-policy', host: 'not a host', namespace: 'istio-system' });
  assert.ok(!r4.ok && r4.error.includes('is not a host name'), JSON.stringify(r4));
  const r5 = scaffold(analyze([]), { kind: 'gateway-access-logs' });
  assert.ok(!r5.ok && r5.error === 'No egress gateway routes hosts in the workspace.', JSON.stringify(r5));
});
