/**
 * When the language server process dies: whether to start it again, and what to tell the user. A few
 * crashes in a row are restarted and announced once; more than `maxRestarts` within `windowMs` mean
 * something is wrong for good, and the server stays stopped until the user restarts it. A crash more than
 * `windowMs` after the last one begins a new episode. No `vscode` here: it is tested under Node.
 */
export interface CrashDecision {
  restart: boolean;
  /** What to say: `restarted` once per episode, `stopped` when the server is not restarted. */
  notice?: 'restarted' | 'stopped';
}

export class CrashHistory {
  private crashes: number[] = [];
  /** The restart of this episode was announced. */
  private told = false;

  constructor(
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** The server process died at `now` (milliseconds). */
  crashed(now: number): CrashDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    if (this.crashes.length === 0) this.told = false;
    this.crashes.push(now);
    if (this.crashes.length > this.maxRestarts) {
      this.reset();
      return { restart: false, notice: 'stopped' };
    }
    if (this.told) return { restart: true };
    this.told = true;
    return { restart: true, notice: 'restarted' };
  }

  /** The server is started afresh (by the user): the crashes before do not count. */
  reset(): void {
    this.crashes = [];
    this.told = false;
  }
}
