// The egress recipes of ahmetb/kubernetes-network-policy-recipes (corpus/k8s-netpol-recipes/EXPECTED.md),
// with the workloads their "Try it out" sections create: kubectl-run pods in `default`, kube-dns in kube-system.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { corpusDir } from '../conformance/corpus';
import { address, analyzeYaml, can, pod, workload } from '../support/reach';

const recipe = (file: string) => readFileSync(path.join(corpusDir, 'k8s-netpol-recipes/yaml', file), 'utf8');

const cluster = [
  pod('web', 'default', { app: 'web' }, [{ port: 80 }]),
  pod('foo', 'default', { app: 'foo' }),
  pod('kube-dns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]),
].join('---\n');
const exampleCom = address('93.184.216.34');

test('recipe 11: egress: [] denies everything, DNS included', () => {
  const a = analyzeYaml(cluster, recipe('11-deny-egress-traffic-from-an-application__01.yaml'));
  const foo = workload(a, 'default/foo');
  assert.equal(can(a, foo, workload(a, 'kube-system/kube-dns'), 'UDP', 53), false, 'DNS fails ("bad address")');
  assert.equal(can(a, foo, workload(a, 'default/web'), 'TCP', 80), false);
  assert.equal(can(a, foo, exampleCom, 'TCP', 80), false);
  // Other pods are not selected: web still reaches everything.
  assert.equal(can(a, workload(a, 'default/web'), exampleCom, 'TCP', 80), true);
});

test('recipe 11 with DNS: DNS resolves, web:80 and example.com:80 are blocked', () => {
  const a = analyzeYaml(cluster, recipe('11-deny-egress-traffic-from-an-application__02.yaml'));
  const foo = workload(a, 'default/foo');
  const dns = workload(a, 'kube-system/kube-dns');
  assert.equal(can(a, foo, dns, 'UDP', 53), true);
  assert.equal(can(a, foo, dns, 'TCP', 53), true);
  assert.equal(can(a, foo, dns, 'TCP', 54), false);
  assert.equal(can(a, foo, workload(a, 'default/web'), 'TCP', 80), false);
  assert.equal(can(a, foo, exampleCom, 'TCP', 80), false);
});

test('recipe 12: namespace default-deny egress drops all egress of every pod in default, DNS included', () => {
  const a = analyzeYaml(cluster, recipe('12-deny-all-non-whitelisted-traffic-from-the-namespace__01.yaml'));
  for (const src of ['default/foo', 'default/web']) {
    assert.equal(can(a, workload(a, src), workload(a, 'kube-system/kube-dns'), 'UDP', 53), false, src);
    assert.equal(can(a, workload(a, src), exampleCom, 'TCP', 443), false, src);
  }
  // kube-system is another namespace: not affected.
  assert.equal(can(a, workload(a, 'kube-system/kube-dns'), exampleCom, 'UDP', 53), true);
});

test('recipe 14 at HEAD: only DNS to kube-dns; web:80 is blocked too (the caveat in EXPECTED.md)', () => {
  const a = analyzeYaml(cluster, recipe('14-deny-external-egress-traffic__01.yaml'));
  const foo = workload(a, 'default/foo');
  assert.equal(can(a, foo, workload(a, 'kube-system/kube-dns'), 'UDP', 53), true);
  assert.equal(can(a, foo, workload(a, 'default/web'), 'TCP', 80), false);
  assert.equal(can(a, foo, exampleCom, 'TCP', 80), false);
  assert.equal(can(a, foo, exampleCom, 'UDP', 53), false, 'DNS to an external resolver is not allowed either');
});

test('recipe 14 as its page was written (historical YAML): web:80 allowed, example.com blocked', () => {
  const a = analyzeYaml(cluster, recipe('historical/14-deny-external-egress-traffic__01@6b8d542.yaml'));
  const foo = workload(a, 'default/foo');
  assert.equal(can(a, foo, workload(a, 'default/web'), 'TCP', 80), true);
  assert.equal(can(a, foo, exampleCom, 'TCP', 80), false);
  // Its first rule allows port 53 to anywhere, external resolvers included.
  assert.equal(can(a, foo, exampleCom, 'UDP', 53), true);
});
