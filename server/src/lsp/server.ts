import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  defaultDenyEgress,
  detectStyle,
  namespaceProblem,
  checkConfig,
  CONFIG_FILE,
  fixAll,
  fixesFor,
  mergeConfig,
  readConfigFile,
  freeName,
  LineIndex,
  renderYaml,
  Workspace,
  type Analysis,
  type EngineConfig,
  type Finding,
  type Fix,
} from '../engine';
import { toDiagnostic, toRange, type DiagnosticData } from './convert';
import { VERSION } from '../host/version';
import { registerScaffoldRequests } from './scaffold';
import { FIX_ALL_KIND, Requests, type NamespaceInfo, type ScaffoldDefaultDenyParams, type ScaffoldResult } from './protocol';
import { registerPanel } from './panel';
import { registerFeatures } from './features';
import { FileIndexer, type FileChange } from './indexing';
import { registerReports } from './report';
import { defaultDocsBaseUrl, findManifests, isManifestPath, MAX_CONFIG_BYTES, pathToUri, readLimit, readManifest, readRegularFile, uriToPath, whyNotRead, type ReadResult } from '../host/files';

/** Normalise file URIs so that editor URIs and disk URIs of one file are equal. */
function normalizeUri(uri: string): string {
  const p = uriToPath(uri);
  return p ? pathToUri(p) : uri;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace();
  let docsBaseUrl = defaultDocsBaseUrl(__dirname);
  let roots: string[] = [];
  let analysis: Analysis | undefined;
  let dirty = true;
  let timer: NodeJS.Timeout | undefined;
  const published = new Map<string, string>();
  /** The workspace root (with a trailing slash): settings file and exclude globs are relative to it. */
  let rootUri: string | undefined;
  let configFile: { uri: string; text: string } | undefined;
  /** Why the settings file could not be read, when it exists but could not be. */
  let configUnreadable: string | undefined;
  let clientSettings: Partial<EngineConfig> = {};
  let canAskConfiguration = false;
  /** Clients without documentChanges get plain `changes` (no version check, no file creation). */
  let canDocumentChanges = false;
  const lineCache = new Map<string, { text: string; lines: LineIndex }>();
  /** Open documents: normalised uri -> the uri the client used. */
  const clientUris = new Map<string, string>();
  /**
   * Open documents that are not files (an unsaved `untitled:` buffer, a `git:` revision): each is analysed
   * alone, with the workspace's settings, and never changes the analysis of the files on disk.
   */
  const loose = new Map<string, { workspace: Workspace; analysis?: Analysis }>();
  const isFileUri = (uri: string): boolean => uri.startsWith('file:');
  /** The settings for a document analysed alone: no root to exclude from, no settings file to report on. */
  const looseConfig = (): Partial<EngineConfig> => ({ ...workspace.configuration, exclude: [], configProblems: [], rootUri: undefined });
  const fileOf = (uri: string) => workspace.get(uri) ?? loose.get(uri)?.workspace.get(uri);

  const linesOf = (uri: string): LineIndex => {
    // The settings file's problems can be published before indexing reads it: its text is known already.
    const text = fileOf(uri)?.text ?? (uri === configFile?.uri ? configFile.text : '');
    const hit = lineCache.get(uri);
    if (hit && hit.text === text) return hit.lines;
    const lines = new LineIndex(text);
    lineCache.set(uri, { text, lines });
    return lines;
  };

  const current = (uri?: string): Analysis => {
    const alone = uri === undefined ? undefined : loose.get(normalizeUri(uri));
    if (alone) return (alone.analysis ??= alone.workspace.analyze());
    if (!analysis || dirty) {
      analysis = workspace.analyze();
      dirty = false;
    }
    return analysis;
  };

  const publish = (): void => {
    const a = current();
    const byUri = new Map<string, Finding[]>();
    for (const uri of workspace.uris()) byUri.set(uri, []);
    for (const f of a.findings) {
      let list = byUri.get(f.uri);
      if (!list) byUri.set(f.uri, (list = []));
      list.push(f);
    }
    for (const uri of loose.keys()) byUri.set(uri, current(uri).findings.filter((f) => f.uri === uri));
    for (const uri of published.keys()) if (!byUri.has(uri)) byUri.set(uri, []);
    for (const [uri, findings] of byUri) {
      const diagnostics = findings.map((f) => toDiagnostic(f, linesOf, docsBaseUrl));
      const key = JSON.stringify(diagnostics);
      const version = fileOf(uri)?.version;
      const signature = `${version ?? ''}|${key}`;
      if (published.get(uri) === signature) continue;
      // A file on disk that was never reported needs no empty report; an open document gets one, so the client knows it was analysed.
      if (findings.length === 0 && !published.has(uri) && !clientUris.has(uri)) {
        published.set(uri, signature);
        continue;
      }
      published.set(uri, signature);
      void connection.sendDiagnostics({ uri: clientUris.get(uri) ?? uri, version, diagnostics });
    }
    panel.changed();
    features.changed();
  };

  // Files opened or read from disk come in bursts: a short pause takes a burst together. An edit is analysed
  // at once (delay 0); edits that arrive while an analysis runs are taken together by the next one.
  let opened: string | undefined;
  const schedule = (delay = 30): void => {
    dirty = true;
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

  /** Settings: the engine's defaults, then .egress-lens.yaml, then the editor's egressLens.* settings. */
  const applyConfig = (): void => {
    const file = configFile ? readConfigFile(configFile.uri, configFile.text) : { config: {}, problems: [] };
    if (configUnreadable !== undefined && rootUri) file.problems.push({ uri: rootUri + CONFIG_FILE, span: { start: 0, end: 0 }, message: `Configuration not applied: ${configUnreadable}.` });
    const limit = workspace.configuration.maxFileSize;
    workspace.setConfig({ ...mergeConfig(file.config, clientSettings), configProblems: file.problems, rootUri });
    for (const alone of loose.values()) {
      alone.workspace.setConfig(looseConfig());
      alone.analysis = undefined;
    }
    // A higher limit may let in files that were too large to read: read them again.
    if (workspace.configuration.maxFileSize > limit) {
      indexer.add(workspace.uris().filter((u) => workspace.get(u)?.tooLarge !== undefined && !clientUris.has(u)).flatMap((uri) => {
        const path = uriToPath(uri);
        return path ? [{ uri, path, deleted: false }] : [];
      }));
    }
    schedule(0);
  };

  /** A file's content as read from disk, into the workspace (or out of it, when it is gone). */
  const applyRead = (uri: string, r: ReadResult): void => {
    if (r === undefined) workspace.delete(uri);
    else if ('text' in r) workspace.set({ uri, text: r.text });
    else workspace.set({ uri, text: '', ...r });
  };
  const readFromDisk = (path: string): Promise<ReadResult> => readManifest(path, readLimit(workspace.configuration.maxFileSize));

  const loadClientSettings = async (): Promise<void> => {
    if (!canAskConfiguration) return;
    try {
      const raw = (await connection.workspace.getConfiguration({ scopeUri: rootUri, section: 'egressLens' })) as Record<string, unknown> | null;
      // Unset settings come as null: they leave the file's value in place.
      const set = Object.fromEntries(Object.entries(raw ?? {}).filter(([k, v]) => k !== 'trace' && v !== null && v !== undefined && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)));
      const checked = checkConfig(set);
      for (const p of checked.problems) connection.console.warn(`egressLens setting ignored: ${p.message}`);
      clientSettings = checked.config;
    } catch {
      clientSettings = {};
    }
  };

  let configReads = 0;
  const loadConfigFile = async (): Promise<void> => {
    if (!rootUri) return;
    const uri = rootUri + CONFIG_FILE;
    const read = ++configReads;
    const open = [...clientUris].find(([n]) => n === uri);
    const p = uriToPath(uri);
    let r: ReadResult;
    if (open) r = { text: workspace.get(uri)?.text ?? '' };
    else if (p) r = await readRegularFile(p, MAX_CONFIG_BYTES);
    // A later read (the file changed again meanwhile), or the buffer opened since, wins over this one.
    if (read !== configReads || (!open && clientUris.has(uri))) return;
    configFile = r && 'text' in r ? { uri, text: r.text } : undefined;
    configUnreadable = r && !('text' in r) ? whyNotRead(r, MAX_CONFIG_BYTES) : undefined;
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
      return files.map((path) => ({ uri: pathToUri(path), path, deleted: false }));
    });

  connection.onInitialize((params: InitializeParams) => {
    const opts = (params.initializationOptions ?? {}) as { docsBaseUrl?: string };
    if (typeof opts.docsBaseUrl === 'string') docsBaseUrl = opts.docsBaseUrl;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = folders.map(uriToPath).filter((p): p is string => p !== undefined);
    if (roots.length > 0) rootUri = pathToUri(roots[0]).replace(/\/?$/, '/');
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
    await Promise.all([loadClientSettings(), loadConfigFile()]);
    applyConfig();
    indexFolders();
  });

  connection.onDidChangeConfiguration(async () => {
    await loadClientSettings();
    applyConfig();
  });

  const isConfigUri = (uri: string): boolean => rootUri !== undefined && uri === rootUri + CONFIG_FILE;

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
      schedule(opened === uri ? 30 : 0);
      opened = undefined;
      return;
    }
    workspace.set({ uri, text: e.document.getText(), version: e.document.version });
    if (isConfigUri(uri)) {
      configFile = { uri, text: e.document.getText() };
      applyConfig();
    }
    // The change that comes with opening a file waits for the rest of a burst; an edit is analysed at once.
    schedule(opened === uri ? 30 : 0);
    opened = undefined;
  });
  documents.onDidClose(async (e) => {
    const uri = normalizeUri(e.document.uri);
    clientUris.delete(uri);
    if (loose.delete(uri)) {
      schedule();
      return;
    }
    const p = uriToPath(uri);
    const r = p ? await readFromDisk(p) : undefined;
    // Re-opened while the disk was read: the buffer wins.
    if (clientUris.has(uri)) return;
    applyRead(uri, r);
    schedule();
  });

  connection.onDidChangeWatchedFiles(async (params) => {
    const queued: FileChange[] = [];
    let config = false;
    for (const change of params.changes) {
      const uri = normalizeUri(change.uri);
      if (clientUris.has(uri)) continue; // the buffer wins over the disk
      const p = uriToPath(uri);
      if (!p || !isManifestPath(p)) continue;
      queued.push({ uri, path: p, deleted: change.type === FileChangeType.Deleted });
      config ||= isConfigUri(uri);
    }
    // Queued before anything is awaited: changes reach the queue in the order they happened.
    if (queued.length > 0) indexer.add(queued);
    if (config) {
      await loadConfigFile();
      applyConfig();
    }
  });

  const editFor = (uri: string, fixes: Fix[]): WorkspaceEdit => {
    const byUri = new Map<string, LspTextEdit[]>();
    const created = new Set<string>();
    for (const fix of fixes) {
      for (const e of fix.edits) {
        const list = byUri.get(e.uri) ?? [];
        if (e.create) {
          created.add(e.uri);
          list.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: e.newText });
        } else list.push({ range: toRange(linesOf(e.uri), { start: e.start, end: e.end }), newText: e.newText });
        byUri.set(e.uri, list);
      }
    }
    const changes: WorkspaceEdit['documentChanges'] = [];
    for (const [u, edits] of byUri) {
      // A new file: created first (never over an existing one), then filled.
      if (created.has(u)) changes.push({ kind: 'create', uri: u, options: { overwrite: false, ignoreIfExists: false } });
      changes.push({
        // Tied to the version the fix was computed for: the client refuses it if the text has moved on.
        textDocument: { uri: clientUris.get(u) ?? u, version: created.has(u) ? null : (fileOf(u)?.version ?? null) },
        edits,
      });
    }
    if (!canDocumentChanges) {
      const plain: Record<string, LspTextEdit[]> = {};
      for (const [u, edits] of byUri) if (!created.has(u)) plain[clientUris.get(u) ?? u] = edits;
      return { changes: plain };
    }
    return { documentChanges: changes };
  };

  const findingFor = (a: Analysis, uri: string, d: Diagnostic): Finding | undefined => {
    const data = d.data as DiagnosticData | undefined;
    if (d.source !== 'egress-lens' || !data || typeof data.ruleId !== 'string') return undefined;
    return a.findings.find(
      (f) => f.uri === uri && f.ruleId === data.ruleId && f.span.start === data.span?.start && f.span.end === data.span?.end,
    );
  };

  connection.onCodeAction((params) => {
    const uri = normalizeUri(params.textDocument.uri);
    const open = documents.get(params.textDocument.uri);
    flush();
    const a = current(uri);
    if (open && fileOf(uri)?.version !== open.version) return [];
    const only = params.context.only;
    const actions: CodeAction[] = [];
    const wantQuickFix = !only || only.some((k) => CodeActionKind.QuickFix.startsWith(k) || k.startsWith(CodeActionKind.QuickFix));
    if (wantQuickFix) {
      for (const d of params.context.diagnostics) {
        const finding = findingFor(a, uri, d);
        if (!finding) continue;
        for (const fix of fixesFor(a, finding)) {
          // A new file needs documentChanges; a client without them is not offered such a fix.
          if (!canDocumentChanges && fix.edits.some((e) => e.create)) continue;
          actions.push({
            title: fix.safety === 'unsafe' ? `${fix.title} (may block traffic)` : fix.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            isPreferred: fix.safety === 'safe',
            edit: editFor(uri, [fix]),
          });
        }
      }
    }
    const wantFixAll = only?.some((k) => FIX_ALL_KIND.startsWith(k) || k === CodeActionKind.Source || k === CodeActionKind.SourceFixAll);
    if (wantFixAll) {
      const edit = fixAll(a, uri);
      if (edit) actions.push({ title: 'Fix all safe Egress Lens problems', kind: FIX_ALL_KIND, edit: editFor(uri, [{ title: 'fix all', safety: 'safe', edits: [edit] }]) });
    }
    return actions;
  });

  connection.onRequest(Requests.namespaces, (): NamespaceInfo[] => {
    flush();
    const a = current();
    // Per namespace and file: its workloads there, and all its resources there (the Namespace object
    // counts for the namespace it declares). The file with the most workloads, then resources, comes first.
    const counts = new Map<string, Map<string, { workloads: number; resources: number }>>();
    const count = (ns: string, uri: string) => {
      let files = counts.get(ns);
      if (!files) counts.set(ns, (files = new Map()));
      let c = files.get(uri);
      if (!c) files.set(uri, (c = { workloads: 0, resources: 0 }));
      return c;
    };
    for (const r of a.model.resources) {
      const ns = r.kind === 'Namespace' && r.group === '' ? r.name : r.namespace;
      if (ns) count(ns, r.uri).resources++;
    }
    for (const w of a.model.workloads) for (const uri of new Set(w.resources.map((r) => r.uri))) count(w.namespace, uri).workloads++;
    const filesOf = (ns: string) =>
      [...(counts.get(ns) ?? new Map<string, { workloads: number; resources: number }>())]
        .sort(([u, x], [v, y]) => y.workloads - x.workloads || y.resources - x.resources || (u < v ? -1 : 1))
        .map(([uri]) => clientUris.get(uri) ?? uri);
    return [...a.model.namespaces.values()]
      .map((ns) => ({
        name: ns.name,
        declared: ns.resource !== undefined,
        workloads: a.model.workloads.filter((w) => w.namespace === ns.name).length,
        files: filesOf(ns.name),
      }))
      .sort((x, y) => x.name.localeCompare(y.name));
  });

  connection.onRequest(Requests.scaffoldDefaultDeny, (p: ScaffoldDefaultDenyParams): ScaffoldResult => {
    // Kubernetes refuses an object in a namespace whose name is not an RFC 1123 label: say so now.
    const problem = namespaceProblem(p.namespace);
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
    flush();
    const a = current();
    const taken = new Set(a.model.networkPolicies.filter((np) => np.namespace === p.namespace).map((np) => np.name));
    const base = p.allowDns ? 'default-deny-egress' : 'deny-all-egress';
    const policy = defaultDenyEgress({ namespace: p.namespace, allowDns: p.allowDns, dns: a.config.dns, name: freeName(base, taken) });
    const text = p.uri ? fileOf(normalizeUri(p.uri))?.text ?? '' : '';
    return { text: renderYaml(policy, detectStyle(text)) };
  });

  const panel = registerPanel(connection, { current, flush, linesOf });
  const featureHost = { current, flush, linesOf, clientUri: (u: string) => clientUris.get(u) ?? u, engineUri: normalizeUri };
  const features = registerFeatures(connection, featureHost);
  registerReports(connection, featureHost);

  registerScaffoldRequests(connection, () => {
    flush();
    return current();
  }, (uri) => fileOf(normalizeUri(uri))?.text);

  documents.listen(connection);
  connection.listen();
}
