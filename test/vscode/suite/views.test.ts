// Cluster views in a real VS Code: a finding in a base file with the views it holds in, the view picker in
// the status bar, and a quick fix applied in the overlay's patch. The overlays are written into the
// workspace for this suite and removed after it (the rest of the suite sees the plain examples).
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { codeOf, diagnosticsWhere } from './diagnostics';
import type { EgressLensApi } from '../../../client/src/extension';

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
const file = (rel: string): vscode.Uri => vscode.Uri.joinPath(folder(), 'views-shop', rel);
const FILES = ['base/kustomization.yaml', 'base/deployment.yaml', 'base/policy.yaml', 'overlays/prod/kustomization.yaml', 'overlays/prod/policy-types.yaml', 'overlays/dev/kustomization.yaml'];

suite('Cluster views', () => {
  let api: EgressLensApi;

  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!;
    api = await ext.activate();
    await api.ready;
    const fixture = vscode.Uri.file(path.join(ext.extensionPath, 'test/fixtures/views/shop'));
    for (const rel of FILES) await vscode.workspace.fs.writeFile(file(rel), await vscode.workspace.fs.readFile(vscode.Uri.joinPath(fixture, rel)));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'views-shop'), { recursive: true });
  });

  test('a finding in a base file says in which views it holds; the picker shows the active view; the fix lands in the overlay\'s patch', async () => {
    const policy = file('base/policy.yaml');
    // The files arrive one by one: wait for the analysis of the views (the finding names them).
    const ds = await diagnosticsWhere(policy, (x) => x.some((d) => codeOf(d) === 'EL103' && d.message.includes('[in view')));
    const el103 = ds.find((d) => codeOf(d) === 'EL103')!;
    assert.match(el103.message, /\[in view views-shop\/overlays\/prod; not in view views-shop\/overlays\/dev\]$/);
    const doc = await vscode.workspace.openTextDocument(policy);
    await vscode.window.showTextDocument(doc);
    // The file as written on disk (an editor model opened while the file was being written can lag behind it).
    const onDisk = Buffer.from(await vscode.workspace.fs.readFile(policy)).toString('utf8').split('\n')[el103.range.start.line];
    assert.equal(onDisk.slice(el103.range.start.character, el103.range.end.character), 'egress');

    // The view picker: visible with the active view; choosing another one moves it.
    const shown = (name: string) =>
      new Promise<void>((resolve) => {
        if (api.views.item.text === `$(layers) ${name}`) return resolve();
        const sub = api.views.onDidChange(() => {
          if (api.views.item.text === `$(layers) ${name}`) {
            sub.dispose();
            resolve();
          }
        });
      });
    await shown('views-shop/overlays/dev');
    assert.equal(api.views.item.command, 'egressLens.pickView');
    const names = api.views.last!.views.map((v) => v.name);
    assert.deepEqual(names, ['views-shop/overlays/dev', 'views-shop/overlays/prod', 'manifests']);
    await api.client.sendRequest('egressLens/setView', { name: 'views-shop/overlays/prod' });
    await shown('views-shop/overlays/prod');

    // The base is read only through the views' renders: its hover and lenses answer from the active view (prod,
    // where the patch leaves the policy's egress rules ignored).
    const deployment = await vscode.workspace.openTextDocument(file('base/deployment.yaml'));
    const onName = deployment.positionAt(deployment.getText().indexOf('name: api') + 7);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', deployment.uri, onName);
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(hoverText, /Deployment shop\/api\*\* · egress \*\*unrestricted\*\*/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', policy);
    assert.ok(lenses.some((l) => /^selects 1 workload/.test(l.command?.title ?? '')), lenses.map((l) => l.command?.title).join(' | '));

    // A new default-deny for prod's namespace: its preview would insert it into a base file prod reads, and says dev reads it too.
    await vscode.commands.executeCommand('egressLens.newDefaultDeny', { namespace: 'shop', allowDns: true });
    const preview = vscode.window.activeTextEditor!.document;
    assert.equal(preview.uri.scheme, 'untitled');
    const bar = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', preview.uri);
    const insert = bar.map((l) => l.command?.title ?? '').find((t) => t.startsWith('$(insert)'));
    assert.equal(insert, '$(insert) Insert into views-shop/base/deployment.yaml (shared with view views-shop/overlays/dev)');
    await vscode.commands.executeCommand('egressLens.preview.discard', preview.uri);

    // The quick fix on the base's finding edits the prod overlay's patch, which only prod reads (no "shared with" warning);
    // the egress rules it switches on omit DNS, so it may block traffic and is not preferred.
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', policy, el103.range, vscode.CodeActionKind.QuickFix.value);
    const action = actions.find((a) => a.title === 'Add Egress to policyTypes (may block traffic)');
    assert.ok(action, actions.map((a) => a.title).join(' | '));
    assert.ok(!action.isPreferred);
    const target = file('overlays/prod/policy-types.yaml');
    assert.deepEqual(action.edit!.entries().map(([u]) => u.toString()), [target.toString()]);
    assert.ok(await vscode.workspace.applyEdit(action.edit!));
    const patch = await vscode.workspace.openTextDocument(target);
    assert.match(patch.getText(), /policyTypes: \[Ingress, Egress\]/);
    await patch.save();
    await diagnosticsWhere(policy, (x) => !x.some((d) => codeOf(d) === 'EL103'));
  });
});
