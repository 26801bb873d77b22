import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Requests, type NamespaceInfo, type ScaffoldDefaultDenyParams, type ScaffoldResult } from '../../../server/src/lsp/protocol';
import { appendDocuments, insertTarget, type ScaffoldPreviews } from './preview';

/** Arguments let tests and other commands skip the pickers. */
export interface NewDefaultDenyArgs {
  namespace?: string;
  allowDns?: boolean;
  /** The active editor, or a new unsaved document; by default a preview with Insert / Save As… / Discard. */
  target?: 'current' | 'new';
}

const OTHER = '$(edit) Other namespace…';

async function pickNamespace(namespaces: NamespaceInfo[]): Promise<string | undefined> {
  const items: vscode.QuickPickItem[] = namespaces.map((ns) => ({
    label: ns.name,
    description: `${ns.workloads} workload${ns.workloads === 1 ? '' : 's'}`,
    detail: ns.declared ? undefined : 'referenced, not declared in the workspace',
  }));
  items.push({ label: OTHER });
  const picked = await vscode.window.showQuickPick(items, { title: 'New Default-Deny Egress Policy (1/2)', placeHolder: 'Namespace to lock down' });
  if (!picked) return undefined;
  if (picked.label !== OTHER) return picked.label;
  return vscode.window.showInputBox({
    title: 'New Default-Deny Egress Policy',
    prompt: 'Namespace name',
    validateInput: (v) => (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v) ? undefined : 'A namespace name is lowercase letters, digits and dashes (RFC 1123 label).'),
  });
}

async function pickDns(): Promise<boolean | undefined> {
  const allow = { label: 'Allow DNS', description: 'recommended', detail: 'Pods can still resolve names: UDP and TCP 53 to kube-dns stay open.' };
  const deny = { label: 'Deny DNS too', detail: 'Blocks all egress, name resolution included. Most applications break.' };
  const picked = await vscode.window.showQuickPick([allow, deny], { title: 'New Default-Deny Egress Policy (2/2)', placeHolder: 'Keep DNS working?' });
  return picked ? picked === allow : undefined;
}

export function registerNewDefaultDeny(client: LanguageClient, ready: Promise<void>, previews: ScaffoldPreviews): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.newDefaultDeny', async (args?: NewDefaultDenyArgs) => {
    await ready;
    const namespaces = await client.sendRequest<NamespaceInfo[]>(Requests.namespaces);
    const namespace = args?.namespace ?? (await pickNamespace(namespaces));
    if (!namespace) return;
    const allowDns = args?.allowDns ?? (await pickDns());
    if (allowDns === undefined) return;
    const editor = vscode.window.activeTextEditor;
    // The file the policy would go into, so that it matches its style: the given one, else the namespace's.
    const info = namespaces.find((n) => n.name === namespace);
    const into = info?.files[0];
    const params: ScaffoldDefaultDenyParams = { namespace, allowDns, uri: args?.target === 'current' ? editor?.document.uri.toString() : into };
    let text: string;
    try {
      ({ text } = await client.sendRequest<ScaffoldResult>(Requests.scaffoldDefaultDeny, params));
    } catch (e) {
      // The server refuses what Kubernetes would (a namespace that is not an RFC 1123 label), with the reason.
      void vscode.window.showErrorMessage(`Egress Lens: ${(e as Error).message}`);
      return;
    }
    if (args?.target === 'current' && editor) {
      const range = await appendDocuments(editor.document, text);
      if (range) {
        editor.selection = new vscode.Selection(range.start, range.start);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      return;
    }
    if (args?.target === 'new') {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'yaml', content: text }));
      return;
    }
    const name = /^\s*name:\s*(\S+)/m.exec(text)?.[1] ?? 'default-deny-egress';
    await previews.show(text, { title: `a default-deny egress policy for namespace ${namespace}`, ...insertTarget(info), fileName: `${name}.yaml` });
  });
}
