/**
 * Reading files from disk into the workspace: the initial scan, and files that change on disk (a
 * `git checkout` can bring thousands at once). One queue, drained in batches: the server answers
 * requests between batches, a file changed twice is read once (its latest state wins, never an older
 * read that finished late), the editor's buffer wins over the disk, progress is shown for large
 * batches, and the user can cancel it.
 */
import type { Indexing } from './features';

export interface FileChange {
  uri: string;
  path: string;
  deleted: boolean;
}

export interface IndexerHost<T = string> {
  /** A manifest's content; undefined when it is not one or no longer exists. Never rejects. */
  read(path: string): Promise<T | undefined>;
  /** What a file holds when its read did not finish in time (undefined: leave the file as it was). */
  stalled?(path: string, ms: number): T | undefined;
  /** A file's new content, or its removal (undefined). */
  apply(uri: string, text: T | undefined): void;
  /** Whether the editor holds the file open: its buffer wins over the disk. */
  isOpen(uri: string): boolean;
  /** Starts a progress report (in the editor, where it supports one). */
  progress(): Promise<Indexing>;
  /** The queue is empty (drained or cancelled): time to analyse. */
  drained(): void;
  /** Applying one file (or, without a uri, the queue itself) failed; the other files are still read. */
  failed(uri: string | undefined, error: unknown): void;
}

export interface IndexerOptions {
  /** Files read at once, between two turns of the event loop. */
  batch: number;
  /** From how many queued files on a progress report is shown (the initial scan always shows one). */
  progressFrom: number;
  /** How long one read may take before the batch goes on without it (milliseconds). */
  readTimeout: number;
}

const DEFAULTS: IndexerOptions = { batch: 32, progressFrom: 50, readTimeout: 10_000 };

/** A file the editor held open when its batch began: not read, never applied. */
const OPEN = Symbol('open');
/** A read that did not finish in time: the batch goes on without it. */
const STALLED = Symbol('stalled');

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FileIndexer<T = string> {
  private readonly pending = new Map<string, FileChange>();
  private running = false;
  /** The initial scan was queued: report progress even for a few files (the editor learns the scan ended). */
  private scanQueued = false;
  private progress: Indexing | undefined;
  /** The initial scan is looking for files. */
  private finding: Promise<void> | undefined;
  private readonly options: IndexerOptions;

  constructor(
    private readonly host: IndexerHost<T>,
    options: Partial<IndexerOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Queue files to read (or to remove); `scan` marks the initial scan, which always reports progress. */
  add(changes: readonly FileChange[], scan = false): void {
    let fresh = 0;
    for (const c of changes) {
      // Queued already: the newer change replaces it and is read once.
      if (!this.pending.delete(c.uri)) fresh++;
      this.pending.set(c.uri, c);
    }
    if (scan) this.scanQueued = true;
    this.progress?.found(fresh);
    if (this.running) return;
    this.running = true;
    void this.run()
      .catch((e: unknown) => this.host.failed(undefined, e))
      .finally(() => {
        this.running = false;
        // Files queued while the last batch finished.
        if (this.pending.size > 0 || this.scanQueued) this.add([]);
      });
  }

  /**
   * The initial scan: the progress report begins at once, while `find` looks for the files, and every
   * file it finds is read.
   */
  scan(find: () => Promise<readonly FileChange[]>): void {
    const finding: Promise<void> = find()
      .then((changes) => this.add(changes))
      .catch((e: unknown) => this.host.failed(undefined, e))
      .finally(() => {
        if (this.finding === finding) this.finding = undefined;
      });
    this.finding = finding;
    this.add([], true);
  }

  /** A file's content, or STALLED when the read has not finished within the time allowed. */
  private readInTime(path: string): Promise<T | undefined | typeof STALLED> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(STALLED), this.options.readTimeout);
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.host.read(path).then(done, () => done(undefined));
    });
  }

  /** Files waiting to be read. */
  get queued(): number {
    return this.pending.size;
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (!this.progress && (this.scanQueued || this.pending.size >= this.options.progressFrom)) {
          this.scanQueued = false;
          const progress = await this.host.progress();
          // Files queued while the report was being created are counted here.
          progress.found(this.pending.size);
          this.progress = progress;
        }
        this.scanQueued = false;
        if (this.pending.size === 0) {
          if (!this.finding) break;
          await this.finding;
          continue;
        }
        if (this.progress?.cancelled) {
          // What is left is read when it changes again, or on the next start.
          this.pending.clear();
          break;
        }
        const batch = [...this.pending.values()].slice(0, this.options.batch);
        for (const c of batch) this.pending.delete(c.uri);
        const texts = await Promise.all(batch.map((c) => (this.host.isOpen(c.uri) ? OPEN : c.deleted ? undefined : this.readInTime(c.path))));
        batch.forEach((c, i) => {
          this.progress?.indexed();
          const text = texts[i];
          // Open (then or now): the buffer wins, and closing it reads the disk. Queued again meanwhile: the
          // newer change is read in a later batch.
          if (text === OPEN || this.host.isOpen(c.uri) || this.pending.has(c.uri)) return;
          // A read that never returns (a slow or hung file system) holds neither its batch nor the queue.
          const content = text === STALLED ? this.host.stalled?.(c.path, this.options.readTimeout) : text;
          if (text === STALLED && content === undefined) return;
          try {
            // No longer a manifest (a JSON file that lost its kind) or gone: it leaves the workspace.
            this.host.apply(c.uri, content);
          } catch (e) {
            this.host.failed(c.uri, e);
          }
        });
        await nextTurn();
      }
    } finally {
      const progress = this.progress;
      this.progress = undefined;
      progress?.done();
      this.host.drained();
    }
  }
}
