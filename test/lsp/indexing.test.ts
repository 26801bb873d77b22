// The file indexer (server/src/lsp/indexing.ts) with a host made of plain data: files are read in batches
// with other work between them, a file queued twice is read once, a read that finished late never
// overwrites a newer change, an open buffer wins over the disk, cancelling stops and drains the queue,
// and the progress counts every file once.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FileIndexer, type FileChange, type IndexerHost } from '../../server/src/lsp/indexing';
import type { Indexing } from '../../server/src/lsp/features';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class FakeProgress implements Indexing {
  total = 0;
  indexedCount = 0;
  doneCount = 0;
  cancelled = false;
  /** Called after each file read (the test may cancel here). */
  onIndexed: (p: FakeProgress) => void = () => undefined;
  /** Called when files are counted. */
  onFound: (files: number) => void = () => undefined;
  found(files: number): void {
    this.total += files;
    this.onFound(files);
  }
  indexed(): void {
    this.indexedCount++;
    this.onIndexed(this);
  }
  done(): void {
    this.doneCount++;
  }
}

/** The disk is a map; reads resolve at once unless the test holds them (`hold`). */
class FakeHost implements IndexerHost {
  readonly disk = new Map<string, string>();
  readonly workspace = new Map<string, string>();
  readonly open = new Set<string>();
  readonly reads: string[] = [];
  /** Every event in order: `apply <uri>`, `delete <uri>`, `tick` (other work), `drained`. */
  readonly log: string[] = [];
  readonly progresses: FakeProgress[] = [];
  readonly failures: string[] = [];
  readonly held = new Map<string, Deferred<void>>();
  hold = new Set<string>();
  throwOn = new Set<string>();
  onProgress: (p: FakeProgress) => void = () => undefined;
  private drainedWaiters: (() => void)[] = [];
  private readWaiters: { path: string; resolve: () => void }[] = [];
  drainedCount = 0;

  async read(path: string): Promise<string | undefined> {
    this.reads.push(path);
    for (const w of this.readWaiters.filter((x) => x.path === path)) w.resolve();
    this.readWaiters = this.readWaiters.filter((x) => x.path !== path);
    // The text is taken when the read starts: a change after that is not in it.
    const text = this.disk.get(path);
    if (this.hold.has(path)) {
      const d = deferred<void>();
      this.held.set(path, d);
      await d.promise;
    }
    return text;
  }
  apply(uri: string, text: string | undefined): void {
    if (this.throwOn.has(uri)) throw new Error(`cannot apply ${uri}`);
    if (text === undefined) {
      this.workspace.delete(uri);
      this.log.push(`delete ${uri}`);
    } else {
      this.workspace.set(uri, text);
      this.log.push(`apply ${uri}`);
    }
  }
  isOpen(uri: string): boolean {
    return this.open.has(uri);
  }
  async progress(): Promise<Indexing> {
    const p = new FakeProgress();
    this.progresses.push(p);
    this.onProgress(p);
    return p;
  }
  drained(): void {
    this.drainedCount++;
    this.log.push('drained');
    for (const w of this.drainedWaiters.splice(0)) w();
  }
  failed(uri: string | undefined, error: unknown): void {
    this.failures.push(`${uri}: ${error instanceof Error ? error.message : String(error)}`);
  }
  /** Resolves at the next `drained`. */
  nextDrained(): Promise<void> {
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }
  /** Resolves when a read of `path` starts (or has started). */
  readStarted(path: string): Promise<void> {
    if (this.reads.includes(path)) return Promise.resolve();
    return new Promise((resolve) => this.readWaiters.push({ path, resolve }));
  }
}

/** Files `f0` … `f{n-1}` on disk, as changes (uri and path are the same name here). */
function files(host: FakeHost, n: number, prefix = 'f'): FileChange[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `${prefix}${i}`;
    host.disk.set(name, `text of ${name}`);
    return { uri: name, path: name, deleted: false };
  });
}

/** Other work of the server (requests): one entry in the log per turn of the event loop, until stopped. */
function otherWork(host: FakeHost): () => void {
  let on = true;
  const tick = () => {
    if (!on) return;
    host.log.push('tick');
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => (on = false);
}

test('batches: at most 32 files at once, other work runs between batches, every file read once', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const drained = host.nextDrained();
  const stop = otherWork(host);
  indexer.add(files(host, 200));
  await drained;
  stop();
  assert.equal(host.reads.length, 200);
  assert.equal(new Set(host.reads).size, 200);
  assert.equal(host.workspace.size, 200);
  // Runs of applies with no other work between them: the batches.
  const runs: number[] = [];
  let run = 0;
  for (const e of host.log) {
    if (e.startsWith('apply')) run++;
    else if (run > 0) {
      runs.push(run);
      run = 0;
    }
  }
  assert.ok(runs.length >= Math.ceil(200 / 32), `other work ran between the batches: ${runs.join(', ')}`);
  assert.ok(Math.max(...runs) <= 32, `no batch is larger than 32 files: ${runs.join(', ')}`);
  assert.equal(host.drainedCount, 1);
  assert.equal(indexer.queued, 0);
});

test('dedupe: a file queued twice before it is read is read once, with its latest change', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const drained = host.nextDrained();
  const first = files(host, 40);
  // The first batch is held, so the rest of the queue waits.
  host.hold.add('f0');
  indexer.add(first);
  await host.readStarted('f0');
  host.disk.set('f35', 'f35 changed');
  indexer.add([{ uri: 'f35', path: 'f35', deleted: false }]);
  indexer.add([{ uri: 'f36', path: 'f36', deleted: true }]);
  assert.equal(indexer.queued, 40 - 32);
  host.held.get('f0')!.resolve();
  await drained;
  assert.equal(host.reads.filter((r) => r === 'f35').length, 1, 'f35 read once');
  assert.equal(host.workspace.get('f35'), 'f35 changed');
  assert.equal(host.reads.includes('f36'), false, 'a deletion is not read');
  assert.equal(host.workspace.has('f36'), false);
  assert.equal(host.workspace.size, 39);
});

test('latest state wins: a read that finishes after a newer change is never applied', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  host.disk.set('a', 'old');
  host.disk.set('b', 'old b');
  host.hold.add('a');
  host.hold.add('b');
  const drained = host.nextDrained();
  indexer.add([
    { uri: 'a', path: 'a', deleted: false },
    { uri: 'b', path: 'b', deleted: false },
  ]);
  await host.readStarted('a');
  await host.readStarted('b');
  // While the old texts are being read: a changes again, b is deleted.
  host.hold.clear();
  host.disk.set('a', 'new');
  host.disk.delete('b');
  indexer.add([
    { uri: 'a', path: 'a', deleted: false },
    { uri: 'b', path: 'b', deleted: true },
  ]);
  host.held.get('a')!.resolve();
  host.held.get('b')!.resolve();
  await drained;
  assert.equal(host.workspace.get('a'), 'new');
  assert.equal(host.workspace.has('b'), false);
  assert.deepEqual(
    host.log.filter((e) => e !== 'tick'),
    ['apply a', 'delete b', 'drained'],
    'the old reads were dropped, not applied and then replaced',
  );
});

test('the open buffer wins: an open file is not read, and a file opened while it was read is not overwritten', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  host.disk.set('open', 'disk');
  host.disk.set('opening', 'disk');
  host.workspace.set('open', 'buffer');
  host.workspace.set('opening', 'buffer');
  host.open.add('open');
  host.hold.add('opening');
  const drained = host.nextDrained();
  indexer.add([
    { uri: 'open', path: 'open', deleted: false },
    { uri: 'opening', path: 'opening', deleted: false },
  ]);
  await host.readStarted('opening');
  host.open.add('opening');
  host.held.get('opening')!.resolve();
  await drained;
  assert.deepEqual(host.reads, ['opening']);
  assert.equal(host.workspace.get('open'), 'buffer');
  assert.equal(host.workspace.get('opening'), 'buffer');
});

test('the open buffer wins: a file open when its batch began and closed before the batch ends is left to the close', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  host.disk.set('slow', 'disk');
  host.disk.set('closing', 'disk');
  host.workspace.set('closing', 'buffer');
  host.open.add('closing');
  host.hold.add('slow');
  const drained = host.nextDrained();
  indexer.add([
    { uri: 'slow', path: 'slow', deleted: false },
    { uri: 'closing', path: 'closing', deleted: false },
  ]);
  await host.readStarted('slow');
  // Closed while the batch is read: the server reads the disk on close; the batch has no text for it.
  host.open.delete('closing');
  host.held.get('slow')!.resolve();
  await drained;
  assert.equal(host.workspace.get('closing'), 'buffer', 'not removed for want of a text');
  assert.deepEqual(host.log.filter((e) => e !== 'tick'), ['apply slow', 'drained']);
});

test('cancel: the files left are dropped, the progress ends, the workspace is analysed; indexing works again after', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  host.onProgress = (p) => {
    // The user cancels once the first batch was read.
    p.onIndexed = (q) => {
      if (q.indexedCount === 32) q.cancelled = true;
    };
  };
  const drained = host.nextDrained();
  indexer.add(files(host, 500));
  await drained;
  assert.equal(host.progresses.length, 1);
  const [p] = host.progresses;
  assert.equal(p.cancelled, true);
  assert.equal(p.doneCount, 1, 'the progress report ends');
  assert.equal(host.reads.length, 32, 'nothing is read after the cancel');
  assert.equal(host.workspace.size, 32, 'what was read stays');
  assert.equal(indexer.queued, 0, 'the queue is empty');
  assert.equal(host.drainedCount, 1, 'the workspace is analysed with what was read');

  // The next change is read as usual, with a report of its own.
  host.onProgress = () => undefined;
  const again = host.nextDrained();
  indexer.add(files(host, 60, 'g'));
  await again;
  assert.equal(host.progresses.length, 2);
  assert.equal(host.progresses[1].indexedCount, 60);
  assert.equal(host.workspace.size, 32 + 60);
});

test('progress: from 50 queued files, every file counted once (files queued meanwhile too), none for a few files', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);

  const few = host.nextDrained();
  indexer.add(files(host, 10, 'few'));
  await few;
  assert.equal(host.progresses.length, 0, 'no progress report for 10 files');

  const many = host.nextDrained();
  const first = files(host, 60);
  host.hold.add('f0');
  indexer.add(first);
  await host.readStarted('f0');
  // While the first batch is read: 20 new files, and 10 queued ones again.
  indexer.add([...files(host, 20, 'new'), ...first.slice(40, 50)]);
  host.held.get('f0')!.resolve();
  await many;
  assert.equal(host.progresses.length, 1);
  const [p] = host.progresses;
  assert.equal(p.total, 80);
  assert.equal(p.indexedCount, 80);
  assert.equal(p.doneCount, 1);
  assert.equal(host.reads.length, 10 + 80);
});

test('progress: a few files start the queue, a checkout arrives while they are read, its progress is shown', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const drained = host.nextDrained();
  host.hold.add('s0');
  indexer.add(files(host, 3, 's'));
  await host.readStarted('s0');
  assert.equal(host.progresses.length, 0);
  indexer.add(files(host, 300));
  host.held.get('s0')!.resolve();
  await drained;
  assert.equal(host.progresses.length, 1);
  assert.equal(host.progresses[0].total, 300);
  assert.equal(host.progresses[0].indexedCount, 300);
  assert.equal(host.drainedCount, 1);
});

test('the initial scan always reports, even with no files; a file that fails does not stop the others', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const empty = host.nextDrained();
  indexer.add([], true);
  await empty;
  assert.equal(host.progresses.length, 1);
  assert.equal(host.progresses[0].doneCount, 1);

  const next = host.nextDrained();
  host.throwOn.add('f3');
  indexer.add(files(host, 5), true);
  await next;
  assert.equal(host.progresses.length, 2);
  assert.equal(host.progresses[1].indexedCount, 5);
  assert.deepEqual(host.failures, ['f3: cannot apply f3']);
  assert.deepEqual([...host.workspace.keys()].sort(), ['f0', 'f1', 'f2', 'f4']);
});

test('the initial scan: the progress begins while the files are looked for, and covers every file found', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const found = deferred<FileChange[]>();
  const drained = host.nextDrained();
  indexer.scan(() => found.promise);
  // Before any file is found, the editor already shows the scan.
  assert.equal(host.progresses.length, 1);
  const list = files(host, 40);
  // A file changes on disk meanwhile: it is read with the scan's files.
  indexer.add(files(host, 1, 'early'));
  found.resolve(list);
  await drained;
  assert.equal(host.progresses.length, 1);
  const [p] = host.progresses;
  assert.equal(p.total, 41);
  assert.equal(p.indexedCount, 41);
  assert.equal(p.doneCount, 1);
  assert.equal(host.drainedCount, 1, 'analysed once, after the scan');
  assert.equal(host.workspace.size, 41);
});

test('the initial scan: an empty queue while the files are still looked for does not end it', async () => {
  const host = new FakeHost();
  const indexer = new FileIndexer(host);
  const found = deferred<FileChange[]>();
  const list = files(host, 40);
  // The list arrives just after the progress began with nothing queued yet.
  host.onProgress = (p) => (p.onFound = () => found.resolve(list));
  const drained = host.nextDrained();
  indexer.scan(() => found.promise);
  await drained;
  assert.equal(host.progresses.length, 1);
  assert.equal(host.progresses[0].total, 40);
  assert.equal(host.progresses[0].indexedCount, 40);
  assert.equal(host.workspace.size, 40, 'every file found was read before the workspace was analysed');
});
