/** A minimal LSP client over stdio for protocol tests: spawn the bundled server and talk to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempCopy } from './workspace';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  PublishDiagnosticsNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';

export const serverBundle = path.join(__dirname, '../../../dist/server.js');

export class LspClient {
  readonly connection: ProtocolConnection;
  private readonly child: ChildProcess;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  private waiters: { pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void; reject: (e: Error) => void }[] = [];
  private exited?: Error;
  stderr = '';
  /** What the client answers for the egressLens section. */
  settings: Record<string, unknown> | null = null;
  /** With several workspace folders: the answer for one folder (its URI as the request's scope), instead of `settings`. */
  settingsFor?: (scopeUri: string | undefined) => Record<string, unknown> | null;

  /** `nodeArgs` go to Node before the bundle (e.g. `--require` a preload); `env` replaces the environment. */
  constructor(args: string[] = ['--stdio'], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), serverBundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env });
    this.child.stderr!.on('data', (d) => (this.stderr += String(d)));
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`server exited (code ${code}, signal ${signal}): ${this.stderr}`);
      for (const w of this.waiters) w.reject(this.exited);
      this.waiters = [];
    });
    this.connection = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.diagnostics.set(p.uri, p);
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/configuration', (p: { items: { section?: string; scopeUri?: string }[] }) =>
      p.items.map((i) => (i.section !== 'egressLens' ? null : this.settingsFor ? this.settingsFor(i.scopeUri) : this.settings)),
    );
    this.connection.listen();
  }

  /** `root`: the workspace folder's URI, or the URIs of several folders (the first is the root URI). */
  async initialize(root: string | readonly string[] | null, initializationOptions?: unknown, documentChanges = true): Promise<InitializeResult> {
    const folders = root === null ? [] : typeof root === 'string' ? [root] : root;
    const result = await this.connection.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri: folders[0] ?? null,
      workspaceFolders: folders.length > 0 ? folders.map((uri, i) => ({ uri, name: `ws${i}` })) : null,
      capabilities: { workspace: { workspaceEdit: { documentChanges }, configuration: true, didChangeConfiguration: { dynamicRegistration: false } } },
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** The next (or already received) diagnostics for a uri satisfying a predicate. */
  waitForDiagnostics(uri: string, pred: (p: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    const have = this.diagnostics.get(uri);
    if (have && pred(have)) return Promise.resolve(have);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      // A guard against hanging forever, not a synchronisation: the wait ends on the notification.
      const guard = setTimeout(() => reject(new Error(`no matching publishDiagnostics for ${uri} within 20 s (last: ${JSON.stringify(this.diagnostics.get(uri)?.version)})`)), 20_000);
      guard.unref();
      this.waiters.push({
        pred: (p) => p.uri === uri && pred(p),
        resolve: (p) => {
          clearTimeout(guard);
          resolve(p);
        },
        reject,
      });
    });
  }

  latest(uri: string): PublishDiagnosticsParams | undefined {
    return this.diagnostics.get(uri);
  }

  shutdown(): Promise<void> {
    return shutdownServer(this.connection, this.child);
  }

  get process(): ChildProcess {
    return this.child;
  }
}

/** Ask a server over stdio to shut down and exit, then make sure its process is gone. */
export async function shutdownServer(connection: ProtocolConnection, child: ChildProcess): Promise<void> {
  try {
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } catch {
    // already gone
  }
  connection.dispose();
  child.kill();
}

/** A server on a throwaway copy of the examples, shut down and removed when the test ends. */
export async function serverOnExamples(t: { after: (fn: () => Promise<void>) => void }, prepare?: (dir: string) => void): Promise<{ client: LspClient; ws: ReturnType<typeof tempCopy>; init: InitializeResult }> {
  const ws = tempCopy();
  prepare?.(ws.dir);
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  const init = await client.initialize(ws.uri(''));
  return { client, ws, init };
}
