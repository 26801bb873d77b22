import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { workspaceStatus } from '../../engine/lang';
import type { Analysis } from '../../engine';
import { FeatureNotifications, type StatusParams } from '../protocol';

/** Reports files being read from disk (the initial scan, a large checkout): `window/workDoneProgress` where the client supports it, and the status notification. */
export interface Indexing {
  /** More files queued. */
  found(files: number): void;
  /** One more file read. */
  indexed(): void;
  done(): void;
  /** The user cancelled the progress report in the editor. */
  readonly cancelled: boolean;
}

/** How long indexing waits for the client to accept a progress report before it goes on without one. */
export const PROGRESS_CREATE_WAIT_MS = 1000;

/**
 * The progress reporter, if the client accepts it in time. A client that claims progress support but never
 * answers must not hold indexing; a late answer gets its progress ended at once.
 */
async function createWithin(created: Promise<WorkDoneProgressServerReporter>, ms: number): Promise<WorkDoneProgressServerReporter | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const first = await Promise.race([created, late]);
  clearTimeout(timer);
  if (first === undefined) {
    created.then(
      (r) => r.done(),
      () => undefined,
    );
  }
  return first;
}

export class Status {
  private indexing = false;
  private last: Analysis | undefined;
  private counts: Pick<StatusParams, 'workloads' | 'unrestricted' | 'policies'> = { workloads: 0, unrestricted: 0, policies: 0 };

  constructor(
    private readonly connection: Connection,
    private readonly progressSupported: () => boolean,
  ) {}

  private send(extra: Partial<StatusParams> = {}): void {
    const params: StatusParams = { state: this.indexing ? 'indexing' : 'ready', ...this.counts, ...extra };
    void this.connection.sendNotification(FeatureNotifications.status, params);
  }

  /** After each published analysis: new counts when the analysis is a new one. */
  analysed(a: Analysis): void {
    if (a === this.last) return;
    this.last = a;
    this.counts = workspaceStatus(a);
    if (!this.indexing) this.send();
  }

  /** Files are read from disk: progress in the editor until they are. */
  async startIndexing(): Promise<Indexing> {
    this.indexing = true;
    let total = 0;
    let indexed = 0;
    let shown = -1;
    let reporter: WorkDoneProgressServerReporter | undefined;
    if (this.progressSupported()) {
      try {
        reporter = await createWithin(this.connection.window.createWorkDoneProgress(), PROGRESS_CREATE_WAIT_MS);
        reporter?.begin('Egress Lens: indexing', 0, 'looking for Kubernetes YAML', true);
      } catch {
        reporter = undefined;
      }
    }
    this.send({ indexed, total });
    const report = () => {
      const pct = total > 0 ? Math.floor((indexed * 100) / total) : 0;
      // Whole percents only: a large checkout does not flood the client.
      if (pct === shown) return;
      shown = pct;
      reporter?.report(pct, `${indexed}/${total} files`);
      this.send({ indexed, total });
    };
    return {
      found: (files) => {
        total += files;
        report();
      },
      indexed: () => {
        indexed++;
        report();
      },
      done: () => {
        reporter?.done();
        this.indexing = false;
        this.send();
      },
      get cancelled() {
        return reporter?.token.isCancellationRequested ?? false;
      },
    };
  }
}
