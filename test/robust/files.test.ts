/**
 * What the CLI and the language server read from disk: regular files only. A named pipe, a socket or a
 * device named like a manifest or like `.egress-lens.yaml` is reported (EL004, EL006), never read, so it
 * cannot hang either process or hold the server's indexing; the settings file is read up to a size; a file
 * that cannot be read is reported and the rest is checked; a file reached by two paths is read once.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileIndexer, type IndexerHost } from '../../server/src/lsp/indexing';
import { newFolders } from '../../server/src/host/files';
import type { Indexing } from '../../server/src/lsp/features';
import { LspClient } from '../support/lsp-client';
import { repoRoot } from '../support/workspace';
import { deployment } from '../support/manifests';

interface Finding {
  ruleId: string;
  severity: string;
  file: string;
  message: string;
}

function folder(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function mkfifo(file: string): void {
  const r = spawnSync('mkfifo', [file]);
  assert.equal(r.status, 0, `mkfifo: ${r.stderr}`);
}

/** A Unix socket at `file`, closed when the test ends. */
async function socketAt(t: { after: (fn: () => Promise<void>) => void }, file: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

function check(args: string[], cwd: string, uid?: number) {
  // The timeout guards against a hang (the failure this file is about); it is never how a test waits.
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'check', ...args, '--format', 'json'], { cwd, encoding: 'utf8', timeout: 30_000, uid });
  assert.notEqual(r.signal, 'SIGTERM', 'the CLI hung');
  return { code: r.status, findings: r.stdout ? (JSON.parse(r.stdout) as Finding[]) : [], stderr: r.stderr };
}

const notices = (findings: Finding[]) => findings.filter((f) => f.ruleId === 'EL004' || f.ruleId === 'EL006').map((f) => `${f.ruleId} ${f.severity} ${f.file}: ${f.message}`);

test('CLI: a named pipe, a socket and a device named *.yaml are reported (EL004), never read; the other files are checked', async (t) => {
  const dir = folder(t, { 'app.yaml': deployment('app') });
  mkfifo(path.join(dir, 'pipe.yaml'));
  await socketAt(t, path.join(dir, 'sock.yaml'));
  symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
  const r = check(['app.yaml', 'pipe.yaml', 'sock.yaml', 'zero.yaml'], dir);
  assert.equal(r.stderr, '');
  assert.deepEqual(notices(r.findings), [
    'EL004 warning pipe.yaml: File not analysed: it is a named pipe (FIFO), not a regular file.',
    'EL004 warning sock.yaml: File not analysed: it is a socket, not a regular file.',
    'EL004 warning zero.yaml: File not analysed: it is a character device, not a regular file.',
  ]);
  assert.ok(r.findings.some((f) => f.ruleId === 'EL101' && f.file === 'app.yaml'));
  assert.equal(r.code, 1);
  // Found in a folder: the same (a folder scan lists regular files only, so only the linked device is met through its name).
  const inFolder = check(['.'], dir);
  assert.ok(inFolder.findings.some((f) => f.ruleId === 'EL101' && f.file === 'app.yaml'));
});

test('CLI: a named pipe or an oversized file as .egress-lens.yaml is EL006 and the defaults apply; with --config it is an I/O error', (t) => {
  const dir = folder(t, { 'app.yaml': deployment('app') });
  mkfifo(path.join(dir, '.egress-lens.yaml'));
  const pipe = check(['.'], dir);
  assert.deepEqual(notices(pipe.findings), ['EL006 error .egress-lens.yaml: Configuration not applied: it is a named pipe (FIFO), not a regular file.']);
  assert.ok(pipe.findings.some((f) => f.ruleId === 'EL101' && f.file === 'app.yaml'));
  const explicit = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'check', '.', '--config', '.egress-lens.yaml'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(explicit.status, 2);
  assert.equal(explicit.stderr, 'egress-lens: .egress-lens.yaml: it is a named pipe (FIFO), not a regular file\n');
  rmSync(path.join(dir, '.egress-lens.yaml'));
  writeFileSync(path.join(dir, '.egress-lens.yaml'), `rules: {EL101: "off"}\n#${'x'.repeat(1024 * 1024)}\n`);
  const large = check(['app.yaml'], dir);
  assert.deepEqual(notices(large.findings), [`EL006 error .egress-lens.yaml: Configuration not applied: it is ${1024 * 1024 + 24} bytes, more than the 1048576 read at most.`]);
  assert.ok(large.findings.some((f) => f.ruleId === 'EL101'), 'the settings in it do not apply');
});

test('CLI: one unreadable file is reported (EL004) and the rest is checked; exit 2 only when nothing could be read', (t) => {
  const dir = folder(t, { 'app.yaml': deployment('app'), 'secret.yaml': deployment('secret') });
  chmodSync(path.join(dir, 'secret.yaml'), 0o000);
  chmodSync(dir, 0o755);
  // root reads anything: run as an unprivileged user when we are root.
  const uid = process.getuid?.() === 0 ? 65534 : undefined;
  const r = check(['.'], dir, uid);
  assert.equal(r.stderr, '');
  assert.deepEqual(notices(r.findings), ['EL004 warning secret.yaml: File not analysed: it cannot be read (EACCES).']);
  assert.deepEqual(r.findings.filter((f) => f.ruleId === 'EL101').map((f) => f.file), ['app.yaml']);
  assert.equal(r.code, 1);
  // A folder that cannot be listed may hide manifests: it is reported too.
  mkdirSync(path.join(dir, 'locked'));
  writeFileSync(path.join(dir, 'locked', 'hidden.yaml'), deployment('hidden'));
  chmodSync(path.join(dir, 'locked'), 0o000);
  const withFolder = check(['.'], dir, uid);
  assert.deepEqual(notices(withFolder.findings), ['EL004 warning locked: File not analysed: it is a folder that cannot be read (EACCES).', 'EL004 warning secret.yaml: File not analysed: it cannot be read (EACCES).']);
  chmodSync(path.join(dir, 'locked'), 0o755);
  const none = check(['secret.yaml'], dir, uid);
  assert.equal(none.code, 2);
  assert.equal(none.stderr, 'egress-lens: nothing could be read: secret.yaml: it cannot be read (EACCES)\n');
});

test('CLI: a file reached by two paths (named twice, through a linked folder) is read once', (t) => {
  // A syntax error is reported once per file read: a file read twice would show it twice.
  const dir = folder(t, { 'k8s/app.yaml': 'kind: [\n' });
  symlinkSync(path.join(dir, 'k8s'), path.join(dir, 'linked'));
  const r = check(['k8s', 'k8s/app.yaml', './k8s/../k8s/app.yaml', 'linked', 'linked/app.yaml'], dir);
  assert.deepEqual(r.findings.filter((f) => f.ruleId === 'EL001').map((f) => f.file), ['k8s/app.yaml']);
});

test('language server: a named pipe as .egress-lens.yaml or as a changed *.yaml never holds indexing; both are reported', async (t) => {
  const dir = folder(t, { 'app.yaml': deployment('app') });
  mkfifo(path.join(dir, '.egress-lens.yaml'));
  const client = new LspClient();
  t.after(() => client.shutdown());
  const uri = (rel: string) => pathToFileURL(path.join(dir, rel)).toString();
  await client.initialize(uri(''));
  const app = await client.waitForDiagnostics(uri('app.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL101'));
  assert.ok(app.diagnostics.length > 0, 'the workspace is indexed');
  // (The folder scan lists regular files only: the pipe is not a manifest to index, only the settings it should hold are missing.)
  const config = await client.waitForDiagnostics(uri('.egress-lens.yaml'));
  assert.deepEqual(config.diagnostics.map((d) => `${d.code} ${d.message}`), ['EL006 Configuration not applied: it is a named pipe (FIFO), not a regular file.']);
  // A pipe named like a manifest appears, then a real file: the pipe is reported, the file is read.
  mkfifo(path.join(dir, 'pipe.yaml'));
  writeFileSync(path.join(dir, 'later.yaml'), deployment('later'));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uri('pipe.yaml'), type: 1 }, { uri: uri('later.yaml'), type: 1 }] });
  const pipe = await client.waitForDiagnostics(uri('pipe.yaml'));
  assert.deepEqual(pipe.diagnostics.map((d) => `${d.code} ${d.severity} ${d.message}`), ['EL004 2 File not analysed: it is a named pipe (FIFO), not a regular file.']);
  await client.waitForDiagnostics(uri('later.yaml'), (p) => p.diagnostics.some((d) => d.code === 'EL101'));
});

test('indexer: a read that never returns holds neither its batch nor the queue; the file is reported as stalled', async () => {
  const applied: string[] = [];
  let drained!: () => void;
  const done = new Promise<void>((resolve) => (drained = resolve));
  const progress: Indexing = { cancelled: false, found: () => undefined, indexed: () => undefined, done: () => undefined };
  const host: IndexerHost = {
    // `hung` never answers, as a read from a hung file system.
    read: (p) => (p === 'hung' ? new Promise<string>(() => undefined) : Promise.resolve(`text of ${p}`)),
    stalled: (p, ms) => `stalled ${p} after ${ms} ms`,
    apply: (uri, text) => applied.push(`${uri}: ${text}`),
    isOpen: () => false,
    progress: async () => progress,
    drained: () => drained(),
    failed: (uri, e) => applied.push(`failed ${uri}: ${String(e)}`),
  };
  const indexer = new FileIndexer(host, { batch: 2, readTimeout: 50 });
  indexer.add(['a', 'hung', 'b', 'c'].map((p) => ({ uri: p, path: p, deleted: false })));
  await done;
  assert.deepEqual(applied.sort(), ['a: text of a', 'b: text of b', 'c: text of c', 'hung: stalled hung after 50 ms']);
});

test('newFolders: the outermost folder new to the workspace above each created file, inside a root, never a skipped folder', () => {
  const root = path.join(path.sep, 'ws');
  const known = [path.join(root, 'shop/web.yaml'), path.join(root, 'views/base/policy.yaml')];
  const created = [
    path.join(root, 'views/overlays/prod/kustomization.yaml'),
    path.join(root, 'views/overlays/dev/kustomization.yaml'),
    path.join(root, 'shop/api.yaml'), // a known folder: nothing to read again
    path.join(root, 'node_modules/pkg/deploy.yaml'), // skipped by the scan, so here too
    path.join(path.sep, 'elsewhere/new/a.yaml'), // outside every root
    path.join(root, 'team/a/b/c.yaml'),
  ];
  assert.deepEqual(newFolders(created, known, [root]), [path.join(root, 'team'), path.join(root, 'views/overlays')]);
  assert.deepEqual(newFolders([path.join(root, 'top.yaml')], known, [root]), [], 'a file at the root is reported with the root');
});
