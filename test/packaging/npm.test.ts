// The npm package: `npm pack` gives a small tarball with the two bundles, and a fresh project installs it
// offline (an empty cache and an unreachable registry: the bundles have no runtime dependencies) and
// runs `npx egress-lens check .` and `npx egress-lens-language-server`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  PublishDiagnosticsNotification,
  type InitializeResult,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { repoRoot, examplesDir } from '../support/workspace';
import { npmEnv } from '../support/npm';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

const show = (r: SpawnSyncReturns<string>): string => `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

test('npm pack: a small tarball that installs offline and runs the CLI and the language server', { timeout: 180_000 }, async (t) => {
  for (const bin of Object.values(pkg.bin)) assert.ok(existsSync(path.join(repoRoot, bin)), `${bin} is missing: run node esbuild.mjs first`);
  const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'egress-lens-npm-')));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const env = npmEnv(tmp);

  // Pack what was built (prepack would rebuild dist/, which other test processes may be reading).
  const packDir = path.join(tmp, 'pack');
  mkdirSync(packDir);
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], repoRoot, env);
  assert.equal(packed.status, 0, show(packed));
  const [info] = JSON.parse(packed.stdout) as PackResult[];
  const tarball = path.join(packDir, info.filename);
  const size = statSync(tarball).size;
  console.log(`npm tarball ${info.filename}: ${(size / 1024).toFixed(1)} KiB packed, ${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${info.files.length} files`);

  await t.test('the tarball holds the bundles, the rule pages and the metadata, nothing else', () => {
    const files = info.files.map((f) => f.path).sort();
    const allowed = (f: string): boolean =>
      ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cli.js', 'dist/server.js', 'schemas/egress-lens-config.json'].includes(f) ||
      /^docs\/rules\/[^/]+\.md$/.test(f);
    assert.deepEqual(files.filter((f) => !allowed(f)), [], 'unexpected files in the tarball');
    for (const f of ['dist/cli.js', 'dist/server.js', 'docs/rules/EL103.md', 'README.md', 'LICENSE', 'CHANGELOG.md']) assert.ok(files.includes(f), `${f} is missing`);
    assert.ok(size < 1024 * 1024, `the tarball is ${size} bytes`);
  });

  // A fresh project installs the tarball with no registry at all.
  const project = path.join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'egress-lens-user', version: '1.0.0', private: true }));
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project, env);
  assert.equal(install.status, 0, show(install));
  const installed = path.join(project, 'node_modules', pkg.name);
  assert.ok(existsSync(path.join(installed, 'dist/cli.js')));
  assert.deepEqual(JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')).dependencies ?? {}, {}, 'the package has no runtime dependencies');

  const workspace = path.join(project, 'examples');
  cpSync(examplesDir, workspace, { recursive: true });

  await t.test('npx egress-lens check . finds the examples\' problems (exit 1), exactly as the built CLI does', () => {
    const r = run('npx', ['egress-lens', 'check', '.'], workspace, env);
    assert.equal(r.status, 1, show(r));
    assert.match(r.stdout, /^shop\/foo-deny-egress\.yaml:14:3: error: .*\[EL103 ignored-egress-rules\]$/m);
    assert.match(r.stdout, /^\d+ problems \(/m);
    const built = run(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'check', '.'], workspace, env);
    assert.equal(r.stdout, built.stdout);
  });

  await t.test('npx egress-lens --version and npx egress-lens-language-server --version', () => {
    for (const bin of ['egress-lens', 'egress-lens-language-server']) {
      const r = run('npx', [bin, '--version'], project, env);
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout.trim(), pkg.version, bin);
    }
  });

  await t.test('egress-lens-language-server --stdio: diagnostics link to the rule pages it ships', async () => {
    const bin = path.join(project, 'node_modules/.bin/egress-lens-language-server');
    const child = spawn(bin, ['--stdio'], { cwd: project, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const uri = pathToFileURL(path.join(workspace, 'shop/foo-deny-egress.yaml')).toString();
    const published = new Promise<PublishDiagnosticsParams>((resolve) =>
      conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
        if (p.uri === uri && p.version === 1) resolve(p);
      }),
    );
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    conn.listen();
    try {
      const init = await conn.sendRequest<InitializeResult>('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(workspace).toString(),
        workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'examples' }],
        capabilities: {},
      });
      assert.equal(init.serverInfo?.name, 'egress-lens');
      await conn.sendNotification('initialized', {});
      const text = readFileSync(path.join(workspace, 'shop/foo-deny-egress.yaml'), 'utf8');
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
      const { diagnostics } = await published;
      const el103 = diagnostics.find((d) => d.code === 'EL103');
      assert.ok(el103, JSON.stringify(diagnostics));
      const href = el103.codeDescription?.href ?? '';
      assert.ok(href.startsWith('file:') && existsSync(fileURLToPath(href)), `EL103 links to ${href}, which the package does not ship`);
      assert.ok(fileURLToPath(href).startsWith(installed + path.sep), `${href} is not in the installed package`);
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      assert.equal(await exited, 0, stderr);
    } finally {
      conn.dispose();
      child.kill();
    }
  });
});
