// Reachability of Calico and Cilium examples whose documentation states the outcome.
// Each test cites its page in the vendored corpus (test/data/corpus/calico-docs, test/data/corpus/cilium).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hostPeer } from '../../server/src/engine/reach/rules';
import { corpusDir } from '../conformance/corpus';
import { address, analyzeYaml, can, pod, workload } from '../support/reach';

const cilium = (file: string) => readFileSync(path.join(corpusDir, 'cilium', file), 'utf8');
const kubeDns = pod('coredns', 'kube-system', { 'k8s-app': 'kube-dns' }, [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);

test('Cilium toFQDNs with DNS visibility (Documentation/security/policy/language.rst, "DNS based" / matchPattern): names, patterns, ports', () => {
  // "The separate L3 toFQDNs egress rule allows connections to any IPs returned in DNS queries for cilium.io,
  // sub.cilium.io, service1.api.cilium.io and any matches of special*service.api.cilium.io, such as
  // special-region1-service.api.cilium.io but not region1-service.api.cilium.io. DNS queries to
  // anothersub.cilium.io are allowed but connections to the returned IPs are not ... restricting connections to TCP port 80."
  const a = analyzeYaml(cilium('examples/policies/l7/dns/dns.yaml'), pod('client', 'default', { org: 'alliance' }), kubeDns);
  const client = workload(a, 'default/client');
  for (const host of ['cilium.io', 'sub.cilium.io', 'service1.api.cilium.io', 'special-region1-service.api.cilium.io']) {
    assert.equal(can(a, client, hostPeer(host), 'TCP', 80), true, host);
    assert.equal(can(a, client, hostPeer(host), 'TCP', 443), false, `${host}:443`);
  }
  for (const host of ['region1-service.api.cilium.io', 'anothersub.cilium.io', 'example.com']) assert.equal(can(a, client, hostPeer(host), 'TCP', 80), false, host);
  assert.equal(can(a, client, workload(a, 'kube-system/coredns'), 'UDP', 53), true, 'DNS to kube-dns, through the proxy');
  assert.equal(can(a, client, address('93.184.216.34'), 'TCP', 80), false, 'addresses are not names');
  // The toFQDNs names are destinations; the DNS rule's patterns allow queries, not connections.
  assert.deepEqual(a.reach.externalHosts.map((h) => h.kind === 'host' && h.host), ['cilium.io', 'service1.api.cilium.io', 'special*service.api.cilium.io', 'sub.cilium.io']);
});

test('Cilium toFQDNs matchName (language.rst, toFQDNs example): the named service, on every port; nothing else', () => {
  // "When the application makes a request for my-remote-service.com, Cilium learns the IP address and will
  // allow traffic due to the match on the name under the toFQDNs.matchName rule."
  const a = analyzeYaml(cilium('examples/policies/l3/fqdn/fqdn.yaml'), pod('app', 'default', { app: 'test-app' }), kubeDns);
  const app = workload(a, 'default/app');
  assert.equal(can(a, app, hostPeer('my-remote-service.com'), 'TCP', 8443), true);
  assert.equal(can(a, app, hostPeer('other-service.com'), 'TCP', 443), false);
  assert.equal(can(a, app, workload(a, 'kube-system/coredns'), 'TCP', 53), true);
});

test('Cilium namespace isolation (Documentation/security/policy/kubernetes.rst, example_cnp_ns_boundaries)', () => {
  // "The example locks down ingress of the pods in ns1 and ns2. This means that the pods can still communicate
  // egress to anywhere unless the destination is in either ns1 or ns2 in which case both source and destination
  // have to be in the same namespace."
  const a = analyzeYaml(
    cilium('examples/policies/kubernetes/namespace/isolate-namespaces.yaml'),
    cilium('examples/policies/kubernetes/namespace/demo-pods.yaml'),
    pod('other', 'ns1', { name: 'other' }),
    pod('outside', 'default', { app: 'outside' }),
  );
  const leia = workload(a, 'ns1/leia-deployment');
  const luke = workload(a, 'ns2/luke-pod');
  assert.equal(can(a, luke, leia, 'TCP', 80), false, 'ns2 to ns1');
  assert.equal(can(a, leia, luke, 'TCP', 80), false, 'ns1 to ns2');
  assert.equal(can(a, workload(a, 'ns1/other'), leia, 'TCP', 80), true, 'within ns1');
  assert.equal(can(a, workload(a, 'default/outside'), leia, 'TCP', 80), false, 'from elsewhere into ns1');
  assert.equal(can(a, luke, workload(a, 'default/outside'), 'TCP', 80), true, 'egress to anywhere else');
  assert.equal(can(a, luke, address('93.184.216.34'), 'TCP', 443), true, 'egress to the internet');
});

test('Calico policy tutorial (calico/network-policy/get-started/calico-policy/calico-policy-tutorial.mdx), step by step', () => {
  const ns = 'advanced-policy-demo';
  const cluster = [
    pod('nginx', ns, { app: 'nginx' }, [{ port: 80 }]),
    pod('access', ns, { run: 'access' }),
    kubeDns,
  ].join('---\n');
  const denyAll = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default-deny
spec:
  selector: projectcalico.org/namespace not in  {'kube-system', 'calico-system', 'calico-apiserver'}
  types:
  - Ingress
  - Egress
`;
  const busyboxEgress = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-busybox-egress
  namespace: ${ns}
spec:
  selector: run == 'access'
  types:
  - Egress
  egress:
  - action: Allow
`;
  const nginxIngress = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-nginx-ingress
  namespace: ${ns}
spec:
  selector: app == 'nginx'
  types:
  - Ingress
  ingress:
  - action: Allow
    source:
      selector: run == 'access'
`;
  const google = address('142.250.0.1');
  // Step 2, "denied all ingress and egress": "wget: bad address 'nginx'" and "bad address 'google.com'" (DNS is blocked too).
  let a = analyzeYaml(cluster, denyAll);
  let access = workload(a, `${ns}/access`);
  assert.equal(can(a, access, workload(a, 'kube-system/coredns'), 'UDP', 53), false);
  assert.equal(can(a, access, workload(a, `${ns}/nginx`), 'TCP', 80), false);
  assert.equal(can(a, access, google, 'TCP', 80), false);
  // Step 3, "traffic allowed from access pod to google but not nginx" ("download timed out": ingress of nginx).
  a = analyzeYaml(cluster, denyAll, busyboxEgress);
  access = workload(a, `${ns}/access`);
  assert.equal(can(a, access, google, 'TCP', 80), true);
  assert.equal(can(a, access, workload(a, 'kube-system/coredns'), 'UDP', 53), true, 'names resolve again');
  assert.equal(can(a, access, workload(a, `${ns}/nginx`), 'TCP', 80), false);
  // Step 4, "allowed ingress traffic to nginx from access pod": both work.
  a = analyzeYaml(cluster, denyAll, busyboxEgress, nginxIngress);
  access = workload(a, `${ns}/access`);
  assert.equal(can(a, access, workload(a, `${ns}/nginx`), 'TCP', 80), true);
  assert.equal(can(a, access, google, 'TCP', 80), true);
  assert.equal(can(a, workload(a, `${ns}/nginx`), google, 'TCP', 80), false, 'nginx itself is still denied egress');
});
