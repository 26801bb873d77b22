// The "Allow Egress To…" scaffolds, proven by analysis: the destination on exactly the asked ports,
// DNS still working, nothing else opened, and no finding about the generated policy itself.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { allowEgress, analyze, defaultConfig, egressPath, renderYaml, scaffold, scaffoldYaml, type EgressDestination, type Mechanism } from '../../server/src/engine';
import { hostPeer } from '../../server/src/engine/reach/rules';
import { address, can, pod, workload } from '../support/reach';

const cluster = [
  pod('web', 'shop', { app: 'web' }),
  pod('ledger', 'payments', { app: 'ledger' }, [{ port: 8080, name: 'http' }]),
  pod('other', 'payments', { app: 'other' }, [{ port: 8080 }]),
  pod('coredns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]),
].join('---\n');

const destinations: Record<string, EgressDestination> = {
  workload: { kind: 'workload', namespace: 'payments', name: 'ledger', labels: { app: 'ledger' } },
  cidr: { kind: 'cidr', cidr: '203.0.113.0/24' },
  host: { kind: 'host', host: 'api.stripe.com' },
};

for (const mechanism of ['networkpolicy', 'cilium', 'calico'] as Mechanism[]) {
  for (const [kind, to] of Object.entries(destinations)) {
    test(`scaffold ${mechanism} to a ${kind}`, () => {
      const port = kind === 'workload' ? 8080 : 443;
      const r = allowEgress({ from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, to, ports: [{ protocol: 'TCP', port }], mechanism, dns: defaultConfig.dns });
      if (mechanism === 'networkpolicy' && kind === 'host') {
        assert.equal(r.ok, false);
        assert.match(!r.ok ? r.error : '', /cannot name a host/);
        return;
      }
      assert.ok(r.ok, !r.ok ? r.error : '');
      if (!r.ok) return;
      const text = r.resources.map((x) => renderYaml(x, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n');
      const a = analyze([
        { uri: 'file:///w/cluster.yaml', text: cluster },
        { uri: 'file:///w/policy.yaml', text },
      ]);
      const web = workload(a, 'shop/web');
      const dest = kind === 'workload' ? workload(a, 'payments/ledger') : kind === 'cidr' ? address('203.0.113.10') : hostPeer('api.stripe.com');
      const elsewhere = kind === 'workload' ? workload(a, 'payments/other') : kind === 'cidr' ? address('198.51.100.10') : hostPeer('api.example.com');
      // Calico Open Source has no domains; the note says so (the policy is written for Enterprise).
      if (mechanism === 'calico' && kind === 'host') assert.match(r.notes.join(' '), /Calico Enterprise/);
      assert.equal(can(a, web, dest, 'TCP', port), true, 'the destination on the asked port');
      assert.equal(can(a, web, dest, 'TCP', port + 1), false, 'and not on another port');
      assert.equal(can(a, web, elsewhere, 'TCP', port), false, 'nothing else is opened');
      const dns = workload(a, 'kube-system/coredns');
      assert.equal(can(a, web, dns, 'UDP', 53) && can(a, web, dns, 'TCP', 53), true, 'DNS keeps working');
      const about = a.findings.filter((f) => f.uri === 'file:///w/policy.yaml' && f.ruleId !== 'EL503' && f.ruleId !== 'EL116');
      assert.deepEqual(about.map((f) => `${f.ruleId} ${f.message}`), [], 'no finding on the generated policy');
      assert.ok(!a.findings.some((f) => f.ruleId === 'EL104' && f.message.includes('pod/web')), 'no DNS finding for web');
    });
  }
}

test('scaffold errors are clear', () => {
  const base = { from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, ports: [], mechanism: 'cilium' as Mechanism, dns: defaultConfig.dns };
  const bad = (to: EgressDestination) => {
    const r = allowEgress({ ...base, to });
    return r.ok ? '' : r.error;
  };
  assert.match(bad({ kind: 'cidr', cidr: '10.0.0.0/40' }), /not a CIDR/);
  assert.match(bad({ kind: 'host', host: 'not a host' }), /not a host name/);
  const unlabeled = allowEgress({ ...base, from: { namespace: 'shop', name: 'x', labels: {} }, to: destinations.host });
  assert.match(unlabeled.ok ? '' : unlabeled.error, /no pod labels/);
});

test('scaffold istio: a ServiceEntry for the namespace lets its sidecars reach the host under REGISTRY_ONLY, and nobody else', () => {
  const mesh = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {istio-injection: enabled}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels: {istio-injection: enabled}\n---\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: mesh, namespace: istio-system}\nspec:\n  meshConfig:\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n---\n${cluster}`;
  const before = analyze([{ uri: 'file:///w/cluster.yaml', text: mesh }]);
  const path = (a: ReturnType<typeof analyze>, id: string, host: string) => egressPath(a.mesh, a.reach, a.model.workloads.find((w) => w.id === id)!, host, 443).outcome;
  assert.equal(path(before, 'shop/web[Pod]', 'api.stripe.com'), 'blocked-registry-only');
  const r = allowEgress({ from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, to: destinations.host, ports: [{ protocol: 'TCP', port: 443 }], mechanism: 'istio', dns: defaultConfig.dns });
  assert.ok(r.ok, !r.ok ? r.error : '');
  if (!r.ok) return;
  const text = r.resources.map((x) => renderYaml(x, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n');
  const after = analyze([
    { uri: 'file:///w/cluster.yaml', text: mesh },
    { uri: 'file:///w/entry.yaml', text },
  ]);
  assert.equal(path(after, 'shop/web[Pod]', 'api.stripe.com'), 'direct');
  assert.equal(path(after, 'payments/ledger[Pod]', 'api.stripe.com'), 'blocked-registry-only', 'exported to its own namespace only');
  assert.deepEqual(after.findings.filter((f) => f.uri === 'file:///w/entry.yaml').map((f) => `${f.ruleId} ${f.message}`), []);
  const cidr = allowEgress({ from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, to: destinations.cidr, ports: [{ protocol: 'TCP', port: 5432 }], mechanism: 'istio', dns: defaultConfig.dns });
  assert.ok(cidr.ok && JSON.stringify(cidr.resources[0].spec).includes('"addresses":["203.0.113.0/24"]'));
  const wl = allowEgress({ from: { namespace: 'shop', name: 'web', labels: { app: 'web' } }, to: destinations.workload, ports: [{ protocol: 'TCP', port: 8080 }], mechanism: 'istio', dns: defaultConfig.dns });
  assert.match(wl.ok ? '' : wl.error, /outside the mesh/);
});

test('one scaffold entry point: names free in the namespace for every scaffold, errors as values, the same YAML for the editor and the CLI', () => {
  const existing = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-egress, namespace: payments}\nspec: {podSelector: {}, policyTypes: [Egress]}\n`;
  const a = analyze([{ uri: 'file:///w/cluster.yaml', text: cluster }, { uri: 'file:///w/deny.yaml', text: existing }]);
  const named = (r: ReturnType<typeof scaffold>) => (r.ok ? r.resources.map((x: Record<string, unknown>) => (x.metadata as { name: string }).name) : r.error);
  assert.deepEqual(named(scaffold(a, { kind: 'default-deny', namespace: 'shop' })), ['default-deny-egress']);
  assert.deepEqual(named(scaffold(a, { kind: 'default-deny', namespace: 'payments' })), ['default-deny-egress-2']);
  assert.deepEqual(named(scaffold(a, { kind: 'default-deny', namespace: 'payments', allowDns: false })), ['deny-all-egress']);
  assert.match(String(named(scaffold(a, { kind: 'default-deny', namespace: 'Pay Ments' }))), /not a valid namespace name/);
  const ledger = a.reach.workloads.find((w) => w.name === 'ledger')!;
  const allow = scaffold(a, { kind: 'allow', from: ledger.id, to: { kind: 'cidr', cidr: '203.0.113.0/24' }, ports: [{ protocol: 'TCP', port: 443 }], mechanism: 'networkpolicy' });
  assert.ok(allow.ok);
  assert.match(String(named(scaffold(a, { kind: 'allow', from: 'nowhere/none[Deployment]', to: { kind: 'host', host: 'x.example.com' }, ports: [], mechanism: 'cilium' }))), /No workload nowhere\/none/);
  // The written policy is what analysis then finds: the namespace's egress is restricted, DNS still allowed.
  const deny = scaffold(a, { kind: 'default-deny', namespace: 'shop' });
  assert.ok(deny.ok);
  const text = scaffoldYaml(deny.resources, { indent: 2, indentSeq: false, eol: '\n' });
  const after = analyze([{ uri: 'file:///w/cluster.yaml', text: cluster }, { uri: 'file:///w/deny.yaml', text: existing }, { uri: 'file:///w/new.yaml', text }]);
  const web = workload(after, 'shop/web');
  assert.equal(can(after, web, address('203.0.113.7'), 'TCP', 443), false);
  assert.equal(can(after, web, workload(after, 'kube-system/coredns'), 'UDP', 53), true);
  assert.equal(after.findings.filter((f) => f.uri === 'file:///w/new.yaml').length, 0);
});
