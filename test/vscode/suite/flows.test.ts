// Observed traffic in a real VS Code: Egress Lens: Load Observed Flows… replays a Hubble flow log against the
// workspace, the policy that would block observed flows gets EL117, and its quick fix allows exactly them.
// The billing namespace of the flows fixture is written into the workspace for this suite and removed after it.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { codeOf, diagnosticsWhere } from './diagnostics';
import type { EgressLensApi } from '../../../client/src/extension';
import type { LoadFlowsResult } from '../../../server/src/lsp/protocol';

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;

suite('Observed flows', () => {
  let fixtures: string;
  const file = (): vscode.Uri => vscode.Uri.joinPath(folder(), 'flows-billing', 'billing.yaml');

  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!;
    const api: EgressLensApi = await ext.activate();
    await api.ready;
    fixtures = path.join(ext.extensionPath, 'test/fixtures/flows');
    // The documents of the billing namespace only (the examples have a shop namespace of their own).
    const text = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(fixtures, 'workspace/shop.yaml')))).toString('utf8');
    const billing = text.split(/^---\n/m).filter((d) => /^ {2}(namespace|name): billing$/m.test(d));
    assert.equal(billing.length, 4, 'the Namespace, the Deployment and the two policies of billing');
    await vscode.workspace.fs.writeFile(file(), Buffer.from(billing.join('---\n')));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('egressLens.loadFlows', { files: [] });
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'flows-billing'), { recursive: true });
  });

  test('Load Observed Flows… puts EL117 on the policy that would block observed flows; its fix allows them and EL117 goes', async () => {
    const uri = file();
    // Opened, the server holds its text before the request (the client sends didOpen first; loadFlows flushes edits).
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const hubble = vscode.Uri.file(path.join(fixtures, 'hubble.jsonl')).toString();
    const r = await vscode.commands.executeCommand<LoadFlowsResult>('egressLens.loadFlows', { files: [hubble] });
    assert.ok(r && r.flows > 0 && r.blocked >= 1, JSON.stringify(r));

    const ds = await diagnosticsWhere(uri, (x) => x.some((d) => codeOf(d) === 'EL117'));
    const el117 = ds.find((d) => codeOf(d) === 'EL117')!;
    assert.equal(el117.message, 'NetworkPolicy billing/default-deny-egress blocks 3 observed flows from billing/ledger to api.stripe.com:443.');
    assert.equal(doc.lineAt(el117.range.start.line).text.trim(), 'name: default-deny-egress');

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, el117.range, vscode.CodeActionKind.QuickFix.value);
    const action = actions.find((a) => a.title === 'Allow the observed connections in NetworkPolicy billing/ledger-to-api (opens traffic)');
    assert.ok(action?.edit, actions.map((a) => a.title).join(' | '));
    assert.ok(!action.isPreferred, 'a fix that opens traffic is never preferred');
    const before = doc.getText();
    assert.ok(await vscode.workspace.applyEdit(action.edit));
    // Only the ledger-to-api policy grew; everything before it is as it was.
    const after = doc.getText();
    const at = before.indexOf('name: ledger-to-api');
    assert.equal(after.slice(0, at), before.slice(0, at));
    await doc.save();
    const fixed = await diagnosticsWhere(uri, (x) => !x.some((d) => codeOf(d) === 'EL117'));
    assert.ok(!fixed.some((d) => codeOf(d) === 'EL001' || codeOf(d) === 'EL002'), fixed.map((d) => `${codeOf(d)} ${d.message}`).join('\n'));
  });
});
