import * as vscode from 'vscode';

/** Egress Lens: Open Sample: the walkthrough's sample policy, in a new untitled YAML editor (nothing is written to disk). */
export function registerOpenSample(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.openSample', async () => {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, 'docs', 'walkthrough', 'sample.yaml'));
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: new TextDecoder().decode(bytes) });
    return vscode.window.showTextDocument(doc);
  });
}
