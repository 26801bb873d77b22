// Cluster views: detection, findings traced to their source, merged across views, --cluster.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { main, type Io } from '../../server/src/cli/main';
import { findManifests } from '../../server/src/host/files';
import { layout, plainFiles, detectViews, viewsReport } from '../../server/src/engine/views';
import { ViewRenders } from '../../server/src/host/views';
import { parseFile } from '../../server/src/engine/parse/parse';
import { applyEdits, readConfigFile, resolveConfig } from '../../server/src/engine';
import { repoRoot, tempCopy } from '../support/workspace';

const shop = path.join(repoRoot, 'test/fixtures/views/shop');
const demo = path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo');

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s), cwd };
  const code = await main(args, io);
  return { code, out, err };
}

interface J {
  ruleId: string;
  severity: string;
  message: string;
  file: string;
  range: { start: { line: number; character: number } };
}

async function uris(dir: string): Promise<string[]> {
  return (await findManifests(dir)).map((f) => pathToFileURL(f).toString());
}

/** The views of a folder, analysed from disk, and their report (fixes read the disk too). */
async function viewsIn(dir: string, settings: Parameters<typeof resolveConfig>[0] = {}) {
  const cfg = resolveConfig({ ...settings, rootUri: pathToFileURL(dir).toString() + '/' });
  const read = (u: string) => readFileSync(new URL(u), 'utf8');
  const list = await new ViewRenders().analyze(await Promise.all((await uris(dir)).map(async (u) => parseFile({ uri: u, text: read(u) }, cfg))), cfg, { trusted: false });
  return { list, report: viewsReport(list, [], read) };
}

test('detection on microservices-demo: each Kustomize root and the chart is a view, components are not, the plain manifests are one more', async () => {
  const all = await uris(demo);
  const l = layout(all, (u) => readFileSync(new URL(u), 'utf8'));
  const root = pathToFileURL(demo).toString() + '/';
  // Components and the base are included by others: never roots.
  const renders = new ViewRenders();
  const cfg = resolveConfig({ rootUri: root });
  const views = await renders.analyze(all.map((u) => parseFile({ uri: u, text: readFileSync(new URL(u), 'utf8') }, cfg)), cfg, { trusted: false });
  assert.deepEqual(
    views.map((v) => v.name),
    ['kubernetes-manifests', 'kustomize', 'kustomize/tests/memorystore-with-all-components', 'kustomize/tests/service-mesh-istio-with-all-components', 'kustomize/tests/spanner-with-all-components', 'helm-chart', 'manifests'],
  );
  const plain = views.find((v) => v.name === 'manifests')!.spec.files.map((u) => u.slice(root.length)).sort();
  assert.deepEqual(plain, ['istio-manifests/allow-egress-googleapis.yaml', 'istio-manifests/frontend-gateway.yaml', 'istio-manifests/frontend.yaml', 'release/istio-manifests.yaml', 'release/kubernetes-manifests.yaml']);
  // Files only a kustomization uses (a component's patches) are read by renders, never analysed alone.
  const read = new Set(views.flatMap((v) => [...v.reads]));
  assert.ok(read.has(`${root}kustomize/components/network-policies/network-policy-adservice.yaml`));
  assert.deepEqual(plainFiles(all, l, read).filter((u) => u.includes('/kustomize/')), []);
  assert.deepEqual(detectViews(l, [], root).map((v) => v.name), ['kubernetes-manifests', 'kustomize', 'kustomize/tests/memorystore-with-all-components', 'kustomize/tests/service-mesh-istio-with-all-components', 'kustomize/tests/spanner-with-all-components', 'helm-chart']);
});

test('microservices-demo: no error-level finding in any view, and no finding in a rendered text or a component patch analysed alone', async () => {
  const r = await run(['check', '.', '--format', 'json', '--fail-on', 'error'], demo);
  const found = JSON.parse(r.out) as J[];
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(found.filter((f) => f.file.startsWith('egress-lens-view:')), []);
  // release/istio-manifests.yaml is a generated copy of istio-manifests/: the same objects, identically, in the plain view.
  const copies = found.filter((f) => f.ruleId === 'EL007');
  assert.deepEqual(copies.map((f) => `${f.file}:${f.range.start.line + 1} ${f.severity}`), ['release/istio-manifests.yaml:24 info', 'release/istio-manifests.yaml:67 info', 'release/istio-manifests.yaml:83 info']);
  // Before views, the $patch: delete patch of a component was a schema error (EL002).
  assert.deepEqual(found.filter((f) => f.ruleId === 'EL002' || f.ruleId === 'EL001'), []);
});

test('a finding in a base shows once when the overlays agree, and says in which views when they differ', async () => {
  const r = await run(['check', '.', '--format', 'json'], shop);
  const found = JSON.parse(r.out) as J[];
  const at = (f: J) => `${f.file}:${f.range.start.line + 1} ${f.ruleId}`;
  assert.deepEqual(found.map(at), ['base/deployment.yaml:4 EL101', 'base/deployment.yaml:4 EL104', 'base/deployment.yaml:5 EL102', 'base/policy.yaml:10 EL103']);
  // The prod overlay's patch switches policyTypes to Ingress: its egress rules are ignored there only.
  assert.match(found[3].message, /\[in view overlays\/prod; not in view overlays\/dev\]$/);
  assert.match(found[0].message, /\[in view overlays\/prod; not in view overlays\/dev\]$/);
  assert.match(found[1].message, /\[in view overlays\/dev; not in view overlays\/prod\]$/);
  // Both overlays agree on the namespace without default-deny: shown once, as it is.
  assert.doesNotMatch(found[2].message, /\[in /);
  assert.equal(found.filter((f) => f.ruleId === 'EL102').length, 1);
});

test('--cluster NAME analyses one view; an unknown name is a usage error with the nearest name', async () => {
  const dev = JSON.parse((await run(['check', '.', '--format', 'json', '--cluster', 'overlays/dev'], shop)).out) as J[];
  assert.deepEqual(dev.map((f) => f.ruleId), ['EL104', 'EL102']);
  assert.doesNotMatch(dev[0].message, /\[in /);
  const bad = await run(['check', '.', '--cluster', 'overlays/prd'], shop);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--cluster "overlays\/prd": no such view\. Did you mean "overlays\/prod"\? Views: overlays\/dev, overlays\/prod, manifests/);
});

test('an edit re-renders only the views that read the edited file', async () => {
  const ws = tempCopy(shop);
  try {
    const cfg = resolveConfig({ rootUri: pathToFileURL(ws.dir).toString() + '/' });
    const files = async () => Promise.all((await uris(ws.dir)).map(async (u) => parseFile({ uri: u, text: readFileSync(new URL(u), 'utf8') }, cfg)));
    const renders = new ViewRenders();
    await renders.analyze(await files(), cfg, { trusted: false });
    assert.equal(renders.rendersDone, 2);
    // The prod patch is read by prod only.
    writeFileSync(path.join(ws.dir, 'overlays/prod/policy-types.yaml'), readFileSync(path.join(ws.dir, 'overlays/prod/policy-types.yaml'), 'utf8').replace('[Ingress]', '[Ingress, Egress]'));
    renders.invalidate([ws.uri('overlays/prod/policy-types.yaml')]);
    const after = await renders.analyze(await files(), cfg, { trusted: false });
    assert.equal(renders.rendersDone, 1);
    assert.deepEqual(after.find((v) => v.name === 'overlays/prod')!.findings.map((f) => f.ruleId), ['EL104', 'EL102']);
    // A base file: both overlays render again, reading the base's files from disk once for both.
    renders.invalidate([ws.uri('base/policy.yaml')]);
    const both = await renders.analyze(await files(), cfg, { trusted: false });
    assert.equal(renders.rendersDone, 2);
    const perRender = both.filter((v) => v.name.startsWith('overlays/')).map((v) => [...v.reads].filter((u) => /\.ya?ml$/.test(u) && !u.endsWith('kustomization.yaml')));
    const shared = perRender[0].filter((u) => perRender[1].includes(u));
    assert.ok(shared.length > 0, 'the overlays share base files');
    assert.equal(renders.filesRead, new Set([...renders.texts()].map(([u]) => u)).size, 'each file once');
    // An unrelated plain manifest: nothing is rendered.
    renders.invalidate([ws.uri('extra/namespace.yaml')]);
    await renders.analyze(await files(), cfg, { trusted: false });
    assert.equal(renders.rendersDone, 0);
  } finally {
    ws.cleanup();
  }
});

test("the renders read the workspace's own parse of each file; an edit that moves a kept document moves the origins of what it wrote", async () => {
  const ws = tempCopy(shop);
  try {
    const cfg = resolveConfig({ rootUri: pathToFileURL(ws.dir).toString() + '/' });
    const policy = ws.uri('base/policy.yaml');
    const policyText = readFileSync(new URL(policy), 'utf8');
    const withConfigMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\n---\n${policyText}`;
    writeFileSync(new URL(policy), withConfigMap('c'));
    const parsed = new Map(await Promise.all((await uris(ws.dir)).map(async (u) => [u, parseFile({ uri: u, text: readFileSync(new URL(u), 'utf8') }, cfg)] as const)));
    const renders = new ViewRenders();
    await renders.analyze([...parsed.values()], cfg, { trusted: false });
    assert.equal(renders.parseOf(policy), parsed.get(policy), 'parsed once, by the workspace');
    // The ConfigMap's name grows: the workspace keeps the policy's document, moved; the renders read the new parse.
    const before = parsed.get(policy)!;
    const text = withConfigMap('a-much-longer-name');
    writeFileSync(new URL(policy), text);
    const after = parseFile({ uri: policy, text }, cfg, before);
    assert.equal(after.documents[1], before.documents[1], 'the policy document is kept (moved)');
    parsed.set(policy, after);
    renders.invalidate([policy]);
    const views = await renders.analyze([...parsed.values()], cfg, { trusted: false });
    assert.equal(renders.parseOf(policy), after);
    const dev = views.find((v) => v.name === 'overlays/dev')!;
    const np = [...dev.renderedUris.values()].flatMap((r) => r.resources ?? []).find((r) => r.kind === 'NetworkPolicy')!;
    for (const [path, want] of [[['metadata', 'name'], 'api-egress'], [['spec', 'egress', 0, 'to', 0, 'ipBlock', 'cidr'], '10.0.0.0/8']] as const) {
      const at = np.originAt(path).value;
      assert.equal(at.uri, policy);
      assert.equal(text.slice(at.span.start, at.span.end), want, path.join('.'));
    }
  } finally {
    ws.cleanup();
  }
});

test('clusters: in .egress-lens.yaml is validated (EL006 with "did you mean") and declares the views', async () => {
  const text = 'clusters:\n  prod:\n    kustomise: [overlays/prod]\n  dev:\n    kustomize: [overlays/dev]\n    helm: [{chart: charts/shop, namespace: Shop}]\n';
  const r = readConfigFile('file:///w/.egress-lens.yaml', text);
  const messages = r.problems.map((p) => `${text.slice(p.span.start, p.span.end)}: ${p.message}`);
  assert.deepEqual(messages, ['kustomise: Configuration: Unknown setting "clusters.prod.kustomise". Did you mean "kustomize"?', 'Shop: Configuration: clusters.dev.helm.0.namespace must match pattern "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$".']);
  const ws = tempCopy(shop);
  try {
    writeFileSync(path.join(ws.dir, '.egress-lens.yaml'), 'clusters:\n  prod:\n    kustomize: [overlays/prod]\n    files: ["extra/*.yaml"]\n');
    const found = JSON.parse((await run(['check', '.', '--format', 'json'], ws.dir)).out) as J[];
    // Only the declared view: prod with the plain namespace (the namespace is declared, so EL102 names it there).
    assert.deepEqual(found.map((f) => `${f.file} ${f.ruleId}`), ['base/deployment.yaml EL101', 'base/policy.yaml EL103', 'extra/namespace.yaml EL102']);
    assert.ok(found.every((f) => !f.message.includes('[in ')));
  } finally {
    ws.cleanup();
  }
});

test('reach, explain and render take --cluster; without it every view is listed under its name', async () => {
  const all = await run(['reach'], shop);
  assert.equal(all.code, 0, all.err);
  assert.deepEqual(all.out.split('\n').filter((l) => l.startsWith('# view')), ['# view overlays/dev', '# view overlays/prod', '# view manifests']);
  const dev = await run(['reach', '--cluster', 'overlays/dev', '--focus', 'shop/api', '--direction', 'egress'], shop);
  assert.equal(dev.out, 'shop/api[Deployment] => 10.0.0.0-10.255.255.255[External] : TCP 443\n');
  const prod = await run(['explain', '--cluster', 'overlays/prod', '--from', 'shop/api', '--to', '192.0.2.1', '--port', '80'], shop);
  assert.match(prod.out, /TCP 80: ALLOWED/);
  assert.match(prod.out, /no policy restricts it/);
  // In dev the rule decides, at the line of the base that wrote it (not the rendered text): its `- to:`.
  const why = await run(['explain', '--cluster', 'overlays/dev', '--from', 'shop/api', '--to', '10.1.1.1', '--port', '443'], shop);
  assert.match(why.out, /allowed by rule NetworkPolicy shop\/api-egress, spec\.egress\[0\]\n {6}at base\/policy\.yaml:11:5\n/);
  const rendered = await run(['render', '--cluster', 'overlays/dev', '--format', 'json'], shop);
  assert.equal(rendered.code, 0, rendered.err);
  const objs = JSON.parse(rendered.out) as { kind: string; metadata: { labels?: Record<string, string> } }[];
  assert.deepEqual(objs.map((o) => `${o.kind} ${o.metadata.labels?.env}`), ['Deployment dev', 'NetworkPolicy dev']);
});

test('fixes of traced findings edit the file that owns the node: the overlay\'s patch (only prod reads it: no sharing warning), a shared base (says so, unsafe); re-analysed, the finding is gone', async () => {
  const ws = tempCopy(shop);
  try {
    const analyse = async () => (await viewsIn(ws.dir)).report;
    let report = await analyse();
    const first = report;
    const el103 = report.findings.find((f) => f.ruleId === 'EL103')!;
    const [fix] = report.fixes(el103);
    // Egress rules that omit DNS: switching them on may block traffic, so the fix is not safe.
    assert.equal(fix.title, 'Add Egress to policyTypes');
    assert.equal(fix.safety, 'unsafe');
    assert.deepEqual(fix.edits.map((e) => e.uri), [ws.uri('overlays/prod/policy-types.yaml')]);
    const patch = path.join(ws.dir, 'overlays/prod/policy-types.yaml');
    const before = readFileSync(patch, 'utf8');
    writeFileSync(patch, applyEdits(before, fix.edits));
    // Only the policyTypes line of the patch changed.
    assert.deepEqual(readFileSync(patch, 'utf8').split('\n').filter((l, i) => l !== before.split('\n')[i]), ['  policyTypes: [Ingress, Egress]']);
    report = await analyse();
    assert.deepEqual(report.findings.filter((f) => f.ruleId === 'EL103'), []);

    // DNS for the api: its policy is in the base both overlays use. Before, only dev restricted the api's
    // egress: the fix was for dev, in a file prod reads too.
    const [dnsBefore] = first.fixes(first.findings.find((f) => f.ruleId === 'EL104')!);
    assert.equal(dnsBefore.safety, 'unsafe');
    assert.match(dnsBefore.title, /\(in a file shared with overlays\/prod\)$/);
    // Now both views miss DNS alike: the same fix is meant for both, so it is as safe as in one file.
    const el104 = report.findings.find((f) => f.ruleId === 'EL104')!;
    assert.deepEqual(el104.data?.views, ['overlays/dev', 'overlays/prod']);
    const [dns] = report.fixes(el104);
    assert.equal(dns.safety, 'safe');
    assert.equal(dns.title, dnsBefore.title.replace(' (in a file shared with overlays/prod)', ''));
    assert.deepEqual(dns.edits.map((e) => e.uri), [ws.uri('base/policy.yaml')]);
    const base = path.join(ws.dir, 'base/policy.yaml');
    writeFileSync(base, applyEdits(readFileSync(base, 'utf8'), dns.edits));
    report = await analyse();
    assert.deepEqual(report.findings.filter((f) => f.ruleId === 'EL104'), []);
  } finally {
    ws.cleanup();
  }
});

test('a fix that adds a resource in a Kustomize view appends it to a resource file the view reads: the view\'s own file first, a shared base saying so; re-analysed, the finding is gone in that view and nothing else changes', async () => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/deny'));
  try {
    const read = (u: string) => readFileSync(new URL(u), 'utf8');
    const analyse = async () => {
      const { list, report } = await viewsIn(ws.dir);
      const byView = new Map(list.map((v) => [v.name, v.findings.map((f) => `${f.uri.slice(ws.uri('').length)}:${f.span.start} ${f.ruleId}`).sort()]));
      return { report, byView };
    };
    const apply = (edits: readonly { uri: string; start: number; end: number; newText: string }[]) => {
      for (const uri of new Set(edits.map((e) => e.uri))) writeFileSync(new URL(uri), applyEdits(read(uri), edits.filter((e) => e.uri === uri)));
    };
    const before = await analyse();
    const dev = before.report.findings.find((f) => f.ruleId === 'EL102' && f.uri === ws.uri('overlays/dev/kustomization.yaml'))!;
    const [fix] = before.report.fixes(dev);
    // dev's own resource file holds namespace shop's resources there: the policy goes in it, without a
    // namespace of its own (the kustomization's `namespace:` gives it, as it gives the worker's).
    assert.equal(fix.title, 'Add default-deny egress policy for namespace shop (allows DNS)');
    assert.equal(fix.safety, 'unsafe');
    assert.deepEqual(fix.edits.map((e) => e.uri), [ws.uri('overlays/dev/worker.yaml')]);
    const worker = read(ws.uri('overlays/dev/worker.yaml'));
    apply(fix.edits);
    const added = read(ws.uri('overlays/dev/worker.yaml'));
    assert.ok(added.startsWith(`${worker}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\nspec:\n  podSelector: {}\n`), added);
    const after = await analyse();
    // In dev the namespace is locked down (EL101 of its workloads and EL102 go); prod is as it was.
    assert.deepEqual(after.byView.get('overlays/dev'), []);
    assert.deepEqual(after.byView.get('overlays/prod'), before.byView.get('overlays/prod'));
    assert.deepEqual(after.byView.get('manifests'), before.byView.get('manifests'));

    // In prod the namespace's only resource file is the base dev reads too: the fix says so.
    const prod = after.report.findings.find((f) => f.ruleId === 'EL102')!;
    const [shared] = after.report.fixes(prod);
    assert.equal(shared.title, 'Add default-deny egress policy for namespace shop (allows DNS) (in a file shared with overlays/dev)');
    assert.equal(shared.safety, 'unsafe');
    assert.deepEqual(shared.edits.map((e) => e.uri), [ws.uri('base/api.yaml')]);
  } finally {
    ws.cleanup();
  }
});

test('a finding several views share gets its new resource in a file they all read, and is not told it is shared with them', async () => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/deny'));
  try {
    const { report } = await viewsIn(ws.dir);
    const api = report.findings.find((f) => f.ruleId === 'EL101' && f.uri === ws.uri('base/api.yaml'))!;
    assert.deepEqual(api.data?.views, ['overlays/dev', 'overlays/prod']);
    const [fix] = report.fixes(api);
    assert.deepEqual(fix.edits.map((e) => e.uri), [ws.uri('base/api.yaml')]);
    assert.equal(fix.title, 'Add default-deny egress policy for namespace shop (allows DNS)');
  } finally {
    ws.cleanup();
  }
});

test('with insertNewResources: newFile, a resource added in a view still goes to a file its kustomization lists (a new file would not be read)', async () => {
  const ws = tempCopy(path.join(repoRoot, 'test/fixtures/views/deny'));
  try {
    const { report } = await viewsIn(ws.dir, { insertNewResources: 'newFile' });
    const dev = report.findings.find((f) => f.ruleId === 'EL102' && f.uri === ws.uri('overlays/dev/kustomization.yaml'))!;
    const [fix] = report.fixes(dev);
    assert.deepEqual(fix.edits.map((e) => `${e.uri} ${e.create ?? false}`), [`${ws.uri('overlays/dev/worker.yaml')} false`]);
    assert.match(fix.edits[0].newText, /^---\napiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\n/);
  } finally {
    ws.cleanup();
  }
});
