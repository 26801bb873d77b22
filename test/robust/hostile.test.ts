/**
 * Hostile and odd input (hostile-inputs.ts) through the engine, the CLI and the language server: each
 * file gets exactly the findings it should, nothing throws, and both processes stay up and answer.
 * Time bounds here are generous safety limits for hostile input, not speed targets.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, checkConfig, readConfigFile, ruleById, type Finding } from '../../server/src/engine';
import { readFixture } from '../support/fixture';
import { LspClient } from '../support/lsp-client';
import { rng } from '../support/random';
import { examplesDir, repoRoot } from '../support/workspace';
import { checkFindings } from './fuzz-check';
import { billionLaughs, expectationProblems, hostileFiles, policyIn, POLICY_FINDINGS, type HostileFile } from './hostile-inputs';

const textOf = (h: HostileFile): string => (Buffer.isBuffer(h.content) ? h.content.toString('utf8') : h.content);
const ms = (since: number): string => `${(performance.now() - since).toFixed(0)} ms`;

function timed<T>(run: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = run();
  return { value, ms: performance.now() - t };
}

test('hostile input, engine: each file alone gets exactly its findings, in bounded time', () => {
  const times: string[] = [];
  for (const h of hostileFiles()) {
    const uri = `file:///ws/${h.file}`;
    const text = textOf(h);
    const { value: a, ms: took } = timed(() => analyze([{ uri, text }]));
    times.push(`${h.file} ${took.toFixed(0)} ms`);
    assert.deepEqual(expectationProblems(a.findings, h), [], h.file);
    assert.deepEqual(checkFindings(a, new Map([[uri, text]]), h.file), [], `${h.file}: findings inside the text`);
    assert.ok(took < 20_000, `${h.file} took ${took.toFixed(0)} ms`);
  }
  console.log(`hostile files, engine: ${times.join(', ')}`);
});

test('alias bombs: billion laughs and one large anchor aliased many times are refused with EL001; ordinary anchors are read', () => {
  const bomb = timed(() => analyze([{ uri: 'file:///bomb.yaml', text: billionLaughs(9) }]));
  assert.deepEqual(bomb.value.findings.map((f) => f.ruleId), ['EL001']);
  assert.match(bomb.value.findings[0].message, /Too many alias expansions .*alias bomb/);
  // 60 aliases of a 200-item anchor: few resolutions (the parser's own count lets them through), 12,000 nodes.
  const wide = `items: &l [${Array(200).fill('1').join(',')}]\n${Array.from({ length: 60 }, (_, i) => `k${i}: *l`).join('\n')}\n`;
  const amplified = analyze([{ uri: 'file:///wide.yaml', text: wide }]);
  assert.deepEqual(amplified.findings.map((f) => f.ruleId), ['EL001'], 'amplification by one large anchor is refused too');
  // Anchors used as people use them: shared labels and ports, well under the limit.
  const ordinary = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: anchors, labels: &labels {app: web, tier: front}}
spec:
  selector: {matchLabels: *labels}
  template:
    metadata: {labels: *labels}
    spec: {containers: [{name: web, image: web:1}]}
`;
  const a = analyze([{ uri: 'file:///ordinary.yaml', text: ordinary }]);
  assert.deepEqual(a.findings.map((f) => f.ruleId).sort(), ['EL101', 'EL102'], 'read like any workload');
  console.log(`alias bomb (9 levels of 9, 387,420,489 strings expanded): EL001 in ${bomb.ms.toFixed(0)} ms`);
});

test('line endings: CRLF and lone CR give the findings of LF for every fixture, and no span splits a line break', () => {
  const root = path.join(repoRoot, 'test/fixtures/rules');
  let files = 0;
  for (const id of readdirSync(root)) {
    if (ruleById.get(id)?.docs.input === 'config') continue;
    for (const name of readdirSync(path.join(root, id)).filter((n) => n.endsWith('.yaml') && !n.startsWith('.'))) {
      const lf = readFixture(readFileSync(path.join(root, id, name), 'utf8')).text;
      if (lf.includes('\r')) continue;
      files++;
      const uri = `file:///fx/${id}/${name}`;
      const expected = analyze([{ uri, text: lf }]).findings.map((f) => `${f.ruleId} ${lf.slice(f.span.start, f.span.end)}`);
      for (const [eol, label] of [['\r\n', 'CRLF'], ['\r', 'CR']] as const) {
        const text = lf.replace(/\n/g, eol);
        const a = analyze([{ uri, text }]);
        assert.deepEqual(checkFindings(a, new Map([[uri, text]]), `${id}/${name} ${label}`), []);
        // The same findings on the same text (line breaks aside).
        const got = a.findings.map((f) => `${f.ruleId} ${text.slice(f.span.start, f.span.end).replace(/\r\n?/g, '\n')}`);
        assert.deepEqual(got, expected, `${id}/${name} with ${label} line endings`);
      }
    }
  }
  assert.ok(files > 50, `${files} fixtures`);
});

test('a byte order mark changes nothing but the offsets', () => {
  const text = policyIn('bom');
  const plain = analyze([{ uri: 'file:///a.yaml', text }]).findings;
  const bom = analyze([{ uri: 'file:///a.yaml', text: '\uFEFF' + text }]).findings;
  assert.deepEqual(
    bom.map((f) => [f.ruleId, f.message, f.span.start - 1, f.span.end - 1]),
    plain.map((f) => [f.ruleId, f.message, f.span.start, f.span.end]),
  );
  assert.deepEqual(plain.map((f) => f.ruleId).sort(), POLICY_FINDINGS);
});

test('the output does not depend on the order the files come in', () => {
  // A named port no destination declares: the message names the first destinations, from several files.
  const deployments = ['api', 'db', 'cache', 'queue'].map((name) => ({
    uri: `file:///ws/${name}.yaml`,
    text: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: x}]}\n`,
  }));
  const policy = { uri: 'file:///ws/policy.yaml', text: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {}}]\n    ports: [{port: https}]\n' };
  const examples = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ uri: pathToFileURL(path.join(examplesDir, f)).toString(), text: readFileSync(path.join(examplesDir, f), 'utf8') }));
  const files = [...examples, ...deployments, policy];
  const signature = (fs: Finding[]) => JSON.stringify(fs.map((f) => [f.ruleId, f.uri, f.span, f.message, f.related ?? null]));
  const first = signature(analyze(files).findings);
  const r = rng(7);
  for (let k = 0; k < 8; k++) {
    const shuffled = files.map((f) => [r(), f] as const).sort((x, y) => x[0] - y[0]).map(([, f]) => f);
    assert.equal(signature(analyze(shuffled).findings), first, `order ${shuffled.map((f) => path.basename(f.uri)).join(', ')}`);
  }
});

test('a policy with 2,000 egress rules is analysed in bounded time', () => {
  const rules = Array.from({ length: 2000 }, (_, i) => `  - to: [{ipBlock: {cidr: 10.${i >> 8}.${i & 255}.0/24}}]\n    ports: [{port: ${1 + i}}]`).join('\n');
  const text = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: wide, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n${rules}\n`;
  const { value: a, ms: took } = timed(() => analyze([{ uri: 'file:///wide.yaml', text }]));
  assert.ok(!a.findings.some((f) => /Internal error/.test(f.message)));
  assert.ok(took < 60_000, `took ${took.toFixed(0)} ms`);
  console.log(`a policy with 2,000 rules (${(text.length / 1024).toFixed(0)} KB): ${took.toFixed(0)} ms`);
});

test('maxFileSize: over the limit a file is skipped with EL004; the setting moves the limit and is checked', () => {
  const text = policyIn('size');
  const over = analyze([{ uri: 'file:///a.yaml', text }], { maxFileSize: 1024 });
  assert.deepEqual(over.findings.map((f) => f.ruleId), ['EL004']);
  assert.match(over.findings[0].message, new RegExp(`${text.length} characters is above the limit of 1024 \\(setting maxFileSize\\)`));
  assert.deepEqual(analyze([{ uri: 'file:///a.yaml', text }], { maxFileSize: 4096 }).findings.map((f) => f.ruleId).sort(), POLICY_FINDINGS);
  const file = readConfigFile('file:///ws/.egress-lens.yaml', 'maxFileSize: 2048\n');
  assert.deepEqual(file, { config: { maxFileSize: 2048 }, problems: [] });
  for (const bad of [12, 1e12, -1, 'big', 1.5]) {
    const checked = checkConfig({ maxFileSize: bad });
    assert.deepEqual(checked.config, {}, `maxFileSize: ${bad} is not taken`);
    assert.match(checked.problems.map((p) => p.message).join(' '), /maxFileSize/, `maxFileSize: ${bad} is reported`);
  }
});

test('the YAML parser never writes to the process (complex keys used to warn on stderr)', async () => {
  const warnings: string[] = [];
  const listener = (w: Error) => warnings.push(w.message);
  process.on('warning', listener);
  try {
    analyze([{ uri: 'file:///k.yaml', text: '? [a, b]\n: 1\n? {c: d}\n: 2\n' }]);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  assert.deepEqual(warnings, []);
});

/** The hostile files on disk, in a fresh folder. */
function hostileWorkspace(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-hostile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const h of hostileFiles()) {
    mkdirSync(path.dirname(path.join(dir, h.file)), { recursive: true });
    writeFileSync(path.join(dir, h.file), h.content);
  }
  return dir;
}

test('hostile input, CLI: check and reach answer over the whole folder, each file with its findings', (t) => {
  const dir = hostileWorkspace(t);
  const cli = path.join(repoRoot, 'dist/cli.js');
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  const took = ms(started);
  assert.equal(r.error, undefined);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 1, 'findings at warning or above');
  const findings = JSON.parse(r.stdout) as { ruleId: string; message: string; file: string }[];
  for (const h of hostileFiles()) {
    // JSON schemas are not Kubernetes JSON: the CLI does not read them at all.
    const mine = findings.filter((f) => f.file === h.file);
    assert.deepEqual(expectationProblems(mine, { ...h, expect: h.inViews ?? h.expect }), [], h.file);
  }
  const reach = spawnSync(process.execPath, [cli, 'reach', '.'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(reach.status, 0, reach.stderr);
  assert.match(reach.stdout, /=>/);
  console.log(`hostile files, CLI check: ${took}`);
});

test('hostile input, language server: it indexes the folder, publishes each file\'s findings, takes a 20 MB buffer and still answers', async (t) => {
  const dir = hostileWorkspace(t);
  const client = new LspClient();
  t.after(() => client.shutdown());
  const uri = (rel: string) => pathToFileURL(path.join(dir, rel)).toString();
  const started = performance.now();
  await client.initialize(pathToFileURL(dir).toString());
  const inViews = (h: ReturnType<typeof hostileFiles>[number]) => ({ ...h, expect: h.inViews ?? h.expect });
  const expected = hostileFiles().map(inViews).filter((h) => h.expect.length > 0);
  for (const h of expected) {
    // The views' analysis follows the first one: wait until the file has what it expects.
    const published = await client.waitForDiagnostics(uri(h.file), (p) => expectationProblems(p.diagnostics.map((d) => ({ ruleId: String(d.code), message: String(d.message) })), h).length === 0);
    const got = published.diagnostics.map((d) => ({ ruleId: String(d.code), message: String(d.message) }));
    assert.deepEqual(expectationProblems(got, h), [], h.file);
  }
  const indexed = ms(started);
  // Files without findings get none (answering a request flushes any pending publication first).
  await client.connection.sendRequest('egressLens/namespaces');
  for (const h of hostileFiles().map(inViews).filter((x) => x.expect.length === 0)) assert.deepEqual(client.latest(uri(h.file))?.diagnostics ?? [], [], h.file);
  // A 20 MB buffer typed into the editor: skipped with a notice, and the server answers right after.
  const huge = hostileFiles().find((h) => h.file === 'huge.yaml')!;
  const bufferUri = uri('huge-buffer.yaml');
  const opened = performance.now();
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: bufferUri, languageId: 'yaml', version: 1, text: textOf(huge) } });
  const notice = await client.waitForDiagnostics(bufferUri, (p) => p.version === 1);
  assert.deepEqual(notice.diagnostics.map((d) => d.code), ['EL004']);
  // The plain manifests (bom.yaml among them) are the view `manifests`; requests answer for the active view.
  await client.connection.sendRequest('egressLens/setView', { name: 'manifests' });
  const namespaces = await client.connection.sendRequest<{ name: string }[]>('egressLens/namespaces');
  assert.ok(namespaces.some((n) => n.name === 'bom'));
  assert.equal(client.process.exitCode, null, 'the server is still running');
  console.log(`hostile files, server: indexed and published in ${indexed}; a 20 MB buffer answered in ${ms(opened)}`);
});
