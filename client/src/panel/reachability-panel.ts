/**
 * The reachability panel's host: creates (or shows) the one webview panel, revives it after a reload,
 * feeds it from the language server (`egressLens/reachability`, `egressLens/explain`) and follows the
 * server's `egressLens/reachabilityChanged` notifications, debounced.
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CompareRequests, PanelRequests, type CompareParams, type ExplainResult, type PanelLocation, type ReachabilityDeltaResult, type ReachabilityParams, type ReachabilityResult } from '../../../server/src/lsp/protocol';
import { pickRevision } from '../commands/pick-revision';
import { VIEW_TYPE, type ExportFormat, type HostMessage, type PanelState, type WebviewMessage } from './messages';
import { validateWebviewMessage } from './validate';

export interface PanelContext {
  extensionUri: vscode.Uri;
  client: LanguageClient;
  /** Resolves once the language server is up. */
  ready: Promise<void>;
  log: vscode.OutputChannel;
}

/** Where the panel should open: on a workload id, or on whatever workload is at a place in a document. */
export interface PanelTarget {
  focus?: string;
  at?: ReachabilityParams['at'];
  /** Compare mode: the revision to compare the workspace with. */
  compare?: string;
}

/** Live updates: at most one request for the data per this many ms while edits keep coming. */
const UPDATE_DELAY = 150;

/** 128 random bits from the system's generator, base64: the page's scripts are the ones that carry it. */
export function nonce(): string {
  return randomBytes(16).toString('base64');
}

function attr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The page: strict CSP (nothing but our own bundle, by nonce), no data in it (it comes by message). */
export function panelHtml(webview: vscode.Webview, bundleDir: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(bundleDir, 'panel.js')).toString();
  const style = webview.asWebviewUri(vscode.Uri.joinPath(bundleDir, 'panel.css')).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    // blob: only for the PNG export (the graph's own SVG drawn onto a canvas).
    `img-src ${webview.cspSource} blob:`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(style)}">
<title>Egress Lens: Reachability</title>
</head>
<body>
<script nonce="${attr(n)}" src="${attr(script)}"></script>
</body>
</html>`;
}

export class ReachabilityPanel {
  static current: ReachabilityPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private focus: string | undefined;
  private at: PanelTarget['at'];
  /** Compare mode: the revision compared with (undefined: the workspace alone). */
  private compare: string | undefined;
  private compareFailed: string | undefined;
  private webviewReady = false;
  /** An export asked for before the webview was ready. */
  private pendingExport: ExportFormat | undefined;
  private lastJson = '';
  private lastRevision = 0;
  /** The revision of the whole data (no focus, no comparison) the webview holds: later answers are changes to it. */
  private held: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private again = false;
  /** Timings (ms since the command) of the first paint, for logs and benchmarks. */
  private openedAt = Date.now();
  /** The documents the server named in what this panel was sent: the only ones it may ask to open. */
  private readonly known = new Set<string>();

  static bundleDir(extensionUri: vscode.Uri): vscode.Uri {
    return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  }

  static options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [ReachabilityPanel.bundleDir(extensionUri)] };
  }

  static createOrShow(ctx: PanelContext, target: PanelTarget = {}): ReachabilityPanel {
    const existing = ReachabilityPanel.current;
    if (existing) {
      existing.panel.reveal(existing.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
      existing.retarget(target);
      return existing;
    }
    const before = vscode.window.tabGroups.all.length;
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Egress Reachability', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, ReachabilityPanel.options(ctx.extensionUri));
    void ReachabilityPanel.makeRoom(before);
    return (ReachabilityPanel.current = new ReachabilityPanel(panel, ctx, target));
  }

  /**
   * The panel opened a group of its own beside the one editor group: the picture gets the larger share
   * (three fifths), so that it is drawn large enough to read next to the YAML. Groups the user arranged
   * are left as they are.
   */
  private static async makeRoom(groupsBefore: number): Promise<void> {
    if (groupsBefore !== 1) return;
    try {
      await vscode.commands.executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.4 }, { size: 0.6 }] });
    } catch {
      // An editor without this command keeps its halves.
    }
  }

  /** After a window reload: the serializer hands back the panel and the webview's saved state. */
  static revive(panel: vscode.WebviewPanel, ctx: PanelContext, state: PanelState | undefined): ReachabilityPanel {
    ReachabilityPanel.current?.dispose();
    panel.webview.options = ReachabilityPanel.options(ctx.extensionUri);
    return (ReachabilityPanel.current = new ReachabilityPanel(panel, ctx, { focus: state?.focus, compare: state?.compare }));
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctx: PanelContext,
    target: PanelTarget,
  ) {
    this.focus = target.focus;
    this.at = target.at;
    this.compare = target.compare;
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'images', 'icon.png');
    panel.webview.html = panelHtml(panel.webview, ReachabilityPanel.bundleDir(ctx.extensionUri));
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const v = validateWebviewMessage(raw);
        if (v.ok) void this.onMessage(v.message);
        else this.ctx.log.appendLine(`reachability panel: refused a message from the webview: ${v.reason}`);
      }),
      panel.onDidChangeViewState((e) => {
        // Hidden panels are not fed; catch up when shown again.
        if (e.webviewPanel.visible && this.webviewReady) this.refreshSoon(0);
      }),
    );
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  /** Ask the webview to export, as its Export button would (SVG and PNG need the drawn graph). */
  requestExport(format: ExportFormat): void {
    if (this.webviewReady) this.post({ type: 'exportRequest', format });
    else this.pendingExport = format;
  }

  private retarget(target: PanelTarget): void {
    if (target.compare !== undefined) {
      this.compare = target.compare;
      if (target.focus === undefined && target.at === undefined) {
        if (this.webviewReady) void this.refresh(true);
        return;
      }
    }
    if (target.focus === undefined && target.at === undefined) return;
    this.focus = target.focus;
    this.at = target.at;
    this.openedAt = Date.now();
    if (this.webviewReady) void this.refresh(true);
  }

  /** When the last request for the data started (ms since the epoch). */
  private startedAt = 0;

  /**
   * The server published a new analysis: fetched at once, unless the last request started less than
   * UPDATE_DELAY ago (then when that much time has passed). One request at a time: while typing, the panel
   * follows at most every UPDATE_DELAY, and an edit after a pause shows without waiting.
   */
  onChanged(revision: number): void {
    if (!this.webviewReady || revision <= this.lastRevision) return;
    if (this.timer) return; // already due
    this.refreshSoon(Math.max(0, this.startedAt + UPDATE_DELAY - Date.now()));
  }

  private refreshSoon(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh(false);
    }, delay);
  }

  /** Ask the server and feed the webview (only when something changed; one request at a time). */
  private async refresh(force: boolean): Promise<void> {
    if (!this.panel.visible && !force) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    this.startedAt = Date.now();
    try {
      await this.ctx.ready;
      const whole = this.focus === undefined && this.at === undefined && this.compare === undefined;
      const params: ReachabilityParams = { focus: this.focus, at: this.at, ...(whole && !force && this.held !== undefined ? { since: this.held } : {}) };
      const answer = await this.fetch(params);
      this.at = undefined;
      this.lastRevision = Math.max(this.lastRevision, answer.revision);
      if ('delta' in answer) {
        // What changed since the data the webview holds: it applies the change (and asks again if it cannot).
        this.focus = undefined;
        this.held = answer.revision;
        this.lastJson = '';
        for (const x of [...answer.delta.nodes, ...answer.delta.rest.namespaces]) if (x.location) this.known.add(x.location.uri);
        this.post({ type: 'delta', delta: answer.delta });
      } else {
        const data = answer;
        this.focus = data.focus;
        this.held = data.focus === undefined && !data.compare ? data.revision : undefined;
        // The revision alone changing is no reason to redraw.
        const json = JSON.stringify({ ...data, revision: 0 });
        if (json !== this.lastJson || force) {
          this.lastJson = json;
          for (const x of [...data.nodes, ...data.namespaces]) if (x.location) this.known.add(x.location.uri);
          this.post({ type: 'data', data });
        } else if (this.held !== undefined) this.post({ type: 'revision', revision: data.revision });
      }
      if (this.compareFailed) {
        this.post({ type: 'error', message: this.compareFailed });
        this.compareFailed = undefined;
      }
    } catch (e) {
      this.ctx.log.appendLine(`reachability panel: ${(e as Error).message}`);
      this.post({ type: 'error', message: `The language server could not compute reachability: ${(e as Error).message}` });
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        void this.refresh(false);
      }
    }
  }

  /** The workspace's reachability, or in compare mode both states in one graph (back to the workspace alone when that fails). */
  private async fetch(params: ReachabilityParams): Promise<ReachabilityResult | ReachabilityDeltaResult> {
    if (this.compare !== undefined) {
      try {
        const p: CompareParams = { ...params, base: this.compare };
        return await this.ctx.client.sendRequest<ReachabilityResult>(CompareRequests.compare, p);
      } catch (e) {
        // Said after the workspace's own graph is sent (a new picture clears the notices).
        this.compareFailed = `Cannot compare with ${this.compare}: ${(e as Error).message}`;
        this.compare = undefined;
      }
    }
    return this.ctx.client.sendRequest<ReachabilityResult | ReachabilityDeltaResult>(PanelRequests.reachability, params);
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.webviewReady = true;
        // The state restored by the webview (after a reload) keeps its focus unless the command named one.
        if (this.focus === undefined && this.at === undefined) this.focus = m.state?.focus;
        if (this.compare === undefined) this.compare = m.state?.compare;
        this.lastJson = '';
        await this.refresh(true);
        if (this.pendingExport) {
          this.post({ type: 'exportRequest', format: this.pendingExport });
          this.pendingExport = undefined;
        }
        break;
      case 'resync':
        // The webview could not apply a change (it holds other data): send it whole.
        this.held = undefined;
        this.lastJson = '';
        await this.refresh(true);
        break;
      case 'setFocus':
        this.focus = m.focus ?? undefined;
        this.at = undefined;
        await this.refresh(true);
        break;
      case 'pickCompare': {
        const base = await pickRevision(this.ctx.client, 'Compare Reachability With…');
        if (base === undefined) break;
        this.compare = base;
        await this.refresh(true);
        break;
      }
      case 'setCompare':
        this.compare = m.base ?? undefined;
        await this.refresh(true);
        break;
      case 'clearObserved':
        // The server analyses again without them and says so (egressLens/reachabilityChanged): the panel follows.
        await vscode.commands.executeCommand('egressLens.loadFlows', { files: [] });
        break;
      case 'explain': {
        try {
          await this.ctx.ready;
          const result =
            m.compare && this.compare !== undefined && 'src' in m.params
              ? await this.ctx.client.sendRequest<ExplainResult>(CompareRequests.compareExplain, { base: this.compare, src: m.params.src, dst: m.params.dst })
              : await this.ctx.client.sendRequest<ExplainResult>(PanelRequests.explain, m.params);
          for (const s of result.sections) for (const i of s.items) for (const l of i.links) this.known.add(l.location.uri);
          this.post({ type: 'explanation', requestId: m.requestId, result });
        } catch (e) {
          this.post({ type: 'error', message: `No explanation: ${(e as Error).message}` });
        }
        break;
      }
      case 'open': {
        const uri = this.openable(m.location);
        if (!uri) {
          this.ctx.log.appendLine(`reachability panel: refused to open ${m.location.uri}: not a document of the workspace that the panel was shown`);
          this.post({ type: 'error', message: `Refused to open ${m.location.uri}: it is not a document of this workspace that the panel showed.` });
          break;
        }
        const r = m.location.range;
        const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
        // Beside the panel: in the first column when the panel is elsewhere.
        const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
        const editor = await vscode.window.showTextDocument(uri, { selection: new vscode.Range(range.start, range.start), viewColumn: column, preview: false });
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        break;
      }
      case 'export':
        await this.save(m);
        break;
      case 'rendered':
        this.ctx.log.appendLine(`reachability panel: ${m.view} of ${m.nodes} nodes and ${m.edges} edges drawn in ${m.ms} ms (revision ${m.revision}, ${Date.now() - this.openedAt} ms after opening)`);
        break;
      case 'error':
        this.ctx.log.appendLine(`reachability panel (webview): ${m.message}`);
        break;
    }
  }

  /** A location the webview may open: a file of a workspace folder that the server named to this panel. */
  private openable(loc: PanelLocation): vscode.Uri | undefined {
    let uri: vscode.Uri;
    try {
      uri = vscode.Uri.parse(loc.uri, true);
    } catch {
      return undefined;
    }
    if (!this.known.has(loc.uri) || uri.scheme !== 'file' || uri.path.split('/').includes('..')) return undefined;
    return vscode.workspace.getWorkspaceFolder(uri) ? uri : undefined;
  }

  private async save(m: Extract<WebviewMessage, { type: 'export' }>): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const filters: Record<string, string[]> = { svg: ['SVG image'], png: ['PNG image'], md: ['Markdown'], csv: ['CSV'], dot: ['Graphviz DOT'], json: ['JSON'] };
    const target = await vscode.window.showSaveDialog({
      title: 'Export Reachability',
      defaultUri: folder ? vscode.Uri.joinPath(folder, m.fileName) : undefined,
      filters: { [filters[m.format][0]]: [m.format] },
      saveLabel: 'Export',
    });
    if (!target) return;
    const bytes = m.encoding === 'base64' ? Buffer.from(m.content, 'base64') : Buffer.from(m.content, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    this.post({ type: 'exported', format: m.format, path: vscode.workspace.asRelativePath(target) });
  }

  dispose(): void {
    if (ReachabilityPanel.current === this) ReachabilityPanel.current = undefined;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
