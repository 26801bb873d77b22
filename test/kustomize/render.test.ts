import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renderKustomization, toYamlStream, type Origin, type RenderResult, type RenderSources } from '../../server/src/engine/kustomize';

/**
 * The renderer from in-memory sources, as an editor gives them: the origin of values, the chain of
 * kustomizations, findings at the exact key or entry, and what it asks the host for.
 */

const U = 'file:///ws';

function sources(files: Record<string, string>, folders: Record<string, string[]> = {}): RenderSources {
  return {
    files: new Map(Object.entries(files).map(([k, v]) => [`${U}/${k}`, v])),
    folders: new Map(Object.entries(folders).map(([k, v]) => [`${U}/${k}`, v])),
  };
}

function render(files: Record<string, string>, root = '', folders: Record<string, string[]> = {}): RenderResult {
  return renderKustomization(sources(files, folders), root ? `${U}/${root}` : U);
}

/** The text an origin points at. */
function at(files: Record<string, string>, o: Origin): string {
  const rel = o.uri.slice(U.length + 1);
  return files[rel].slice(o.span.start, o.span.end);
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: api:1
        envFrom: [{configMapRef: {name: settings}}]
`;

const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector:
        matchLabels: {app: db}
`;

const find = (r: RenderResult, kind: string) => {
  const x = r.resources.find((y) => y.kind === kind);
  assert.ok(x, `no ${kind} in ${r.resources.map((y) => y.kind).join(', ')}; findings: ${r.findings.map((f) => f.message).join(' | ')}`);
  return x;
};

test('origins: a label from commonLabels points at its entry, in every place it was written', () => {
  const files = {
    'base/kustomization.yaml': 'resources: [app.yaml, policy.yaml]\n',
    'base/app.yaml': deployment,
    'base/policy.yaml': policy,
    'kustomization.yaml': 'resources: [base]\ncommonLabels:\n  team: payments\n',
  };
  const r = render(files);
  assert.deepEqual(r.findings, []);
  const np = find(r, 'NetworkPolicy');
  assert.equal((np.object.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels.team, 'payments');
  for (const path of [['spec', 'podSelector', 'matchLabels', 'team'], ['spec', 'egress', 0, 'to', 0, 'podSelector', 'matchLabels', 'team'], ['metadata', 'labels', 'team']]) {
    const o = np.originAt(path);
    assert.equal(o.value.uri, `${U}/kustomization.yaml`, path.join('.'));
    assert.equal(at(files, o.value), 'payments', path.join('.'));
    assert.equal(at(files, o.key!), 'team', path.join('.'));
  }
  // What commonLabels did not write keeps its own origin, in the base.
  const app = np.originAt(['spec', 'podSelector', 'matchLabels', 'app']);
  assert.equal(app.value.uri, `${U}/base/policy.yaml`);
  assert.equal(at(files, app.value), 'api');
  // The flat map of origins, by path key.
  assert.equal(np.origins().get('spec.podSelector.matchLabels.team')?.value.uri, `${U}/kustomization.yaml`);
  // The chain: the root, then the base that lists the file.
  assert.deepEqual(np.chain, [`${U}/kustomization.yaml`, `${U}/base/kustomization.yaml`]);
  assert.equal(np.source.uri, `${U}/base/policy.yaml`);
});

test('origins: a patched value points into the patch, inline or in its own file', () => {
  const files = {
    'app.yaml': deployment,
    'policy.yaml': policy,
    'np-patch.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-egress\nspec:\n  policyTypes: [Egress, Ingress]\n',
    'kustomization.yaml': `resources: [app.yaml, policy.yaml]
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
    spec:
      template:
        spec:
          containers:
          - name: api
            image: api:2
- path: np-patch.yaml
- target: {kind: NetworkPolicy}
  patch: |-
    - op: replace
      path: /spec/egress/0/to/0/podSelector/matchLabels/app
      value: postgres
`,
  };
  const r = render(files);
  assert.deepEqual(r.findings, []);
  const d = find(r, 'Deployment');
  const image = d.originAt(['spec', 'template', 'spec', 'containers', 0, 'image']);
  assert.equal(image.value.uri, `${U}/kustomization.yaml`);
  assert.equal(at(files, image.value), 'api:2');
  // Unpatched values of the same container stay in the document.
  assert.equal(at(files, d.originAt(['spec', 'template', 'spec', 'containers', 0, 'name']).value), 'api');
  assert.equal(d.originAt(['spec', 'template', 'spec', 'containers', 0, 'name']).value.uri, `${U}/app.yaml`);
  const np = find(r, 'NetworkPolicy');
  const types = np.originAt(['spec', 'policyTypes']);
  assert.equal(types.value.uri, `${U}/np-patch.yaml`);
  assert.equal(at(files, types.value), '[Egress, Ingress]');
  const app = np.originAt(['spec', 'egress', 0, 'to', 0, 'podSelector', 'matchLabels', 'app']);
  assert.equal(app.value.uri, `${U}/kustomization.yaml`);
  assert.equal(at(files, app.value), 'postgres');
});

test('origins: a prefixed name stays in its document and lists the prefix; references follow, and say so', () => {
  const files = {
    'app.yaml': deployment,
    'kustomization.yaml': 'namePrefix: team-\nnamespace: shop\nresources: [app.yaml]\nconfigMapGenerator:\n- name: settings\n  literals: [MODE=strict]\n',
  };
  const r = render(files);
  assert.deepEqual(r.findings, []);
  const d = find(r, 'Deployment');
  assert.equal(d.name, 'team-api');
  const name = d.originAt(['metadata', 'name']);
  assert.equal(name.value.uri, `${U}/app.yaml`);
  assert.equal(at(files, name.value), 'api');
  assert.deepEqual(name.changedBy?.map((o) => at(files, o)), ['team-']);
  const ns = d.originAt(['metadata', 'namespace']);
  assert.equal(at(files, ns.value), 'shop');
  const cm = find(r, 'ConfigMap');
  assert.match(cm.name, /^team-settings-[a-z0-9]{10}$/);
  assert.equal(at(files, cm.originAt(['data', 'MODE']).value), 'MODE=strict');
  assert.equal(at(files, cm.originAt(['metadata', 'name']).value), 'settings');
  // The Deployment's reference was renamed by the prefix and by the hash.
  const ref = d.originAt(['spec', 'template', 'spec', 'containers', 0, 'envFrom', 0, 'configMapRef', 'name']);
  assert.equal((d.object as { spec: { template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[] }[] } } } }).spec.template.spec.containers[0].envFrom[0].configMapRef.name, cm.name);
  assert.equal(ref.value.uri, `${U}/app.yaml`);
  assert.ok(ref.changedBy?.some((o) => at(files, o) === 'team-'), 'the prefix renamed the reference');
  assert.equal(ref.changedBy?.length, 2, 'the prefix and the generator (its hash)');
});

test('chain: a component is in the chain of what it brings, and of nothing else', () => {
  const files = {
    'base/kustomization.yaml': 'resources: [app.yaml]\n',
    'base/app.yaml': deployment,
    'deny/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [policy.yaml]\n',
    'deny/policy.yaml': policy,
    'overlay/kustomization.yaml': 'resources: [../base]\ncomponents: [../deny]\n',
  };
  const r = render(files, 'overlay');
  assert.deepEqual(r.findings, []);
  assert.deepEqual(find(r, 'NetworkPolicy').chain, [`${U}/overlay/kustomization.yaml`, `${U}/deny/kustomization.yaml`]);
  assert.deepEqual(find(r, 'Deployment').chain, [`${U}/overlay/kustomization.yaml`, `${U}/base/kustomization.yaml`]);
  assert.equal(r.root, `${U}/overlay/kustomization.yaml`);
  assert.deepEqual(r.read.sort(), [`${U}/base/app.yaml`, `${U}/base/kustomization.yaml`, `${U}/deny/kustomization.yaml`, `${U}/deny/policy.yaml`, `${U}/overlay/kustomization.yaml`]);
});

/** The findings as `ruleId severity text-at-span: message`, for exact assertions. */
function described(r: RenderResult, files: Record<string, string>): string[] {
  return r.findings.map((f) => `${f.ruleId} ${f.severity} ${JSON.stringify(at(files, f))}: ${f.message}`);
}

test('findings: remote resources and plugins are reported once, at their entry, and the rest renders', () => {
  const files = {
    'app.yaml': deployment,
    'kustomization.yaml': 'resources:\n- https://github.com/example/repo//deploy?ref=v1\n- app.yaml\n- github.com/example/other/base?ref=main\ngenerators: [gen.yaml]\ntransformers: [t.yaml]\nhelmCharts:\n- name: x\n',
  };
  const r = render(files);
  assert.deepEqual(described(r, files), [
    'EL004 warning "generators": "generators" is not rendered: generator plugins are not run; the view goes on without it.',
    'EL004 warning "transformers": "transformers" is not rendered: transformer plugins are not run; the view goes on without it.',
    'EL004 warning "helmCharts": "helmCharts" is not rendered: Helm charts are not inflated by the Kustomize renderer; the view goes on without it.',
    'EL004 info "https://github.com/example/repo//deploy?ref=v1": Remote resource https://github.com/example/repo//deploy?ref=v1 is not fetched (no network): it is left out of the view.',
    'EL004 info "github.com/example/other/base?ref=main": Remote resource github.com/example/other/base?ref=main is not fetched (no network): it is left out of the view.',
  ]);
  assert.deepEqual(r.resources.map((x) => x.name), ['api']);
});

test('findings: unknown fields and values of the wrong kind, at the exact key or value', () => {
  const files = {
    'app.yaml': deployment,
    'kustomization.yaml': 'resources: [app.yaml]\ncommonLabel:\n  team: x\nnamePrefix: [a, b]\npatches:\n- pach: x\n  target: {kind: Deployment, nam: api}\n',
  };
  const r = render(files);
  // Spot the exact places and words.
  const byText = new Map(r.findings.map((f) => [at(files, f), f]));
  assert.match(byText.get('commonLabel')!.message, /Unknown field "commonLabel".*Did you mean "commonLabels"\?/);
  assert.match(byText.get('[a, b]')!.message, /"namePrefix" in a kustomization must be a string/);
  assert.match(byText.get('pach')!.message, /Unknown field "pach" in a "patches" entry.*Did you mean "path"\?/);
  assert.match(byText.get('nam')!.message, /Unknown field "nam" in "patches\.target".*Did you mean "name"\?/);
  assert.ok(r.findings.every((f) => f.ruleId === 'EL002' && f.severity === 'error'));
  // The rest renders: the resource is there, without the prefix that was dropped.
  assert.deepEqual(r.resources.map((x) => x.name), ['api']);
});

test('findings: a missing file, a missing folder, a cycle and bad YAML, each at its entry', () => {
  const files = {
    'a/kustomization.yaml': 'resources: [../b]\n',
    'b/kustomization.yaml': 'resources:\n- ../a\n- there.yaml\n',
    'b/there.yaml': deployment,
    'broken/kustomization.yaml': 'resources: [x.yaml\nnamespace: a\n',
    'kustomization.yaml': 'resources:\n- gone.yaml\n- gone-folder\n- a\n- broken\n',
  };
  const r = render(files, '', { '': ['a/', 'b/', 'broken/', 'kustomization.yaml'] });
  const d = described(r, files);
  assert.ok(d.some((s) => s.startsWith(`EL004 error "gone.yaml": The path ${U}/gone.yaml does not exist`)), d.join('\n'));
  assert.ok(d.some((s) => s.startsWith(`EL004 error "gone-folder": The path ${U}/gone-folder does not exist`)), d.join('\n'));
  assert.ok(d.some((s) => s.startsWith('EL004 error "../a": Cycle: ../a includes the kustomization that includes it')), d.join('\n'));
  assert.ok(d.some((s) => s.startsWith('EL001 error ')), d.join('\n'));
  assert.ok(r.findings.filter((f) => f.ruleId === 'EL001').every((f) => f.uri === `${U}/broken/kustomization.yaml`));
  // What could be built is in the view: b's Deployment, through a.
  assert.deepEqual(r.resources.map((x) => x.name), ['api']);
});

test('needs: what the host did not give is named, and rendering again with it completes the view', () => {
  const files: Record<string, string> = { 'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: x-\n' };
  let r = render(files, 'overlay');
  assert.deepEqual(r.needs, [`${U}/base`]);
  assert.equal(r.findings[0].ruleId, 'EL004');
  assert.deepEqual(r.resources, []);
  // The host lists the folder, reads what the renderer asks for next, and so on.
  const folders: Record<string, string[]> = { base: ['kustomization.yaml', 'app.yaml'] };
  r = render(files, 'overlay', folders);
  assert.deepEqual(r.needs, [`${U}/base/kustomization.yaml`]);
  files['base/kustomization.yaml'] = 'resources: [app.yaml]\n';
  r = render(files, 'overlay', folders);
  assert.deepEqual(r.needs, [`${U}/base/app.yaml`]);
  files['base/app.yaml'] = deployment;
  r = render(files, 'overlay', folders);
  assert.deepEqual(r.needs, []);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.resources.map((x) => x.name), ['x-api']);
});

test('an unsaved buffer renders: the text given is what renders, not what a disk would hold', () => {
  const files = { 'kustomization.yaml': 'resources: [app.yaml]\nnamespace: edited\n', 'app.yaml': deployment };
  assert.equal(render(files).resources[0].namespace, 'edited');
  assert.equal(render({ ...files, 'kustomization.yaml': 'resources: [app.yaml]\nnamespace: again\n' }).resources[0].namespace, 'again');
});

test('never throws: hostile kustomizations become findings', () => {
  const junk = ['', '---\n---\n', '[1, 2]', 'resources: 7', 'resources: [{a: 1}]', 'patches: [1]', 'patches:\n- patch: "- op: add"\n  target: {kind: X}', 'a: &a [*a]', 'resources: [../../../../etc/passwd]', 'namespace: {x: 1}', '\u0000\u0001', 'patches:\n- patch: "[{\\"op\\": \\"move\\", \\"from\\": \\"/a\\", \\"path\\": \\"/a/b\\"}]"\n  target: {kind: Deployment}', 'configMapGenerator:\n- name: x\n  literals: [nokey, =v]\n  envs: [missing.env]', 'images: [{name: api, newTag: [1]}]', 'replicas: [{name: api, count: x}]'];
  for (const text of junk) {
    const r = render({ 'kustomization.yaml': `resources: [app.yaml]\n${text}\n`, 'app.yaml': deployment });
    for (const f of r.findings) assert.ok(f.span.start >= 0 && f.span.end >= f.span.start, text);
    const r2 = render({ 'kustomization.yaml': text, 'app.yaml': deployment });
    assert.ok(Array.isArray(r2.findings), text);
  }
});

test('overlays that share a base share its trees as read and never change them: each render, in any order and again, gives what a render of its own gives, origins included', () => {
  const base = {
    'base/kustomization.yaml': 'resources:\n- app.yaml\n- list.yaml\nconfigMapGenerator:\n- name: settings\n  literals: [mode=base]\n',
    'base/app.yaml': `${deployment}---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
spec:
  podSelector: {matchLabels: {app: api}}
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: api-read
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: ServiceAccount, name: api}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
`,
    'base/list.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: extra}\n  data: {a: "1"}\n',
  };
  const overlay = (name: string, extra: string) => ({
    [`${name}/kustomization.yaml`]: `resources:\n- ../base\nnamespace: ${name}\nnamePrefix: ${name}-\ncommonLabels:\n  overlay: ${name}\ncommonAnnotations:\n  owner: team-${name}\nlabels:\n- pairs: {tier: ${name}}\n  includeSelectors: true\nreplicas:\n- name: api\n  count: ${name.length}\nconfigMapGenerator:\n- name: settings\n  behavior: merge\n  literals: [mode=${name}]\n${extra}`,
  });
  const files = {
    ...base,
    ...overlay('a', 'images:\n- name: api\n  newTag: "2"\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: api}\n    spec: {template: {spec: {containers: [{name: api, env: [{name: MODE, value: a}]}]}}}\n'),
    ...overlay('bb', 'patches:\n- target: {kind: Service}\n  patch: |-\n    - op: replace\n      path: /spec/ports/0/port\n      value: 8080\n- patch: |-\n    $patch: delete\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: extra}\n'),
  };
  const snapshot = (r: RenderResult) => ({
    yaml: toYamlStream(r.resources),
    findings: r.findings.map((f) => f.message),
    origins: r.resources.map((x) => JSON.stringify([...x.origins()])),
  });
  const alone = (root: string) => snapshot(renderKustomization(sources(files), `${U}/${root}`, { parsed: new Map() }));
  const expected = { a: alone('a'), bb: alone('bb'), base: alone('base') };
  assert.ok(expected.a.yaml.includes('a-api') && expected.a.yaml.includes('image: api:2') && expected.bb.yaml.includes('port: 8080') && !expected.bb.yaml.includes('extra'), 'the overlays change what they share');
  const parsed = new Map();
  for (const root of ['a', 'bb', 'base', 'bb', 'a', 'base', 'a'] as const) {
    assert.deepEqual(snapshot(renderKustomization(sources(files), `${U}/${root}`, { parsed })), expected[root], `${root}, after the renders before it`);
  }
});
