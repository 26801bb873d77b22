import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, fixesFor, isExcluded, mergeConfig, readConfigFile, rules } from '../../server/src/engine';
import { deployment as deploymentOf } from '../support/manifests';

const deployment = (ns = 'shop', name = 'api') => deploymentOf(name, ns);
const denyAll = (ns = 'shop') => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: ${ns}}
spec: {podSelector: {}, policyTypes: [Egress]}
`;
const ids = (a: ReturnType<typeof analyze>) => a.findings.map((f) => f.ruleId);

test('a valid configuration file is read whole', () => {
  const { config, problems } = readConfigFile('file:///w/.egress-lens.yaml', 'cni: cilium\nrules: {EL102: "off", EL101: error}\nexclude: [charts/**]\ndns: {podSelector: {app: coredns}}\n');
  assert.deepEqual(problems, []);
  assert.deepEqual(config, { cni: 'cilium', rules: { EL102: 'off', EL101: 'error' }, exclude: ['charts/**'], dns: { podSelector: { app: 'coredns' } } });
});

test('rules settings change severities and turn rules off', () => {
  const text = deployment();
  assert.deepEqual(ids(analyze([{ uri: 'file:///a.yaml', text }])), ['EL101', 'EL102']);
  const a = analyze([{ uri: 'file:///a.yaml', text }], { rules: { EL101: 'error', EL102: 'off' } });
  assert.deepEqual(a.findings.map((f) => `${f.ruleId} ${f.severity}`), ['EL101 error']);
});

test('the DNS setting is honoured: both the namespace and the pod selector', () => {
  const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {role: dns}}
      podSelector: {matchLabels: {app: coredns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`;
  const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dns-system, labels: {role: dns}}\n';
  const files = [deployment(), policy, ns].map((text, i) => ({ uri: `file:///f${i}.yaml`, text }));
  // Default DNS (kube-system / k8s-app=kube-dns): the policy's DNS rule goes elsewhere.
  assert.ok(ids(analyze(files)).includes('EL104'));
  // Configured DNS matching the rule: fine.
  assert.ok(!ids(analyze(files, { dns: { namespaceSelector: { role: 'dns' }, podSelector: { app: 'coredns' } } })).includes('EL104'));
  // Right pods, wrong namespace labels: not fine.
  assert.ok(ids(analyze(files, { dns: { namespaceSelector: { role: 'other' }, podSelector: { app: 'coredns' } } })).includes('EL104'));
  // Right namespace, wrong pod labels: not fine.
  assert.ok(ids(analyze(files, { dns: { namespaceSelector: { role: 'dns' }, podSelector: { app: 'kube-dns' } } })).includes('EL104'));
});

test('exclude globs, relative to the root', () => {
  assert.ok(isExcluded('charts/web/templates/deploy.yaml', ['charts/**']));
  assert.ok(isExcluded('a/b/c.generated.yaml', ['**/*.generated.yaml']));
  assert.ok(isExcluded('deep/kustomization.yaml', ['kustomization.yaml']), 'a name without a slash matches anywhere');
  assert.ok(!isExcluded('apps/web.yaml', ['charts/**', '/web.yaml']));
  assert.ok(isExcluded('web.yaml', ['/web.yaml']));
  assert.ok(isExcluded('env/prod.yaml', ['env/{prod,staging}.yaml']));
  const a = analyze(
    [
      { uri: 'file:///w/charts/x.yaml', text: deployment('shop', 'x') },
      { uri: 'file:///w/apps/y.yaml', text: deployment('shop', 'y') },
    ],
    { exclude: ['charts/**'], rootUri: 'file:///w/' },
  );
  assert.deepEqual([...new Set(a.findings.map((f) => f.uri))], ['file:///w/apps/y.yaml']);
  assert.deepEqual(a.model.workloads.map((w) => w.name), ['y'], 'excluded files are not in the model either');
});

test('hostile settings are contained: traversal globs match nothing outside, huge numbers are refused', () => {
  const { config, problems } = readConfigFile('file:///w/.egress-lens.yaml', 'exclude: ["../../**", "/etc/**"]\nmaxFileSize: 1e308\nclusterCidrs: ["10.0.0.0/8"]\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /maxFileSize must be <= 268435456/);
  assert.equal(config.maxFileSize, undefined, 'the refused value is not taken');
  assert.deepEqual(config.clusterCidrs, ['10.0.0.0/8'], 'the rest still applies');
  const a = analyze([{ uri: 'file:///w/app.yaml', text: deployment() }], { ...config, rootUri: 'file:///w/' });
  assert.ok(a.findings.length > 0, '"../../**" excludes nothing inside the workspace');
});

test('editor settings win over the file, and only where they say something', () => {
  const file = readConfigFile('file:///w/.egress-lens.yaml', 'cni: calico\nrules: {EL101: error, EL102: "off"}\n').config;
  const merged = mergeConfig(file, { rules: { EL101: 'hint' }, cni: undefined });
  assert.deepEqual(merged, { cni: 'calico', rules: { EL101: 'hint', EL102: 'off' } });
});

test('suppression: a comment above the resource or an annotation; other rules still apply', () => {
  const text = `# egress-lens-ignore EL101: reviewed in SEC-1
${deployment()}---
${deployment('shop', 'web').replace('metadata: {name: web, namespace: shop}', 'metadata:\n  name: web\n  namespace: shop\n  annotations: {egress-lens.io/ignore: "EL101: batch job"}')}`;
  const a = analyze([{ uri: 'file:///a.yaml', text }]);
  assert.deepEqual(ids(a), ['EL102'], 'both EL101 are suppressed, EL102 is not');
  const b = analyze([{ uri: 'file:///a.yaml', text: text.replace('EL101: reviewed', 'EL104: reviewed') }]);
  assert.deepEqual(ids(b), ['EL101', 'EL102'], 'a suppression of another rule suppresses nothing here');
});

test('suppression: EL005 (a suppression without its reason) cannot be suppressed, not even by a suppression naming it', () => {
  // An annotation without a reason that names EL005: EL005's finding is inside the resource it covers.
  const text = deployment().replace(/metadata: \{name: (\S+), namespace: (\S+)\}/, 'metadata:\n  name: $1\n  namespace: $2\n  annotations: {egress-lens.io/ignore: "EL005"}');
  const a = analyze([{ uri: 'file:///a.yaml', text }]);
  assert.ok(a.findings.some((f) => f.ruleId === 'EL005'), 'EL005 still reported');
  assert.ok(rules.filter((r) => r.unsuppressible).every((r) => r.id === 'EL005'), 'only EL005 declares it');
});

test('insertNewResources: newFile puts the policy in a new file beside the workload', () => {
  const a = analyze([{ uri: 'file:///w/apps/api.yaml', text: deployment() }], { insertNewResources: 'newFile' });
  const f = a.findings.find((x) => x.ruleId === 'EL101')!;
  const [fix] = fixesFor(a, f);
  assert.equal(fix.edits.length, 1);
  assert.equal(fix.edits[0].uri, 'file:///w/apps/shop-default-deny-egress.yaml');
  assert.equal(fix.edits[0].create, true);
  assert.match(fix.edits[0].newText, /^apiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\n/);
});

test('a namespace-wide policy in place: EL102 is quiet, EL104 speaks', () => {
  const a = analyze([{ uri: 'file:///a.yaml', text: `${deployment()}---\n${denyAll()}` }]);
  assert.deepEqual(ids(a), ['EL104']);
});
