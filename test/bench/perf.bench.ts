// npm run bench — the performance targets (SPEC section 6) on the generated workspace of about 13,000
// documents in 200 files (5.7 MB, with an Istio egress file), each measured in this run, with
// yaml-language-server over stdio on the same files and edits as the peer:
//   P1 edit -> fresh versioned diagnostics of the edited file (median, p95), debounce included
//   P2 open every file -> every file has its diagnostics, against the parse floor (the yaml package alone)
//   P3 egress-lens check on the folder, whole process, against the parse floor plus Node's start-up
//   P4 the server's memory (RSS) after P2, and after P1's edits (an editing session must not grow it)
//   P5 extension activation (require + activate, with a stand-in for the vscode module), server bundle size
//   P6 egress-lens diff --base of the workspace (a git repository) against a revision that changes 20
//      policies, whole process, as a ratio to one full analysis (egress-lens check, P3)
// BENCH_EDITS sets the number of edits (default 80), BENCH_RUNS the runs of P3 and of the floor (default 3);
// BENCH_PROFILE=<folder> writes a CPU profile of the Egress Lens server there (node --cpu-prof);
// BENCH_ONLY=egress-lens skips the peer and P3-P6; BENCH_ONLY=diff runs P3 and P6 only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { SERVER_NODE_FLAGS } from '../../server/src/lsp/runtime';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { generateWorkspace, TARGET_SHAPE } from './generator';
import { fmt, mb, summarize } from './stats';
import { editScript, type Edit } from './edits';
import { shutdownServer } from '../support/lsp-client';
import * as fs from 'node:fs';
import * as git from 'isomorphic-git';

/** The folder of the project's package.json (the benchmark runs compiled from out/, or bundled elsewhere). */
function projectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'egress-lens') return dir;
    } catch {
      // not here
    }
  }
  throw new Error('project root not found');
}
const repoRoot = projectRoot(__dirname);
const EDITS = Number(process.env.BENCH_EDITS ?? 80);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIMEOUT = 300_000;

/** A language server over stdio, with the diagnostics it publishes. */
class Server {
  readonly child: ChildProcess;
  readonly connection: ProtocolConnection;
  private waiters: { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: () => void }[] = [];
  readonly published = new Map<string, PublishDiagnosticsParams>();
  onPublish?: (p: PublishDiagnosticsParams) => void;

  constructor(command: string[], settings: Record<string, unknown>) {
    this.child = spawn(process.execPath, command, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.resume();
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.set(p.uri, p);
      this.onPublish?.(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.pred(p)) return true;
        w.resolve();
        return false;
      });
    });
    this.connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section ? settings[i.section] ?? null : null)));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.listen();
  }

  async initialize(): Promise<void> {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: { workspace: { configuration: true, workspaceEdit: { documentChanges: true } }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    });
    await this.connection.sendNotification('initialized', {});
  }

  /** Resolves on the next diagnostics for a uri that satisfy `pred` (the guard only ends a hung run). */
  next(uri: string, pred: (p: PublishDiagnosticsParams) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${TIMEOUT / 1000} s`)), TIMEOUT);
      this.waiters.push({ uri, pred, resolve: () => (clearTimeout(guard), resolve()) });
    });
  }

  rss(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  }

  async stop(): Promise<void> {
    // Let it exit by itself (a CPU profile is written on exit), then make sure it is gone.
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await shutdownServer(this.connection, this.child);
  }
}

interface ServerRun {
  open: number;
  edits: number[];
  memory: { rss: number; peak: number };
  /** After the edits: an editing session must not grow the server. */
  afterEdits: { rss: number; peak: number };
  findings: number;
}

/** P2 and P1 on one server: open every file, wait until each has diagnostics, then edit one file. */
async function runServer(command: string[], settings: Record<string, unknown>, files: { uri: string; text: string }[], edits: Edit[], versioned: boolean): Promise<ServerRun> {
  const server = new Server(command, settings);
  await server.initialize();
  const pending = new Set(files.map((f) => f.uri));
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  server.onPublish = (p) => {
    if (pending.delete(p.uri) && pending.size === 0) allDone();
  };
  const t0 = performance.now();
  for (const f of files) await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: f.uri, languageId: 'yaml', version: 1, text: f.text } });
  await done;
  const open = performance.now() - t0;
  server.onPublish = undefined;
  const memory = server.rss();
  let findings = 0;
  for (const p of server.published.values()) findings += p.diagnostics.length;
  const times: number[] = [];
  let version = 1;
  for (const e of edits) {
    version++;
    const v = version;
    const seen = server.next(e.uri, (p) => (versioned ? p.version === v : true));
    const t = performance.now();
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri: e.uri, version: v }, contentChanges: [{ range: e.range, text: e.text }] });
    await seen;
    times.push(performance.now() - t);
  }
  const afterEdits = server.rss();
  await server.stop();
  return { open, edits: times, memory, afterEdits, findings };
}

/** The parse floor: `parseAllDocuments` of the yaml package on every file, in a fresh process (as the server starts). */
function parseFloor(dir: string, list: string): number {
  const script = `
    const { parseAllDocuments } = require(${JSON.stringify(path.join(repoRoot, 'node_modules/yaml'))});
    const fs = require('fs');
    const texts = JSON.parse(fs.readFileSync(${JSON.stringify(list)}, 'utf8')).map((f) => fs.readFileSync(f, 'utf8'));
    const t = performance.now();
    let docs = 0;
    for (const text of texts) docs += parseAllDocuments(text).length;
    process.stdout.write(JSON.stringify({ ms: performance.now() - t, docs }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' })) as { ms: number };
  return out.ms;
}

function wallTime(args: string[], cwd: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

/** P5: the bundled extension's require and activate(), against a stand-in for the vscode module. */
function activation(tmp: string): number {
  const stub = path.join(tmp, 'stub/node_modules/vscode');
  mkdirSync(stub, { recursive: true });
  // Every property is a callable, constructible stand-in; `then` is absent so nothing looks like a promise.
  writeFileSync(
    path.join(stub, 'index.js'),
    `const make = (name) => new Proxy(function () {}, {
      get: (t, k) => (k === 'then' ? undefined : k === Symbol.toPrimitive ? () => name : k === 'prototype' ? t.prototype : make(name + '.' + String(k))),
      apply: () => make(name + '()'),
      construct: () => make('new ' + name),
    });
    module.exports = make('vscode');`,
  );
  const script = `
    const Module = require('module');
    const orig = Module._resolveFilename;
    Module._resolveFilename = function (req, ...rest) { return req === 'vscode' ? ${JSON.stringify(path.join(stub, 'index.js'))} : orig.call(this, req, ...rest); };
    const t = performance.now();
    const ext = require(${JSON.stringify(path.join(repoRoot, 'dist/extension.js'))});
    const context = { subscriptions: [], asAbsolutePath: (p) => require('path').join(${JSON.stringify(repoRoot)}, p), extensionPath: ${JSON.stringify(repoRoot)}, globalState: { get: () => undefined, update: async () => undefined }, workspaceState: { get: () => undefined, update: async () => undefined } };
    try { ext.activate(context); } catch (e) { process.stderr.write(String(e && e.stack)); }
    process.stdout.write(String(performance.now() - t));
    process.exit(0);`;
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
  return summarize(runs).median;
}

function writeWorkspace(dir: string, files: { uri: string; text: string }[]): string[] {
  const paths: string[] = [];
  for (const f of files) {
    const p = path.join(dir, fileURLToPath(f.uri).replace(/^\/bench\//, ''));
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.text);
    paths.push(p);
  }
  return paths;
}

/**
 * P6: the workspace folder as a git repository with two commits, the second changing the port of 20
 * `api-to-db` policies (each in another file); `egress-lens diff --base HEAD~1 --head HEAD`, whole process.
 */
async function diffRuns(wsDir: string): Promise<{ ms: number[]; changes: number; policies: number }> {
  const author = { name: 'bench', email: 'bench@example.test', timestamp: 1_700_000_000, timezoneOffset: 0 };
  await git.init({ fs, dir: wsDir, defaultBranch: 'main' });
  await git.add({ fs, dir: wsDir, filepath: '.' });
  await git.commit({ fs, dir: wsDir, message: 'base', author });
  const files = readdirRecursive(wsDir).filter((f) => f.endsWith('.yaml'));
  let policies = 0;
  for (const f of files) {
    if (policies === 20) break;
    const text = readFileSync(f, 'utf8');
    const at = text.indexOf('port: 5432\n', text.indexOf('name: api-to-db'));
    if (text.indexOf('name: api-to-db') < 0 || at < 0) continue;
    writeFileSync(f, text.slice(0, at) + 'port: 5433\n' + text.slice(at + 'port: 5432\n'.length));
    await git.add({ fs, dir: wsDir, filepath: path.relative(wsDir, f) });
    policies++;
  }
  await git.commit({ fs, dir: wsDir, message: '20 policies change', author: { ...author, timestamp: author.timestamp + 1 } });
  const ms: number[] = [];
  let changes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'diff', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json'], { cwd: wsDir, encoding: 'utf8', maxBuffer: 1 << 28 });
    ms.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`egress-lens diff exited with ${r.status}: ${r.stderr}`);
    changes = (JSON.parse(r.stdout) as { changes: unknown[] }).changes.length;
  }
  return { ms, changes, policies };
}

function readdirRecursive(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => !f.startsWith('.git')).map((f) => path.join(dir, f));
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-bench-'));
  try {
    const generated = generateWorkspace(TARGET_SHAPE);
    const wsDir = path.join(tmp, 'ws');
    const paths = writeWorkspace(wsDir, generated);
    // The servers see the files at their place on disk.
    const files = generated.map((f, i) => ({ uri: pathToFileURL(paths[i]).toString(), text: f.text }));
    const list = path.join(tmp, 'files.json');
    writeFileSync(list, JSON.stringify(paths));
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    const docs = files.reduce((n, f) => n + f.text.split(/^---$/m).length, 0);
    const edits = editScript(files, EDITS);

    console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${mb(os.totalmem())} memory, Node ${process.version}`);
    console.log(`workspace: ${files.length} files, ${docs} documents, ${(bytes / 1e6).toFixed(2)} MB; ${edits.length} edits of ${path.basename(edits[0].uri)}`);

    const floors: number[] = [];
    for (let i = 0; i < RUNS; i++) floors.push(parseFloor(wsDir, list));
    const floor = summarize(floors).median;
    console.log(`parse floor (yaml parseAllDocuments, fresh process): ${fmt(floor)} (median of ${RUNS})`);

    if (process.env.BENCH_ONLY === 'diff') {
      const checks: number[] = [];
      for (let i = 0; i < RUNS; i++) checks.push(wallTime([path.join(repoRoot, 'dist/cli.js'), 'check', wsDir, '--format', 'json'], tmp));
      const d = await diffRuns(wsDir);
      const check = summarize(checks).median;
      const diff = summarize(d.ms).median;
      console.log(`| P6 | egress-lens diff, ${d.policies} policies changed (${d.changes} connections), whole process | ≤ 2 × check = ${fmt(2 * check)} | ${fmt(diff)} (${(diff / check).toFixed(2)}× check) | | | ${diff <= 2 * check ? 'met' : '**not met**'} |`);
      console.log(`check runs: ${checks.map(fmt).join(', ')}; diff runs: ${d.ms.map(fmt).join(', ')}`);
      return;
    }
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`] : [];
    // Started as the VS Code extension starts it (its Node flags).
    const ours = await runServer([...SERVER_NODE_FLAGS, ...profile, path.join(repoRoot, 'dist/server.js'), '--stdio'], { egressLens: {} }, files, edits, true);
    console.log(`egress-lens: open ${fmt(ours.open)}, ${ours.findings} diagnostics, RSS ${mb(ours.memory.rss)} (peak ${mb(ours.memory.peak)}); after ${ours.edits.length} edits ${mb(ours.afterEdits.rss)} (peak ${mb(ours.afterEdits.peak)})`);
    if (process.env.BENCH_ONLY === 'egress-lens') {
      const e = summarize(ours.edits);
      console.log(`edits: median ${fmt(e.median)}, p95 ${fmt(e.p95)}, min ${fmt(e.min)}, max ${fmt(e.max)}`);
      return;
    }
    const yamlLsBin = path.join(repoRoot, 'node_modules/yaml-language-server/bin/yaml-language-server');
    const yamlSettings = { yaml: { validate: true, hover: false, completion: false, format: { enable: false }, schemaStore: { enable: false }, schemas: {} } };
    const peer = await runServer([yamlLsBin, '--stdio'], yamlSettings, files, edits, false);
    console.log(`yaml-language-server: open ${fmt(peer.open)}, ${peer.findings} diagnostics, RSS ${mb(peer.memory.rss)} (peak ${mb(peer.memory.peak)}); after ${peer.edits.length} edits ${mb(peer.afterEdits.rss)} (peak ${mb(peer.afterEdits.peak)})`);

    const startups: number[] = [];
    for (let i = 0; i < 5; i++) startups.push(wallTime(['-e', '0'], tmp));
    const startup = summarize(startups).median;
    const checks: number[] = [];
    for (let i = 0; i < RUNS; i++) checks.push(wallTime([path.join(repoRoot, 'dist/cli.js'), 'check', wsDir, '--format', 'json'], tmp));
    const check = summarize(checks).median;
    const d = await diffRuns(wsDir);
    const diff = summarize(d.ms).median;
    const activate = activation(tmp);
    const bundle = statSync(path.join(repoRoot, 'dist/server.js')).size;

    const e = summarize(ours.edits);
    const pe = summarize(peer.edits);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    const ok = (pass: boolean) => (pass ? 'met' : '**not met**');
    console.log('');
    console.log('| # | what | target | Egress Lens | yaml-language-server | ratio | |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| P1 | edit → fresh diagnostics, median | | ${fmt(e.median)} | ${fmt(pe.median)} | ${ratio(e.median, pe.median)} | |`);
    console.log(`| P1 | edit → fresh diagnostics, p95 | ≤ 50 ms | ${fmt(e.p95)} | ${fmt(pe.p95)} | ${ratio(e.p95, pe.p95)} | ${ok(e.p95 <= 50)} |`);
    console.log(`| P2 | open all files → all diagnostics | ≤ 1.5 × parse floor = ${fmt(1.5 * floor)} | ${fmt(ours.open)} (${ratio(ours.open, floor)} floor) | ${fmt(peer.open)} (${ratio(peer.open, floor)} floor) | ${ratio(ours.open, peer.open)} | ${ok(ours.open <= 1.5 * floor)} |`);
    console.log(`| P3 | egress-lens check, whole process | ≤ 1.5 × floor + start-up = ${fmt(1.5 * floor + startup)} | ${fmt(check)} | | | ${ok(check <= 1.5 * floor + startup)} |`);
    console.log(`| P4 | server RSS after P2 | ≤ 400 MB | ${mb(ours.memory.rss)} | ${mb(peer.memory.rss)} | ${ratio(ours.memory.rss, peer.memory.rss)} | ${ok(ours.memory.rss <= 400 * 1024 * 1024)} |`);
    console.log(`| P4 | server RSS after P1's ${ours.edits.length} edits | ≤ 400 MB | ${mb(ours.afterEdits.rss)} | ${mb(peer.afterEdits.rss)} | ${ratio(ours.afterEdits.rss, peer.afterEdits.rss)} | ${ok(ours.afterEdits.rss <= 400 * 1024 * 1024)} |`);
    console.log(`| P6 | egress-lens diff, ${d.policies} policies changed, whole process | ≤ 2 × check = ${fmt(2 * check)} | ${fmt(diff)} (${ratio(diff, check)} check) | | | ${ok(diff <= 2 * check)} |`);
    console.log(`| P5 | extension activation | ≤ 150 ms | ${fmt(activate)} | | | ${ok(activate <= 150)} |`);
    console.log(`| P5 | server bundle | ≤ 2 MB | ${(bundle / 1024 / 1024).toFixed(2)} MB | | | ${ok(bundle <= 2 * 1024 * 1024)} |`);
    console.log('');
    console.log(`parse floor ${fmt(floor)} (runs: ${floors.map(fmt).join(', ')}); Node start-up ${fmt(startup)}; check runs: ${checks.map(fmt).join(', ')}; diff runs: ${d.ms.map(fmt).join(', ')} (${d.changes} changed connections)`);
    console.log(`edits: Egress Lens min ${fmt(e.min)} max ${fmt(e.max)}; yaml-language-server min ${fmt(pe.min)} max ${fmt(pe.max)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
