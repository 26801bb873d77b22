/**
 * The language server: a document store (open buffers and files read from disk, each in its workspace
 * folder), a configuration loader (each folder's `.egress-lens.yaml` and editor settings) and a publisher
 * (diagnostics of what changed). Every request is answered by a module of its own (`actions.ts`,
 * `panel.ts`, `features/`, `compare.ts`, `flows.ts`, `report.ts`, `scaffold.ts`) from the analyses kept here;
 * the answers themselves are computed by the engine.
 */
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  checkConfig,
  CONFIG_FILE,
  mergeConfig,
  readConfigFile,
  LineIndex,
  Workspace,
  type Analysis,
  type EngineConfig,
  type Finding,
} from '../engine';
import { toDiagnostic } from './convert';
import { VERSION } from '../host/version';
import { registerScaffoldRequests } from './scaffold';
import { registerCodeActions } from './actions';
import { FIX_ALL_KIND, Requests, ViewNotifications, ViewRequests, type NamespaceInfo, type SetViewParams, type ViewsResult } from './protocol';
import { namespaceFiles, viewsReport, type ViewAnalysis } from '../engine/views';
import { Folder, folderOf } from './folder';
import { registerPanel } from './panel';
import { registerFeatures } from './features';
import { FileIndexer, type FileChange } from './indexing';
import { registerReports } from './report';
import { registerFlows } from './flows';
import { registerCompare } from './compare';
import { defaultDocsBaseUrl, findManifests, isManifestPath, MAX_CONFIG_BYTES, newFolders, normalizeUri, pathToUri, readLimit, readManifest, readRegularFile, uriToPath, whyNotRead, type ReadResult } from '../host/files';

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let docsBaseUrl = defaultDocsBaseUrl(__dirname);
  let roots: string[] = [];
  /** The workspace folders, each analysed with its own settings; one without a root until the client says. */
  let folders: Folder[] = [new Folder(undefined, undefined)];
  const inFolder = (uri: string): Folder => folderOf(folders, uri);
  /** The folder of the document last opened or edited: requests about "the workspace" answer for it. */
  let focus: Folder | undefined;
  const activeFolder = (): Folder => (focus && folders.includes(focus) ? focus : folders[0]);
  let timer: NodeJS.Timeout | undefined;
  const published = new Map<string, string>();
  /** Connections of the flow logs loaded with egressLens/loadFlows (EL117). */
  let observedFlows: EngineConfig['observedFlows'];
  /** The names of those flow logs (the panel's bar). */
  let observedSources: string[] = [];
  let canAskConfiguration = false;
  /** Clients without documentChanges get plain `changes` (no version check, no file creation). */
  let canDocumentChanges = false;
  const lineCache = new Map<string, { text: string; lines: LineIndex }>();
  /** Open documents: normalised uri -> the uri the client used. */
  const clientUris = new Map<string, string>();
  /**
   * Open documents that are not files (an unsaved `untitled:` buffer, a `git:` revision): each is analysed
   * alone, with the first folder's settings, and never changes the analysis of the files on disk.
   */
  const loose = new Map<string, { workspace: Workspace; analysis?: Analysis }>();
  const isFileUri = (uri: string): boolean => uri.startsWith('file:');
  /** Helm runs only in a trusted workspace: the client says so (VS Code's Workspace Trust). */
  let trusted = false;

  /** The settings for a document analysed alone: no root to exclude from, no settings file to report on. */
  const looseConfig = (): Partial<EngineConfig> => ({ ...folders[0].workspace.configuration, exclude: [], configProblems: [], rootUri: undefined });
  const fileOf = (uri: string) => inFolder(uri).workspace.get(uri) ?? loose.get(uri)?.workspace.get(uri);

  const linesOf = (uri: string): LineIndex => {
    // The settings file's problems can be published before indexing reads it: its text is known already.
    // A file a render read before indexing reached it: the render's text.
    const f = inFolder(uri);
    const text = fileOf(uri)?.text ?? (uri === f.configFile?.uri ? f.configFile.text : f.renders.textOf(uri) ?? '');
    const hit = lineCache.get(uri);
    if (hit && hit.text === text) return hit.lines;
    const lines = new LineIndex(text);
    lineCache.set(uri, { text, lines });
    return lines;
  };

  /** The view a file is analysed in: the active one, or until a view is picked, the first that reads the file. */
  const viewOf = (uri?: string): ViewAnalysis | undefined => {
    if (uri !== undefined && loose.has(normalizeUri(uri))) return undefined;
    const f = uri === undefined ? activeFolder() : inFolder(normalizeUri(uri));
    const view = f.viewMode() ? f.active() : undefined;
    if (!view) return undefined;
    if (f.activeView !== undefined || uri === undefined) return view;
    // Until a view is picked: a plain file in its own view; a file the first view does not read (another
    // root's base, a chart's template) in the first view that reads it.
    const u = normalizeUri(uri);
    return f.views!.list.find((v) => v.spec.files.includes(u)) ?? (view.reads.has(u) ? view : f.views!.list.find((v) => v.reads.has(u))) ?? view;
  };

  const current = (uri?: string): Analysis => {
    const alone = uri === undefined ? undefined : loose.get(normalizeUri(uri));
    if (alone) return (alone.analysis ??= alone.workspace.analyze());
    const view = viewOf(uri);
    if (view) return view.analysis;
    return (uri === undefined ? activeFolder() : inFolder(normalizeUri(uri))).current();
  };

  /** Render and analyse every view of a folder again (only the renders that read a changed file), then publish. */
  const refreshViews = (f: Folder): void => {
    if (f.viewRun) {
      f.viewRunAgain = true;
      return;
    }
    const changed = [...f.changedSinceRender];
    f.changedSinceRender.clear();
    f.renders.invalidate(changed);
    const files = f.workspace.uris().map((u) => f.workspace.get(u)!).filter((x) => x !== undefined);
    // Renders read the editor's open buffers, and the disk for the rest.
    const texts = new Map<string, string>(files.filter((x) => clientUris.has(x.uri) && x.tooLarge === undefined && x.unreadable === undefined).map((x) => [x.uri, x.text]));
    const config = f.workspace.configuration;
    f.viewRun = f.renders
      .analyze(files, config, { trusted, helm: { path: f.clientHelmPath || config.helm?.path, timeoutSeconds: config.helm?.timeoutSeconds }, texts })
      .then((list) => {
        // A file a render read from disk that the workspace holds otherwise (a change the file watcher did not
        // report, or reported before the write ended): the disk wins. Every render that read the old text is
        // done again (and the views told apart again) before anything is published, so that every finding's
        // offsets are offsets in the text its file is published with.
        let stale = false;
        for (const [uri, text] of f.renders.texts()) {
          const x = f.workspace.get(uri);
          if (!x || clientUris.has(uri) || f.changedSinceRender.has(uri) || x.tooLarge !== undefined || x.unreadable !== undefined || x.text === text) continue;
          f.workspace.set({ uri, text });
          f.changedSinceRender.add(uri);
          stale = true;
        }
        if (stale) {
          f.dirty = true;
          f.viewRunAgain = true;
          return;
        }
        const before = JSON.stringify(f.views?.list.map((v) => v.name));
        f.views = { list, report: viewsReport(list, [], (uri) => fileOf(uri)?.text) };
        if (JSON.stringify(list.map((v) => v.name)) !== before && f === activeFolder()) void connection.sendNotification(ViewNotifications.viewsChanged, viewsResult());
        publishFindings(f, f.views.report.findings);
      })
      .catch((e) => connection.console.error(`rendering the views failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
      .finally(() => {
        f.viewRun = undefined;
        if (f.viewRunAgain) {
          f.viewRunAgain = false;
          refreshViews(f);
        }
      });
  };

  const viewsResult = (): ViewsResult => {
    const f = activeFolder();
    return {
      views: (f.views?.list ?? []).map((v) => ({
        name: v.name,
        detected: v.spec.detected,
        sources: [...(v.spec.kustomize.length > 0 ? ['kustomize' as const] : []), ...(v.spec.helm.length > 0 ? ['helm' as const] : []), ...(v.spec.files.length > 0 ? ['files' as const] : [])],
        findings: v.findings.length,
      })),
      active: f.views ? f.active()?.name : undefined,
    };
  };

  /** Publish what changed: each folder with a change or new settings, and the documents analysed alone. */
  const publish = (): void => {
    for (const f of folders) {
      if (!f.stale) continue;
      f.stale = false;
      if (f.viewMode()) {
        refreshViews(f);
        continue;
      }
      f.views = undefined;
      publishFindings(f, f.current().findings);
    }
    publishLoose();
  };

  const send = (uri: string, findings: readonly Finding[]): void => {
    const diagnostics = findings.map((x) => toDiagnostic(x, linesOf, docsBaseUrl));
    const key = JSON.stringify(diagnostics);
    const version = fileOf(uri)?.version;
    const signature = `${version ?? ''}|${key}`;
    if (published.get(uri) === signature) return;
    // A file on disk that was never reported needs no empty report; an open document gets one, so the client knows it was analysed.
    if (findings.length === 0 && !published.has(uri) && !clientUris.has(uri)) {
      published.set(uri, signature);
      return;
    }
    published.set(uri, signature);
    void connection.sendDiagnostics({ uri: clientUris.get(uri) ?? uri, version, diagnostics });
  };

  /** A folder's findings, by file; a file of the folder that has none any more is cleared. */
  const publishFindings = (f: Folder, all: readonly Finding[]): void => {
    const byUri = new Map<string, Finding[]>();
    for (const uri of f.workspace.uris()) byUri.set(uri, []);
    for (const x of all) {
      let list = byUri.get(x.uri);
      if (!list) byUri.set(x.uri, (list = []));
      list.push(x);
    }
    for (const uri of published.keys()) if (!byUri.has(uri) && !loose.has(uri) && inFolder(uri) === f) byUri.set(uri, []);
    for (const [uri, findings] of byUri) send(uri, findings);
    panel.changed();
    features.changed();
  };

  /** Documents analysed alone; one closed since is cleared. */
  const publishLoose = (): void => {
    for (const uri of loose.keys()) send(uri, current(uri).findings.filter((x) => x.uri === uri));
    for (const uri of published.keys()) if (!isFileUri(uri) && !loose.has(uri)) send(uri, []);
  };

  // Files opened or read from disk come in bursts: a short pause takes a burst together. An edit is analysed
  // at once (delay 0); edits that arrive while an analysis runs are taken together by the next one.
  let opened: string | undefined;
  /** Analyse and publish after `delay` ms: the folder that changed (every folder when none is given). */
  const schedule = (delay = 30, changed?: Folder | 'loose'): void => {
    if (changed instanceof Folder) changed.touch();
    else if (changed === undefined) for (const f of folders) f.touch();
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      publish();
    }, delay);
  };

  const flush = (): void => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
      publish();
    }
  };

  /** A folder's settings: the engine's defaults, then its .egress-lens.yaml, then the editor's egressLens.* settings for it. */
  const applyConfig = (f: Folder): void => {
    const file = f.configFile ? readConfigFile(f.configFile.uri, f.configFile.text) : { config: {}, problems: [] };
    if (f.configUnreadable !== undefined && f.configUri) file.problems.push({ uri: f.configUri, span: { start: 0, end: 0 }, message: `Configuration not applied: ${f.configUnreadable}.` });
    const limit = f.workspace.configuration.maxFileSize;
    f.workspace.setConfig({ ...mergeConfig(file.config, f.clientSettings), configProblems: file.problems, rootUri: f.rootUri, ...(observedFlows ? { observedFlows } : {}) });
    // Settings decide the views and how they render: everything is rendered again.
    f.renders.invalidate();
    if (f === folders[0]) {
      for (const alone of loose.values()) {
        alone.workspace.setConfig(looseConfig());
        alone.analysis = undefined;
      }
    }
    // A higher limit may let in files that were too large to read: read them again.
    if (f.workspace.configuration.maxFileSize > limit) {
      indexer.add(f.workspace.uris().filter((u) => f.workspace.get(u)?.tooLarge !== undefined && !clientUris.has(u)).flatMap((uri) => {
        const path = uriToPath(uri);
        return path ? [{ uri, path, deleted: false }] : [];
      }));
    }
    schedule(0, f);
  };

  /** A file's content as read from disk, into its folder (or out of it, when it is gone). */
  const applyRead = (uri: string, r: ReadResult): void => {
    const f = inFolder(uri);
    f.changedSinceRender.add(uri);
    f.touch();
    if (r === undefined) f.workspace.delete(uri);
    else if ('text' in r) f.workspace.set({ uri, text: r.text });
    else f.workspace.set({ uri, text: '', ...r });
  };
  const readFromDisk = (path: string): Promise<ReadResult> => readManifest(path, readLimit(inFolder(pathToUri(path)).workspace.configuration.maxFileSize));

  const loadClientSettings = async (f: Folder): Promise<void> => {
    if (!canAskConfiguration) return;
    try {
      const raw = (await connection.workspace.getConfiguration({ scopeUri: f.rootUri, section: 'egressLens' })) as Record<string, unknown> | null;
      // Unset settings come as null: they leave the file's value in place.
      const helmSetting = (raw?.helm as { path?: unknown } | undefined)?.path;
      f.clientHelmPath = typeof helmSetting === 'string' && helmSetting !== '' ? helmSetting : undefined;
      const set = Object.fromEntries(Object.entries(raw ?? {}).filter(([k, v]) => k !== 'trace' && k !== 'helm' && v !== null && v !== undefined && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)));
      const checked = checkConfig(set);
      for (const p of checked.problems) connection.console.warn(`egressLens setting ignored${folders.length > 1 && f.rootUri ? ` (${f.rootUri})` : ''}: ${p.message}`);
      f.clientSettings = checked.config;
    } catch {
      f.clientSettings = {};
    }
  };

  const loadConfigFile = async (f: Folder): Promise<void> => {
    const uri = f.configUri;
    if (!uri) return;
    const read = ++f.configReads;
    const open = clientUris.has(uri);
    const p = uriToPath(uri);
    let r: ReadResult;
    if (open) r = { text: f.workspace.get(uri)?.text ?? '' };
    else if (p) r = await readRegularFile(p, MAX_CONFIG_BYTES);
    // A later read (the file changed again meanwhile), or the buffer opened since, wins over this one.
    if (read !== f.configReads || (!open && clientUris.has(uri))) return;
    f.configFile = r && 'text' in r ? { uri, text: r.text } : undefined;
    f.configUnreadable = r && !('text' in r) ? whyNotRead(r, MAX_CONFIG_BYTES) : undefined;
  };

  // Files from disk: read in batches between requests, with progress the user can cancel (indexing.ts).
  const indexer = new FileIndexer<ReadResult>({
    read: readFromDisk,
    stalled: (_path, ms) => ({ unreadable: `reading it did not finish within ${ms / 1000} s` }),
    apply: applyRead,
    isOpen: (uri) => clientUris.has(uri),
    progress: () => features.indexing(),
    drained: () => schedule(0),
    failed: (uri, e) => connection.console.error(`indexing ${uri ?? 'queue'} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });

  const indexFolders = (): void =>
    indexer.scan(async () => {
      const files = (await Promise.all(roots.map((root) => findManifests(root)))).flat();
      return [...new Set(files)].map((path) => ({ uri: pathToUri(path), path, deleted: false }));
    });

  connection.onInitialize((params: InitializeParams) => {
    const opts = (params.initializationOptions ?? {}) as { docsBaseUrl?: string; workspaceTrusted?: boolean };
    if (typeof opts.docsBaseUrl === 'string') docsBaseUrl = opts.docsBaseUrl;
    // Only a client that says the workspace is trusted gets Helm charts rendered.
    trusted = opts.workspaceTrusted === true;
    const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = uris.map(uriToPath).filter((p): p is string => p !== undefined);
    if (roots.length > 0) folders = roots.map((root) => new Folder(root, pathToUri(root).replace(/\/?$/, '/')));
    canAskConfiguration = params.capabilities.workspace?.configuration === true;
    canDocumentChanges = params.capabilities.workspace?.workspaceEdit?.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
        ...features.initialize(params),
      },
      serverInfo: { name: 'egress-lens', version: VERSION },
    };
  });

  connection.onInitialized(async () => {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{yaml,yml,json}' }, { globPattern: `**/${CONFIG_FILE}` }] }).catch(() => undefined);
    await Promise.all(folders.flatMap((f) => [loadClientSettings(f), loadConfigFile(f)]));
    for (const f of folders) applyConfig(f);
    indexFolders();
  });

  connection.onDidChangeConfiguration(async () => {
    await Promise.all(folders.map((f) => loadClientSettings(f)));
    for (const f of folders) applyConfig(f);
  });

  /** The folder whose settings file a URI is, if it is one. */
  const configOf = (uri: string): Folder | undefined => folders.find((f) => f.configUri === uri);

  // Opening a document is followed by a change event with its text: that one reads it.
  documents.onDidOpen((e) => {
    const uri = normalizeUri(e.document.uri);
    clientUris.set(uri, e.document.uri);
    opened = uri;
  });
  documents.onDidChangeContent((e) => {
    const uri = normalizeUri(e.document.uri);
    if (!isFileUri(uri)) {
      let alone = loose.get(uri);
      if (!alone) loose.set(uri, (alone = { workspace: new Workspace(looseConfig()) }));
      alone.workspace.set({ uri, text: e.document.getText(), version: e.document.version });
      alone.analysis = undefined;
      schedule(opened === uri ? 30 : 0, 'loose');
      opened = undefined;
      return;
    }
    const f = inFolder(uri);
    focus = f;
    if (f.workspace.get(uri)?.text !== e.document.getText()) f.changedSinceRender.add(uri);
    f.workspace.set({ uri, text: e.document.getText(), version: e.document.version });
    const settingsOf = configOf(uri);
    if (settingsOf) {
      settingsOf.configFile = { uri, text: e.document.getText() };
      applyConfig(settingsOf);
    }
    // The change that comes with opening a file waits for the rest of a burst; an edit is analysed at once.
    schedule(opened === uri ? 30 : 0, f);
    opened = undefined;
  });
  documents.onDidClose(async (e) => {
    const uri = normalizeUri(e.document.uri);
    clientUris.delete(uri);
    if (loose.delete(uri)) {
      schedule(30, 'loose');
      return;
    }
    const p = uriToPath(uri);
    const r = p ? await readFromDisk(p) : undefined;
    // Re-opened while the disk was read: the buffer wins.
    if (clientUris.has(uri)) return;
    applyRead(uri, r);
    schedule(30, inFolder(uri));
  });

  /** Files created in a folder new to the workspace: the folder is read again for files the watcher missed (files.ts). */
  const readNewFolders = async (created: readonly string[]): Promise<void> => {
    const known = (p: string) => inFolder(pathToUri(p)).workspace.get(pathToUri(p)) !== undefined;
    const dirs = newFolders(created, folders.flatMap((f) => f.workspace.uris().flatMap((u) => uriToPath(u) ?? [])), roots);
    if (dirs.length === 0) return;
    const reported = new Set(created);
    const found = (await Promise.all(dirs.map((d) => findManifests(d)))).flat();
    const missed = found.filter((p) => !reported.has(p) && !known(p));
    if (missed.length > 0) indexer.add(missed.map((p) => ({ uri: pathToUri(p), path: p, deleted: false })));
  };

  connection.onDidChangeWatchedFiles(async (params) => {
    const queued: FileChange[] = [];
    const created: string[] = [];
    const configs = new Set<Folder>();
    for (const change of params.changes) {
      const uri = normalizeUri(change.uri);
      const p = uriToPath(uri);
      if (p && change.type === FileChangeType.Created) created.push(p);
      if (clientUris.has(uri)) continue; // the buffer wins over the disk
      if (!p || !isManifestPath(p)) continue;
      queued.push({ uri, path: p, deleted: change.type === FileChangeType.Deleted });
      const settingsOf = configOf(uri);
      if (settingsOf) configs.add(settingsOf);
    }
    // Queued before anything is awaited: changes reach the queue in the order they happened.
    if (queued.length > 0) indexer.add(queued);
    if (created.length > 0) void readNewFolders(created);
    for (const f of configs) {
      await loadConfigFile(f);
      applyConfig(f);
    }
  });

  registerCodeActions(connection, {
    documents,
    flush,
    current,
    views: (uri) => inFolder(uri).views?.report,
    fileOf,
    linesOf,
    clientUri: (u) => clientUris.get(u) ?? u,
    canDocumentChanges: () => canDocumentChanges,
  });

  connection.onRequest(Requests.namespaces, (): NamespaceInfo[] => {
    flush();
    return namespaceFiles(current(), viewOf(), activeFolder().views?.list).map((ns) => ({ ...ns, files: ns.files.map((u) => clientUris.get(u) ?? u) }));
  });

  connection.onRequest(ViewRequests.views, async (): Promise<ViewsResult> => {
    flush();
    await activeFolder().viewRun;
    return viewsResult();
  });

  connection.onRequest(ViewRequests.setView, async (p: SetViewParams): Promise<ViewsResult> => {
    if (!p || typeof p.name !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'setView needs a view name');
    flush();
    const f = activeFolder();
    await f.viewRun;
    if (!f.views?.list.some((v) => v.name === p.name)) throw new ResponseError(ErrorCodes.InvalidParams, `no view named "${p.name}"`);
    f.activeView = p.name;
    panel.changed();
    features.changed();
    const result = viewsResult();
    void connection.sendNotification(ViewNotifications.viewsChanged, result);
    return result;
  });

  connection.onNotification(ViewNotifications.workspaceTrusted, () => {
    if (trusted) return;
    trusted = true;
    for (const f of folders) f.renders.invalidate();
    schedule(0);
  });

  /** Where a place of the active view's render was written (places in plain files stay as they are). */
  const trace = (uri: string, span: { start: number; end: number }) => {
    const f = folders.find((x) => x.views && x.active()?.renderedUris.has(uri)) ?? activeFolder();
    const v = f.views ? f.active() : undefined;
    return v && v.renderedUris.has(uri) ? v.trace(uri, span) : { uri, span };
  };
  const panel = registerPanel(connection, { current, flush, linesOf, trace, observedSources: () => observedSources });
  // Change review: the workspace's files (plain, as on disk and in buffers) against a git revision.
  const comparisons = registerCompare(
    connection,
    {
      roots: () => (activeFolder().root ? [activeFolder().root!] : roots),
      files: () => activeFolder().workspace.uris().flatMap((u) => activeFolder().workspace.get(u) ?? []),
      config: () => activeFolder().workspace.configuration,
      analysis: () => {
        flush();
        const f = activeFolder();
        return f.views ? undefined : f.current();
      },
      flush,
      linesOf,
      lensesChanged: () => features.refreshLenses(),
    },
    () => panel.revision(),
  );
  const featureHost = {
    current,
    flush,
    linesOf,
    clientUri: (u: string) => clientUris.get(u) ?? u,
    engineUri: normalizeUri,
    view: viewOf,
    fileOf,
    changeLens: (uri: string) => comparisons.lens(uri),
  };
  const features = registerFeatures(connection, featureHost);
  registerReports(connection, featureHost);

  registerFlows(connection, {
    current,
    flush,
    setObserved: (records, sources) => {
      observedFlows = records;
      observedSources = sources;
      for (const f of folders) applyConfig(f);
    },
  });

  registerScaffoldRequests(connection, () => {
    flush();
    return current();
  }, (uri) => fileOf(normalizeUri(uri))?.text);

  documents.listen(connection);
  connection.listen();
}
