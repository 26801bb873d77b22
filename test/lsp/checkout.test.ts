// Thousands of files appearing at once (a `git checkout` of a big branch), over the protocol against the
// bundled server: 2,000 new manifests reach it through workspace/didChangeWatchedFiles. It shows a
// cancellable workDoneProgress, answers a hover while it reads them, and publishes their diagnostics at
// the end; cancelled, it stops reading, publishes what it read, and reads the rest when they change again.
// The time to index the 2,000 files is printed (measured, not asserted).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Hover, MarkupContent, ProgressToken } from 'vscode-languageserver-protocol';
import { LspClient } from '../support/lsp-client';
import { tempCopy } from '../support/workspace';
import type { StatusParams } from '../../server/src/lsp/protocol';

const FILES = 2000;
/** Workloads in the examples, before the checkout. */
const EXAMPLE_WORKLOADS = 6;

type ProgressValue = { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number; cancellable?: boolean };

/** Everything the server says, in the order it says it, with waits on conditions over it. */
class Transcript {
  readonly events: ({ type: 'progress'; token: ProgressToken; value: ProgressValue } | { type: 'status'; status: StatusParams } | { type: 'created'; token: ProgressToken } | { type: 'answer'; what: string })[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  /** `answerProgress: false` plays a client that never answers the request for a progress report. */
  constructor(client: LspClient, answerProgress = true) {
    client.connection.onRequest('window/workDoneProgress/create', (p: { token: ProgressToken }) => {
      this.push({ type: 'created', token: p.token });
      return answerProgress ? null : new Promise(() => undefined);
    });
    client.connection.onNotification('$/progress', (p: { token: ProgressToken; value: ProgressValue }) => this.push({ type: 'progress', token: p.token, value: p.value }));
    client.connection.onNotification('egressLens/status', (s: StatusParams) => this.push({ type: 'status', status: s }));
  }

  push(e: Transcript['events'][number]): void {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `check` holds over what was received (checked now and after each message). */
  until(check: () => boolean, what = check.toString()): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // A guard against hanging forever, not a synchronisation: the wait ends on a message.
      const guard = setTimeout(() => reject(new Error(`not received within 30 s: ${what}`)), 30_000);
      guard.unref();
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(guard);
          resolve();
        },
      });
    });
  }

  progressOf(token: ProgressToken): ProgressValue[] {
    return this.events.flatMap((e) => (e.type === 'progress' && e.token === token ? [e.value] : []));
  }

  /** The index of the first event matching, from `from` on; -1 when none. */
  indexOf(pred: (e: Transcript['events'][number]) => boolean, from = 0): number {
    for (let i = from; i < this.events.length; i++) if (pred(this.events[i])) return i;
    return -1;
  }

  lastStatus(): StatusParams | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.type === 'status') return e.status;
    }
    return undefined;
  }
}

/** Files read so far, from a report message `n/total files`. */
const readSoFar = (v: ProgressValue): number => Number(/^(\d+)\//.exec(v.message ?? '')?.[1] ?? 0);

/** A server on a copy of the examples that supports workDoneProgress, with the initial scan finished. */
async function indexedServer(t: { after: (fn: () => Promise<void>) => void }, answerProgress = true) {
  const ws = tempCopy();
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  const log = new Transcript(client, answerProgress);
  await client.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: ws.uri(''),
    workspaceFolders: [{ uri: ws.uri(''), name: 'ws' }],
    capabilities: { window: { workDoneProgress: true }, workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true } } },
  });
  await client.connection.sendNotification('initialized', {});
  await log.until(() => log.lastStatus()?.state === 'ready' && log.lastStatus()!.workloads === EXAMPLE_WORKLOADS);
  return { client, ws, log };
}

/** The branch's files on disk: one Deployment each, with no policy (EL101), in a namespace of its own folder. */
function checkout(dir: string, folder = 'branch'): string[] {
  mkdirSync(path.join(dir, folder), { recursive: true });
  return Array.from({ length: FILES }, (_, i) => {
    const name = `svc-${String(i).padStart(4, '0')}`;
    const file = path.join(dir, folder, `${name}.yaml`);
    writeFileSync(
      file,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${path.basename(folder)}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: main\n        image: example/${name}:1\n`,
    );
    return file;
  });
}

function created(client: LspClient, uris: string[]): Promise<void> {
  return client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: uris.map((uri) => ({ uri, type: 1 })) });
}

/** The token of the progress created after event `from`. */
async function nextProgress(log: Transcript, from: number): Promise<ProgressToken> {
  await log.until(() => log.indexOf((e) => e.type === 'created', from) >= 0);
  const e = log.events[log.indexOf((x) => x.type === 'created', from)];
  return (e as { token: ProgressToken }).token;
}

test('2,000 files at once: cancellable progress, a hover answered while they are read, then their diagnostics', async (t) => {
  const { client, ws, log } = await indexedServer(t);
  const shop = ws.uri('shop/foo-deny-egress.yaml');
  const shopText = readFileSync(path.join(ws.dir, 'shop/foo-deny-egress.yaml'), 'utf8');
  await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: shop, languageId: 'yaml', version: 1, text: shopText } });
  await client.waitForDiagnostics(shop, (p) => p.version === 1);

  const uris = checkout(ws.dir).map((f) => ws.uri(path.relative(ws.dir, f)));
  const from = log.events.length;
  const t0 = performance.now();
  await created(client, uris);
  const token = await nextProgress(log, from);
  const progress = () => log.progressOf(token);
  await log.until(() => progress().length > 0);
  assert.equal(progress()[0].kind, 'begin');
  assert.equal(progress()[0].cancellable, true, 'the user can cancel it');

  // One batch read: the server is busy with the checkout, and answers a hover.
  await log.until(() => progress().some((v) => v.kind === 'report' && readSoFar(v) >= 32));
  const position = { line: shopText.split('\n').findIndex((l) => l.includes('name: foo')) , character: 10 };
  const asked = performance.now();
  const hover = await client.connection.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: shop }, position });
  const hoverMs = performance.now() - asked;
  log.push({ type: 'answer', what: 'hover' });
  assert.match((hover?.contents as MarkupContent).value, /shop\/foo/);

  await log.until(() => progress().some((v) => v.kind === 'end'));
  const answered = log.indexOf((e) => e.type === 'answer');
  const ended = log.indexOf((e) => e.type === 'progress' && e.token === token && e.value.kind === 'end');
  assert.ok(answered < ended, 'the hover was answered before the files were all read');
  assert.ok(
    log.events.slice(answered).some((e) => e.type === 'progress' && e.token === token && e.value.kind === 'report' && readSoFar(e.value) < FILES),
    'files were still being read after the answer',
  );
  const reports = progress().filter((v) => v.kind === 'report');
  assert.equal(reports[reports.length - 1].message, `${FILES}/${FILES} files`);
  assert.ok(reports.every((v, i) => i === 0 || readSoFar(v) >= readSoFar(reports[i - 1])), 'the count only grows');

  // Every new file's diagnostics, then the status with the new workloads.
  await log.until(() => log.lastStatus()?.workloads === EXAMPLE_WORKLOADS + FILES);
  const indexMs = performance.now() - t0;
  for (const uri of uris) {
    const d = client.latest(uri);
    assert.ok(d?.diagnostics.some((x) => x.code === 'EL101'), `EL101 for ${uri}`);
  }
  console.log(`# ${FILES} files at once: indexed and analysed in ${indexMs.toFixed(0)} ms; hover answered meanwhile in ${hoverMs.toFixed(1)} ms; ${reports.length} progress reports`);
});

test('2,000 files at once, cancelled: reading stops, what was read is analysed, the rest is read when it changes again', async (t) => {
  const { client, ws, log } = await indexedServer(t);
  const uris = checkout(ws.dir).map((f) => ws.uri(path.relative(ws.dir, f)));
  const from = log.events.length;
  await created(client, uris);
  const token = await nextProgress(log, from);
  const progress = () => log.progressOf(token);

  // The user cancels once two batches were read.
  await log.until(() => progress().some((v) => v.kind === 'report' && readSoFar(v) >= 64));
  await client.connection.sendNotification('window/workDoneProgress/cancel', { token });
  await log.until(() => progress().some((v) => v.kind === 'end'));
  const ended = log.events.length;
  // The analysis of what was read: a status with more workloads than the examples have.
  await log.until(() => log.indexOf((e) => e.type === 'status' && e.status.state === 'ready' && e.status.workloads > EXAMPLE_WORKLOADS, ended) >= 0);
  const read = log.lastStatus()!.workloads - EXAMPLE_WORKLOADS;
  assert.ok(read >= 64 && read < FILES / 2, `reading stopped soon after the cancel (${read} of ${FILES} read)`);
  // The files are read in the order they came: the first ones have their diagnostics, the others none.
  uris.forEach((uri, i) => {
    const d = client.latest(uri);
    if (i < read) assert.ok(d?.diagnostics.some((x) => x.code === 'EL101'), `EL101 for ${uri}`);
    else assert.equal(d, undefined, `${uri} was not read`);
  });

  // They change again (or the next start): the rest is read, with a progress report of its own.
  const again = log.events.length;
  await created(client, uris.slice(read));
  const second = await nextProgress(log, again);
  assert.notEqual(second, token);
  await log.until(() => log.lastStatus()?.workloads === EXAMPLE_WORKLOADS + FILES);
  for (const uri of uris) assert.ok(client.latest(uri)?.diagnostics.some((x) => x.code === 'EL101'), `EL101 for ${uri}`);
  console.log(`# cancelled after ${read} of ${FILES} files; the other ${FILES - read} read when they changed again`);
});

test('files written into a new folder, only one of them reported by the watcher: the folder is read again, the others are analysed too', async (t) => {
  const { client, ws, log } = await indexedServer(t);
  // A watcher cannot watch a folder before it exists: what is written into it at once can go unreported.
  const files = checkout(ws.dir, 'team/ledger');
  await created(client, [ws.uri(path.relative(ws.dir, files[0]))]);
  await log.until(() => log.lastStatus()?.workloads === EXAMPLE_WORKLOADS + FILES, `${FILES} workloads read`);
  for (const f of files) assert.ok(client.latest(ws.uri(path.relative(ws.dir, f)))?.diagnostics.some((x) => x.code === 'EL101'), `EL101 for ${f}`);
});

test('a checkout that brings a new .egress-lens.yaml: its settings apply to the files read with it', async (t) => {
  const { client, ws, log } = await indexedServer(t);
  const uris = checkout(ws.dir).map((f) => ws.uri(path.relative(ws.dir, f)));
  writeFileSync(path.join(ws.dir, '.egress-lens.yaml'), 'rules:\n  EL101: error\n');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: ws.uri('.egress-lens.yaml'), type: 1 }, ...uris.map((uri) => ({ uri, type: 1 }))] });
  await log.until(() => log.lastStatus()?.workloads === EXAMPLE_WORKLOADS + FILES);
  for (const uri of [...uris, ws.uri('shop/foo-deny-egress.yaml')]) {
    const el101 = client.latest(uri)?.diagnostics.filter((x) => x.code === 'EL101') ?? [];
    assert.ok(el101.length > 0 && el101.every((d) => d.severity === 1), `EL101 is an error in ${uri}`);
  }
});

test('a client that claims progress support but never answers the progress request does not hold indexing', async (t) => {
  // indexedServer waits for the ready status with the examples' workloads: the scan went on without an answer.
  const { log } = await indexedServer(t, false);
  assert.ok(log.indexOf((e) => e.type === 'created') >= 0, 'the server asked for a progress report');
  assert.ok(log.lastStatus()!.unrestricted > 0, 'the files were analysed (the examples have unrestricted workloads)');
});
