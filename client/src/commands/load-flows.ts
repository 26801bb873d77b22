import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { FlowRequests, type LoadFlowsParams, type LoadFlowsResult } from '../../../server/src/lsp/protocol';

/** Egress Lens: Load Observed Flows… — flow logs replayed against the workspace; EL117 marks what would break. */
export function registerLoadFlows(client: LanguageClient, ready: Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.loadFlows', async (args?: Partial<LoadFlowsParams>) => {
    await ready;
    let files = args?.files;
    if (!files) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Load Observed Flows',
        canSelectMany: true,
        openLabel: 'Load',
        filters: { 'Flow logs (Hubble JSON, Calico flow logs, AWS VPC flow logs)': ['json', 'jsonl', 'log', 'txt', 'gz'], 'All files': ['*'] },
      });
      if (!picked) return;
      files = picked.map((u) => u.toString());
    }
    const params: LoadFlowsParams = { files, ...(args?.pods ? { pods: args.pods } : {}) };
    let r: LoadFlowsResult;
    try {
      r = await client.sendRequest<LoadFlowsResult>(FlowRequests.loadFlows, params);
    } catch (e) {
      const message = (e as Error).message;
      // AWS VPC flow logs name addresses only: ask for the pods, then try again.
      if (!params.pods && /--pods/.test(message)) {
        const pods = await vscode.window.showOpenDialog({ title: 'The pods of the cluster (kubectl get pods -A -o json)', canSelectMany: false, filters: { JSON: ['json'] } });
        if (!pods) return;
        return vscode.commands.executeCommand('egressLens.loadFlows', { files, pods: pods[0].toString() });
      }
      void vscode.window.showErrorMessage(`Egress Lens: ${message.replace(/--pods FILE/, 'the pods file')}`);
      return;
    }
    if (files.length === 0) return r;
    const parts = [`${r.flows.toLocaleString()} flows, ${r.connections.toLocaleString()} distinct connections`];
    if (r.unknown > 0) parts.push(`${r.unknown.toLocaleString()} with endpoints the workspace does not know`);
    if (r.malformed > 0) parts.push(`${r.malformed.toLocaleString()} malformed lines (first: ${r.problems[0]})`);
    const verdict = r.blocked > 0 ? `${r.blocked} observed connections would be blocked: see the EL117 problems.` : 'every observed connection is allowed.';
    void vscode.window.showInformationMessage(`Egress Lens: ${parts.join('; ')}; ${verdict}`);
    return r;
  });
}
