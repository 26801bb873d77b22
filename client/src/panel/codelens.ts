/**
 * "Show reachability" above every workload of a YAML file (from `egressLens/workloadLenses`), refreshed
 * when the server publishes a new analysis.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PanelRequests, type WorkloadLens, type WorkloadLensParams } from '../../../server/src/lsp/protocol';

export class WorkloadCodeLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly ready: Promise<void>,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    await this.ready;
    if (token.isCancellationRequested) return [];
    const params: WorkloadLensParams = { uri: document.uri.toString() };
    let lenses: WorkloadLens[];
    try {
      lenses = await this.client.sendRequest<WorkloadLens[]>(PanelRequests.workloadLenses, params, token);
    } catch {
      return [];
    }
    return lenses.map((l) => {
      const range = new vscode.Range(l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character);
      return new vscode.CodeLens(range, {
        title: l.egressRestricted ? 'Show reachability' : 'Show reachability · egress unrestricted',
        tooltip: `Egress Lens: what ${l.workload} can reach, and why`,
        command: 'egressLens.showReachability',
        arguments: [{ focus: l.workload }],
      });
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}
