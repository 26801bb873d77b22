/**
 * The CLI and the language server, run inside a sandbox (sandbox.ts, a `--require` preload) that takes
 * away the network, programs, disk writes and module loading and records every attempt:
 *   - no network at run time (sockets, DNS, HTTP, fetch);
 *   - no program is run and no module is loaded from anywhere (the bundles are self-contained);
 *   - the server never writes to disk: every request it answers leaves the workspace as it was (only the
 *     client applies a WorkspaceEdit, and only when the user asks).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { LspClient } from '../support/lsp-client';
import * as fs from 'node:fs';
import * as git from 'isomorphic-git';
import { repoRoot, tempCopy } from '../support/workspace';
import type { Attempt } from './sandbox';

const preload = path.join(__dirname, 'sandbox.js');
const cli = path.join(repoRoot, 'dist/cli.js');

function sandboxLog(t: { after: (fn: () => void) => void }): { file: string; read: () => Attempt[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-sandbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'attempts.jsonl');
  return { file, read: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Attempt) : []) };
}

/** Every file below a folder with a hash of its content and its modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, rel);
    const st = statSync(p);
    out[rel] = st.isDirectory() ? 'dir' : `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mtimeMs}`;
  }
  return out;
}

function runSandboxed(args: string[], logFile: string, cwd: string) {
  return spawnSync(process.execPath, ['--require', preload, ...args], { cwd, encoding: 'utf8', env: { ...process.env, EGRESS_LENS_SANDBOX_LOG: logFile }, timeout: 120_000 });
}

test('the sandbox records and refuses network, DNS, programs, writes and module loads (it can see what the tests look for)', (t) => {
  const log = sandboxLog(t);
  const script = `
    const tries = [
      () => require('node:http').get('http://127.0.0.1:9'),
      () => fetch('http://127.0.0.1:9'),
      () => require('node:dns').lookup('example.org', () => {}),
      () => require('node:child_process').execFileSync('true'),
      () => require('node:fs').writeFileSync(${JSON.stringify(path.join(os.tmpdir(), 'egress-lens-sandbox-probe'))}, 'x'),
      () => require('yaml'),
      () => { const c = require('node:fs').constants; require('node:fs').openSync(${JSON.stringify(path.join(os.tmpdir(), 'egress-lens-sandbox-probe'))}, c.O_WRONLY | c.O_CREAT); },
    ];
    let refused = 0;
    for (const f of tries) { try { f(); } catch { refused++; } }
    require('node:fs').readFileSync(${JSON.stringify(cli)});
    require('node:fs').closeSync(require('node:fs').openSync(${JSON.stringify(cli)}, require('node:fs').constants.O_RDONLY | require('node:fs').constants.O_NONBLOCK));
    process.stdout.write(String(refused));`;
  const r = runSandboxed(['-e', script], log.file, repoRoot);
  assert.equal(r.stdout, '7', r.stderr);
  assert.deepEqual(log.read().map((a) => a.kind), ['net', 'net', 'dns', 'process', 'write', 'module', 'write']);
});

test('the CLI needs no network, runs no program, loads no module and writes nothing', async (t) => {
  const log = sandboxLog(t);
  const ws = tempCopy();
  t.after(() => ws.cleanup());
  writeFileSync(path.join(ws.dir, '.egress-lens.yaml'), 'cni: calico\nexclude: ["../**", "/etc/**"]\n');
  // A repository for `diff --base` (which must not write into .git either).
  const author = { name: 'Test', email: 'test@example.test', timestamp: 1_700_000_000, timezoneOffset: 0 };
  await git.init({ fs, dir: ws.dir });
  await git.add({ fs, dir: ws.dir, filepath: '.' });
  await git.commit({ fs, dir: ws.dir, message: 'examples', author });
  writeFileSync(path.join(ws.dir, 'shop', 'extra.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: extra, namespace: shop}\nspec:\n  selector: {matchLabels: {app: extra}}\n  template:\n    metadata: {labels: {app: extra}}\n    spec: {containers: [{name: c, image: i}]}\n');
  const before = snapshot(ws.dir);
  const runs: [string[], number][] = [
    [['check', '.'], 1],
    [['check', '.', '--format', 'json'], 1],
    [['check', '.', '--format', 'sarif'], 1],
    ...['txt', 'json', 'csv', 'md', 'dot'].map((f): [string[], number] => [['reach', '.', '--format', f], 0]),
    [['explain', '.', '--from', 'shop/web', '--to', 'payments/ledger', '--port', '8080/TCP'], 0],
    [['explain', '.', '--from', 'payments/ledger', '--to', '203.0.113.7'], 0],
    [['scaffold', 'default-deny', '--namespace', 'shop'], 0],
    ...['md', 'json', 'sarif'].map((f): [string[], number] => [['diff', '--base', 'HEAD', '--format', f, '--fail-on', 'opens-external'], 1]),
    [['diff', '--dir1', 'shop', '--dir2', 'payments', '--format', 'dot'], 0],
    [['scaffold', 'allow', '.', '--from', 'shop/web', '--to', 'api.example.com', '--port', '443/TCP', '--mechanism', 'cilium'], 0],
  ];
  for (const [args, code] of runs) {
    const r = runSandboxed([cli, ...args], log.file, ws.dir);
    assert.equal(r.status, code, `egress-lens ${args.join(' ')}: ${r.stderr}`);
  }
  assert.deepEqual(log.read(), [], 'attempts the CLI made');
  assert.deepEqual(snapshot(ws.dir), before, 'the CLI changed the workspace');
});

/** Custom requests the server registers, from its sources: a new request is exercised without editing this test. */
function customRequests(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/'(egressLens\/[A-Za-z]+)'/g)) names.add(m[1]);
    }
  };
  walk(path.join(repoRoot, 'server/src/lsp'));
  return [...names].sort();
}

type SettingSchema = { type?: string | string[]; enum?: unknown[]; properties?: Record<string, SettingSchema>; additionalProperties?: SettingSchema | boolean };

/**
 * A value for every `egressLens.*` setting the extension contributes (read from package.json, so a new
 * setting is covered without editing this test), naming a program or a module of the workspace wherever
 * the setting takes a string: a setting that ran or loaded one would show in the sandbox's log.
 */
function hostileSettings(program: string, module: string): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, SettingSchema> } } };
  const valueFor = (schema: SettingSchema): unknown => {
    const types = [schema.type ?? []].flat();
    if (schema.enum) return schema.enum.find((v) => v !== null) ?? null; // a closed set of words
    if (types.includes('string')) return module;
    if (types.includes('array')) return [module, program, `${path.dirname(module)}/*.sh`];
    if (types.includes('object')) return schema.properties ? Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, valueFor(v)])) : { [module]: program };
    if (types.includes('integer') || types.includes('number')) return Number.MAX_SAFE_INTEGER;
    return true;
  };
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(pkg.contributes.configuration.properties)) {
    const name = key.replace(/^egressLens\./, '');
    // The trace setting is the language client's (how much of the traffic it logs); the server never reads it.
    if (name.startsWith('trace.')) continue;
    out[name] = valueFor(schema);
  }
  return out;
}

test('the language server needs no network, runs no program, loads no module and never writes to disk, whatever it is asked', async (t) => {
  const log = sandboxLog(t);
  const ws = tempCopy();
  t.after(() => ws.cleanup());
  writeFileSync(path.join(ws.dir, '.egress-lens.yaml'), 'insertNewResources: newFile\nexclude: ["../../**", "/etc/passwd"]\n');
  // A program and a module in the workspace, named by every editor setting that takes a string.
  const program = path.join(ws.dir, 'evil.sh');
  const module = path.join(ws.dir, 'evil.js');
  writeFileSync(program, '#!/bin/sh\ntouch "$(dirname "$0")/ran"\n', { mode: 0o755 });
  writeFileSync(module, `require('fs').writeFileSync(${JSON.stringify(path.join(ws.dir, 'loaded'))}, 'x');\n`);
  const before = snapshot(ws.dir);
  const client = new LspClient(['--stdio'], { nodeArgs: ['--require', preload], env: { ...process.env, EGRESS_LENS_SANDBOX_LOG: log.file } });
  t.after(() => client.shutdown());
  client.settings = hostileSettings(program, module);
  assert.ok(Object.keys(client.settings).length >= 10, JSON.stringify(client.settings));
  const init = await client.initialize(ws.uri(''));
  const rel = 'shop/foo-deny-egress.yaml';
  const uri = ws.uri(rel);
  const text = readFileSync(path.join(ws.dir, rel), 'utf8');
  const send = (method: string, params?: unknown) => client.connection.sendRequest(method, params).then(
    (r) => r,
    (e: Error) => e,
  );
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.version === 1);
  assert.ok(diagnostics.length > 0);
  const at = { textDocument: { uri }, position: { line: 5, character: 10 } };
  // Every standard request the server offers, on a document with findings.
  const standard: [string, unknown][] = [
    ['textDocument/hover', at],
    ['textDocument/completion', at],
    ['textDocument/definition', at],
    ['textDocument/references', { ...at, context: { includeDeclaration: true } }],
    ['textDocument/documentSymbol', { textDocument: { uri } }],
    ['workspace/symbol', { query: 'web' }],
    ['textDocument/codeLens', { textDocument: { uri } }],
    ['textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics: [], only: ['source.fixAll.egressLens'] } }],
  ];
  for (const [method, params] of standard) assert.ok(!((await send(method, params)) instanceof Error), `${method} answered`);
  // Every quick fix, including the ones that create a file: the server only describes the edit.
  let actions = 0;
  for (const d of diagnostics as Diagnostic[]) {
    const list = (await send('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } })) as CodeAction[];
    actions += list.length;
  }
  assert.ok(actions > 0, 'quick fixes offered');
  // Every custom request, with real parameters where they are known.
  const params: Record<string, unknown> = {
    'egressLens/scaffoldDefaultDeny': { namespace: 'shop', allowDns: true, uri },
    'egressLens/scaffoldAllow': { from: 'shop/web[Deployment]', to: { kind: 'host', host: 'api.example.com' }, ports: [{ protocol: 'TCP', port: 443 }], mechanism: 'cilium', uri },
    'egressLens/scaffoldGateway': { host: 'api.example.com', port: 443, protocol: 'https', namespace: 'shop', style: 'istio', uri },
    'egressLens/reachability': { focus: 'shop/web[Deployment]' },
    'egressLens/explain': { src: 'shop/web[Deployment]', dst: 'payments/ledger[Deployment]' },
    'egressLens/explainWorkload': { workload: 'shop/web[Deployment]' },
    'egressLens/exportReachability': { format: 'json' },
    'egressLens/workloadLenses': { uri },
  };
  const custom = customRequests();
  assert.ok(custom.length >= 8, custom.join(', '));
  for (const method of custom) await send(method, params[method] ?? {});
  // Edits, saves, closes, files changing on disk and settings changing.
  await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: text.replace('- Ingress', '- Ingress\n  - Egress') }] });
  await client.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: ws.uri('payments/payments.yaml'), type: 2 }, { uri: ws.uri('new.yaml'), type: 1 }] });
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await send('egressLens/namespaces');
  assert.ok(init.capabilities.codeActionProvider);
  assert.equal(client.process.exitCode, null, client.stderr);
  await client.shutdown();
  assert.deepEqual(log.read(), [], 'attempts the server made');
  assert.deepEqual(snapshot(ws.dir), before, 'the server changed the workspace');
  assert.equal(existsSync(path.join(ws.dir, 'new.yaml')), false);
});
