// istioctl analyze's own test data (test/data/corpus/istio-analyzers), replayed through the Istio rules
// that check the same things. Each case restates analyzers_test.go's expectation (message type, resource)
// next to ours; where we differ on purpose, the case says how and why.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, type Analysis } from '../../server/src/engine';
import { corpusDir } from '../conformance/corpus';

const dir = path.join(corpusDir, 'istio-analyzers/pkg/config/analysis/analyzers/testdata');

function source(name: string) {
  return { uri: `file:///istio-analyzers/${name}`, text: readFileSync(path.join(dir, name), 'utf8') };
}

/** istioctl's meshConfigFile is a bare MeshConfig: the engine reads it as the `istio` ConfigMap's `mesh` key. */
function meshConfig(name: string) {
  const mesh = readFileSync(path.join(dir, name), 'utf8');
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  return { uri: 'file:///istio-analyzers/mesh-config.yaml', text };
}

/** `RULE Kind ns/name` of each finding of the given rules, by the resource it sits in. */
function found(a: Analysis, rules: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of a.findings) {
    if (!rules.includes(f.ruleId)) continue;
    const r = a.model.resources.find((x) => x.uri === f.uri && f.span.start >= x.doc.span.start && f.span.start <= x.doc.span.end);
    out.push(`${f.ruleId} ${r ? `${r.kind} ${r.namespace}/${r.name}` : f.uri}`);
  }
  return out.sort();
}

interface Case {
  name: string;
  files: string[];
  meshConfigFile?: string;
  /** analyzers_test.go's expectation, as written there. */
  istio: string[];
  rules: string[];
  /** What our rules report on the same files. */
  ours: string[];
  /** Where ours differs from istioctl's, and why. */
  differences?: string;
}

const CASES: Case[] = [
  {
    name: 'virtualServiceGateways (GatewayAnalyzer)',
    files: ['virtualservice_gateways.yaml'],
    istio: ['ReferencedResourceNotFound VirtualService httpbin-bogus', 'VirtualServiceHostNotFoundInGateway VirtualService default/cross-test', 'VirtualServiceHostNotFoundInGateway VirtualService httpbin-bogus', 'VirtualServiceHostNotFoundInGateway VirtualService httpbin'],
    rules: ['EL203', 'EL207'],
    ours: ['EL203 VirtualService default/httpbin-bogus', 'EL207 VirtualService default/cross-test', 'EL207 VirtualService default/httpbin'],
    differences: 'httpbin-bogus names a Gateway that does not exist: istioctl also says its hosts are not found in that Gateway; we report the root cause once (EL203). The Gateways here have no servers: EL207 says so.',
  },
  {
    name: 'host defined in virtualservice not found in the gateway (GatewayAnalyzer)',
    files: ['virtualservice_host_not_found_gateway.yaml'],
    istio: ['VirtualServiceHostNotFoundInGateway VirtualService default/testing-service-02-test-01', 'VirtualServiceHostNotFoundInGateway VirtualService default/testing-service-02-test-02', 'VirtualServiceHostNotFoundInGateway VirtualService default/testing-service-02-test-03', 'VirtualServiceHostNotFoundInGateway VirtualService default/testing-service-03-test-04'],
    // Ingress-only VirtualServices: their hosts are not external destinations (EL206 stays quiet).
    rules: ['EL203', 'EL206', 'EL207'],
    ours: ['EL207 VirtualService default/testing-service-02-test-01', 'EL207 VirtualService default/testing-service-02-test-02', 'EL207 VirtualService default/testing-service-02-test-03', 'EL207 VirtualService default/testing-service-03-test-04'],
  },
  {
    name: 'virtualServiceDestinationRules (DestinationRuleAnalyzer)',
    files: ['virtualservice_destinationrules.yaml'],
    istio: ['ReferencedResourceNotFound VirtualService default/reviews-bogussubset', 'ReferencedResourceNotFound VirtualService default/reviews-mirror-bogussubset'],
    rules: ['EL208'],
    ours: ['EL208 VirtualService default/reviews-bogussubset', 'EL208 VirtualService default/reviews-mirror-bogussubset'],
  },
  {
    name: 'virtualServiceDestinationHosts (DestinationHostAnalyzer)',
    files: ['virtualservice_destinationhosts.yaml'],
    istio: [
      'ReferencedResourceNotFound VirtualService default/reviews-bogushost (twice)',
      'ReferencedResourceNotFound VirtualService default/reviews-bookinfo-other',
      'ReferencedResourceNotFound VirtualService default/reviews-mirror-bogushost',
      'ReferencedResourceNotFound VirtualService default/reviews-bogusport',
      'VirtualServiceDestinationPortSelectorRequired VirtualService default/reviews-2port-missing',
      'ReferencedResourceNotFound VirtualService istio-system/cross-namespace-details',
      'ReferencedResourceNotFound VirtualService hello/hello-export-to-bogus',
    ],
    rules: ['EL206', 'EL209'],
    ours: ['EL206 VirtualService default/reviews-bookinfo-other', 'EL209 VirtualService default/reviews-2port-missing', 'EL209 VirtualService default/reviews-bogusport'],
    differences:
      'A cluster-internal destination host that the workspace does not declare (reviews-bogus) is not reported: a repository rarely holds every Service of the cluster, and such hosts are not egress. The `networking.istio.io/exportTo` annotation of Services and a VirtualService exportTo naming a namespace that does not exist are not modelled. An external host that no visible ServiceEntry registers (other.bookinfo.com, exported only to its own namespace) is EL206.',
  },
  {
    name: 'missing Addresses and Protocol in Service Entry (ProtocolAddressesAnalyzer)',
    files: ['serviceentry-missing-addresses-protocol.yaml'],
    istio: ['ServiceEntryAddressesRequired ServiceEntry default/service-entry-test-03', 'ServiceEntryAddressesRequired ServiceEntry default/service-entry-test-04', 'ServiceEntryAddressesRequired ServiceEntry default/service-entry-test-07'],
    rules: ['EL211'],
    ours: ['EL211 ServiceEntry default/service-entry-test-03', 'EL211 ServiceEntry default/service-entry-test-04', 'EL211 ServiceEntry default/service-entry-test-07'],
  },
  {
    name: 'missing Addresses and Protocol in Service Entry with ISTIO_META_DNS_AUTO_ALLOCATE enabled',
    files: ['serviceentry-missing-addresses-protocol.yaml'],
    meshConfigFile: 'serviceentry-missing-addresses-protocol-mesh-cfg.yaml',
    istio: [],
    rules: ['EL211'],
    ours: [],
  },
  {
    name: 'destinationrule with credentialname, simple at destinationlevel, no workloadSelector (CaCertificateAnalyzer)',
    files: ['destinationrule-simple-destination-credentialname.yaml'],
    istio: ['NoServerCertificateVerificationDestinationLevel DestinationRule db-tls'],
    rules: ['EL210'],
    ours: [],
    differences:
      'EL210 is about TLS origination to external hosts (egress); mydbserver.prod.svc.cluster.local is a cluster service. The same DestinationRule for an external host is reported (test/fixtures/rules/EL210/credential-without-selector.yaml).',
  },
  {
    name: 'destinationrule with credentialname, simple at destinationlevel, workloadSelector',
    files: ['destinationrule-simple-destination-credentialname-selector.yaml'],
    istio: [],
    rules: ['EL210'],
    ours: [],
  },
];

for (const c of CASES) {
  test(`istioctl analyze testdata: ${c.name}`, () => {
    const a = analyze([...c.files.map(source), ...(c.meshConfigFile ? [meshConfig(c.meshConfigFile)] : [])]);
    assert.deepEqual(found(a, c.rules), [...c.ours].sort(), c.differences ?? 'istioctl and Egress Lens agree on this case');
    // Our resources are named ns/name; istioctl names those in its default namespace without it.
    assert.ok(c.differences !== undefined || c.istio.length === c.ours.length, `${c.name}: a difference from istioctl must be explained`);
  });
}

test('istioctl analyze testdata: the credentialName cases, rewritten for an external host, are EL210 without workloadSelector only', () => {
  // The credentialName cases, for an external host: without workloadSelector reported, with it not.
  const external = (t: string) => t.replace('mydbserver.prod.svc.cluster.local', 'db.example.com');
  const without = analyze([{ uri: 'file:///a.yaml', text: external(source('destinationrule-simple-destination-credentialname.yaml').text) }]);
  const withSel = analyze([{ uri: 'file:///a.yaml', text: external(source('destinationrule-simple-destination-credentialname-selector.yaml').text) }]);
  assert.deepEqual(found(without, ['EL210']), ['EL210 DestinationRule default/db-tls']);
  assert.deepEqual(found(withSel, ['EL210']), []);
});
