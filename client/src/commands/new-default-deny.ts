import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Requests, type NamespaceInfo, type ScaffoldDefaultDenyParams, type ScaffoldResult } from '../../../server/src/lsp/protocol';

/** Arguments let tests and other commands skip the pickers. */
export interface NewDefaultDenyArgs {
  namespace?: string;
  allowDns?: boolean;
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
  const picked = await vscode.window.showQuickPick(items, { title: 'New Default-Deny Egress Policy (1/3)', placeHolder: 'Namespace to lock down' });
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
  const picked = await vscode.window.showQuickPick([allow, deny], { title: 'New Default-Deny Egress Policy (2/3)', placeHolder: 'Keep DNS working?' });
  return picked ? picked === allow : undefined;
}

async function pickTarget(editor: vscode.TextEditor | undefined): Promise<'current' | 'new' | undefined> {
  if (!editor || editor.document.languageId !== 'yaml') return 'new';
  const current = { label: `Insert into ${vscode.workspace.asRelativePath(editor.document.uri)}`, description: 'as a new document at the end' };
  const fresh = { label: 'Open in a new file', description: 'to review before saving' };
  const picked = await vscode.window.showQuickPick([current, fresh], { title: 'New Default-Deny Egress Policy (3/3)', placeHolder: 'Where should the policy go?' });
  return picked ? (picked === current ? 'current' : 'new') : undefined;
}

export function registerNewDefaultDeny(client: LanguageClient, ready: Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.newDefaultDeny', async (args?: NewDefaultDenyArgs) => {
    await ready;
    const namespaces = await client.sendRequest<NamespaceInfo[]>(Requests.namespaces);
    const namespace = args?.namespace ?? (await pickNamespace(namespaces));
    if (!namespace) return;
    const allowDns = args?.allowDns ?? (await pickDns());
    if (allowDns === undefined) return;
    const editor = vscode.window.activeTextEditor;
    const target = args?.target ?? (await pickTarget(editor));
    if (!target) return;
    const params: ScaffoldDefaultDenyParams = { namespace, allowDns, uri: target === 'current' ? editor?.document.uri.toString() : undefined };
    let text: string;
    try {
      ({ text } = await client.sendRequest<ScaffoldResult>(Requests.scaffoldDefaultDeny, params));
    } catch (e) {
      // The server refuses what Kubernetes would (a namespace that is not an RFC 1123 label), with the reason.
      void vscode.window.showErrorMessage(`Egress Lens: ${(e as Error).message}`);
      return;
    }
    if (target === 'current' && editor) {
      const doc = editor.document;
      const existing = doc.getText();
      const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
      const prefix = existing.trim() === '' ? '' : `${existing.endsWith('\n') ? '' : eol}---${eol}`;
      const end = doc.positionAt(existing.length);
      const ok = await editor.edit((b) => b.insert(end, prefix + text));
      if (ok) {
        const startLine = end.line + (prefix.match(/\n/g)?.length ?? 0);
        const range = new vscode.Range(startLine, 0, doc.lineCount - 1, 0);
        editor.selection = new vscode.Selection(range.start, range.start);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
    await vscode.window.showTextDocument(doc);
  });
}
