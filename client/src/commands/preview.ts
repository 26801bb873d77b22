/**
 * The preview of a scaffold: a new, unsaved YAML document beside the editor, with a bar at its top (code
 * lenses) that stays while it is open: Insert into the file that holds that namespace's resources, Save
 * As…, Discard. An unsaved buffer is analysed alone by the server, so the preview changes nothing in the
 * workspace's analysis until it is saved or inserted.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Requests, type NamespaceInfo } from '../../../server/src/lsp/protocol';

interface Preview {
  title: string;
  /** The file that holds the namespace's resources: where Insert puts the text. */
  into?: vscode.Uri;
  /** Other cluster views that read that file too (a shared Kustomize base): Insert says so. */
  sharedWith?: string[];
  /** A file name to propose when saving. */
  fileName: string;
}

export const PREVIEW_COMMANDS = { insert: 'egressLens.preview.insert', saveAs: 'egressLens.preview.saveAs', discard: 'egressLens.preview.discard' } as const;

/** Append YAML documents to a document, after a `---` when it has content, in its line endings. */
export async function appendDocuments(doc: vscode.TextDocument, text: string): Promise<vscode.Range | undefined> {
  const existing = doc.getText();
  const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const prefix = existing.trim() === '' ? '' : `${existing.endsWith('\n') ? '' : eol}---${eol}`;
  const end = doc.positionAt(existing.length);
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, end, prefix + text.replace(/\r?\n/g, eol));
  if (!(await vscode.workspace.applyEdit(edit))) return undefined;
  const startLine = end.line + (prefix.match(/\n/g)?.length ?? 0);
  return new vscode.Range(startLine, 0, doc.lineCount - 1, 0);
}

/** Where Insert puts a namespace's new resources: its first file, and the other views that read it. */
/**
 * Where a scaffold's answer goes: its error shown; with `target`, straight into the current file or a new
 * document; else its notes shown and `preview` called with the text.
 */
export async function deliverScaffold(r: { ok: true; text: string; notes: string[] } | { ok: false; error: string }, target: 'current' | 'new' | undefined, preview: (text: string) => Promise<unknown>): Promise<void> {
  if (!r.ok) {
    void vscode.window.showErrorMessage(`Egress Lens: ${r.error}`);
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (target === 'current' && editor) {
    await appendDocuments(editor.document, r.text);
    return;
  }
  for (const n of r.notes) void vscode.window.showInformationMessage(`Egress Lens: ${n}`);
  if (target === 'new') {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'yaml', content: r.text }), { viewColumn: vscode.ViewColumn.Beside });
    return;
  }
  await preview(r.text);
}

export function insertTarget(info: NamespaceInfo | undefined): Pick<Preview, 'into' | 'sharedWith'> {
  const uri = info?.files[0];
  return uri ? { into: vscode.Uri.parse(uri), ...(info.sharedWith ? { sharedWith: info.sharedWith } : {}) } : {};
}

/** The file a namespace's new resources belong in: the workspace file holding most of its resources (in a view, one its kustomizations list). */
export async function namespaceFile(client: LanguageClient, namespace: string): Promise<Pick<Preview, 'into' | 'sharedWith'>> {
  const list = await client.sendRequest<NamespaceInfo[]>(Requests.namespaces);
  return insertTarget(list.find((n) => n.name === namespace));
}

export class ScaffoldPreviews implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly previews = new Map<string, Preview>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.languages.registerCodeLensProvider({ scheme: 'untitled', language: 'yaml' }, this),
      vscode.commands.registerCommand(PREVIEW_COMMANDS.insert, (uri?: vscode.Uri) => this.insert(uri)),
      vscode.commands.registerCommand(PREVIEW_COMMANDS.saveAs, (uri?: vscode.Uri) => this.saveAs(uri)),
      vscode.commands.registerCommand(PREVIEW_COMMANDS.discard, (uri?: vscode.Uri) => this.discard(uri)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.previews.delete(d.uri.toString())) this.changed.fire();
      }),
      this.changed,
    );
  }

  /** Open a preview of scaffolded YAML beside the editor. */
  async show(text: string, preview: Preview): Promise<vscode.TextEditor> {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
    this.previews.set(doc.uri.toString(), preview);
    this.changed.fire();
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const p = this.previews.get(doc.uri.toString());
    if (!p) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    // The actions first (a narrow editor cuts the end of the line), then what the preview is.
    const lenses: vscode.CodeLens[] = [];
    const shared = p.sharedWith?.length ? ` (shared with ${p.sharedWith.length === 1 ? 'view' : 'views'} ${p.sharedWith.join(', ')})` : '';
    if (p.into) lenses.push(new vscode.CodeLens(top, { title: `$(insert) Insert into ${vscode.workspace.asRelativePath(p.into)}${shared}`, command: PREVIEW_COMMANDS.insert, arguments: [doc.uri] }));
    lenses.push(
      new vscode.CodeLens(top, { title: '$(save-as) Save As…', command: PREVIEW_COMMANDS.saveAs, arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: '$(close) Discard', command: PREVIEW_COMMANDS.discard, arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: `Preview of ${p.title}: not in the workspace until saved`, command: '' }),
    );
    return lenses;
  }

  private find(uri: vscode.Uri | undefined): { doc: vscode.TextDocument; preview: Preview } | undefined {
    const key = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
    const preview = key === undefined ? undefined : this.previews.get(key);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    return preview && doc ? { doc, preview } : undefined;
  }

  /**
   * Close the preview without asking to save it: its text is emptied (an empty untitled document has nothing
   * to save) and every tab that shows it is closed, in whichever editor group it is, whatever group has focus.
   */
  private async close(doc: vscode.TextDocument): Promise<void> {
    this.previews.delete(doc.uri.toString());
    this.changed.fire();
    const key = doc.uri.toString();
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key);
    if (!doc.isClosed && doc.getText() !== '') {
      const empty = new vscode.WorkspaceEdit();
      empty.delete(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)));
      await vscode.workspace.applyEdit(empty);
    }
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
  }

  private async insert(uri: vscode.Uri | undefined): Promise<void> {
    const p = this.find(uri);
    if (!p?.preview.into) return;
    const text = p.doc.getText();
    const target = await vscode.workspace.openTextDocument(p.preview.into);
    // Saved with it, unless it held unsaved changes of its own (those stay the user's to save).
    const wasDirty = target.isDirty;
    const range = await appendDocuments(target, text);
    if (!range) {
      void vscode.window.showErrorMessage(`Egress Lens: could not insert into ${vscode.workspace.asRelativePath(p.preview.into)}.`);
      return;
    }
    if (!wasDirty) await target.save();
    await this.close(p.doc);
    const editor = await vscode.window.showTextDocument(target, { preview: false });
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async saveAs(uri: vscode.Uri | undefined): Promise<void> {
    const p = this.find(uri);
    if (!p) return;
    const near = p.preview.into ? vscode.Uri.joinPath(p.preview.into, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ title: `Save ${p.preview.title}`, defaultUri: near ? vscode.Uri.joinPath(near, p.preview.fileName) : undefined, filters: { YAML: ['yaml', 'yml'] }, saveLabel: 'Save' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(p.doc.getText(), 'utf8'));
    await this.close(p.doc);
    await vscode.window.showTextDocument(target, { preview: false });
  }

  private async discard(uri: vscode.Uri | undefined): Promise<void> {
    const p = this.find(uri);
    if (p) await this.close(p.doc);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
