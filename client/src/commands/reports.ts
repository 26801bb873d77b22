import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReportRequests, ScaffoldRequests, type ExplainWorkloadResult, type WorkloadInfo } from '../../../server/src/lsp/protocol';
import type { ConnlistFormat } from '../../../server/src/engine/index';
import { ReachabilityPanel } from '../panel/reachability-panel';

/** Arguments let tests (and other commands) skip the pickers. */
export interface ExplainWorkloadArgs {
  workload?: string;
}

export interface ExportReachabilityArgs {
  format?: ConnlistFormat | 'svg' | 'png';
  /** Where to write (skips the save dialog). */
  target?: vscode.Uri;
}

async function pickWorkload(client: LanguageClient, title: string): Promise<string | undefined> {
  const workloads = await client.sendRequest<WorkloadInfo[]>(ScaffoldRequests.workloads);
  if (workloads.length === 0) {
    void vscode.window.showInformationMessage('Egress Lens: no workloads in this workspace yet.');
    return undefined;
  }
  const editor = vscode.window.activeTextEditor;
  const text = editor?.document.languageId === 'yaml' ? editor.document.getText() : '';
  // The workloads of the current file first.
  const here = (w: WorkloadInfo) => text.includes(`name: ${w.name}`);
  const items = [...workloads].sort((a, b) => Number(here(b)) - Number(here(a))).map((w) => ({ label: w.id, description: w.restricted ? 'egress restricted' : 'egress unrestricted', value: w.id }));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Which workload?' }))?.value;
}

const FORMATS: { label: string; value: ConnlistFormat | 'svg' | 'png'; ext: string }[] = [
  { label: 'Markdown table', value: 'md', ext: 'md' },
  { label: 'CSV', value: 'csv', ext: 'csv' },
  { label: 'DOT (Graphviz)', value: 'dot', ext: 'dot' },
  { label: 'JSON', value: 'json', ext: 'json' },
  { label: 'Connectivity list (netpol-analyzer format)', value: 'txt', ext: 'txt' },
  { label: 'SVG image of the graph', value: 'svg', ext: 'svg' },
  { label: 'PNG image of the graph', value: 'png', ext: 'png' },
];

export function registerReports(client: LanguageClient, ready: Promise<void>): vscode.Disposable {
  const explain = vscode.commands.registerCommand('egressLens.explainWorkload', async (args?: ExplainWorkloadArgs): Promise<vscode.TextDocument | undefined> => {
    await ready;
    const workload = args?.workload ?? (await pickWorkload(client, 'Explain Egress of Workload'));
    if (!workload) return undefined;
    const r = await client.sendRequest<ExplainWorkloadResult>(ReportRequests.explainWorkload, { workload });
    if (!r.ok) {
      void vscode.window.showErrorMessage(`Egress Lens: ${r.error}`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: r.markdown });
    await vscode.commands.executeCommand('markdown.showPreviewToSide', doc.uri).then(undefined, () => vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside));
    return doc;
  });
  const exportCmd = vscode.commands.registerCommand('egressLens.exportReachability', async (args?: ExportReachabilityArgs): Promise<vscode.Uri | undefined> => {
    await ready;
    const picked = args?.format ? FORMATS.find((f) => f.value === args.format) : await vscode.window.showQuickPick(FORMATS, { title: 'Export Reachability', placeHolder: 'Format' });
    if (!picked) return undefined;
    if (picked.value === 'svg' || picked.value === 'png') {
      // Images are drawn by the panel: open it on the workspace and let it export the graph it draws.
      await vscode.commands.executeCommand('egressLens.showReachability');
      ReachabilityPanel.current?.requestExport(picked.value);
      return undefined;
    }
    const { text } = await client.sendRequest<{ text: string }>(ReportRequests.exportReachability, { format: picked.value });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target =
      args?.target ??
      (await vscode.window.showSaveDialog({ title: 'Export Reachability', defaultUri: folder ? vscode.Uri.joinPath(folder, `reachability.${picked.ext}`) : undefined, filters: { [picked.label]: [picked.ext] }, saveLabel: 'Export' }));
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Egress Lens: reachability exported to ${vscode.workspace.asRelativePath(target)}.`);
    return target;
  });
  return vscode.Disposable.from(explain, exportCmd);
}
