// The language features in a real VS Code: what the editor gets from the server through
// vscode-languageclient (hover, code lenses and their commands, definition, references, symbols,
// completion) and the status bar item.
import * as assert from 'assert';
import * as vscode from 'vscode';

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
const file = (rel: string): vscode.Uri => vscode.Uri.joinPath(folder(), rel);

interface Api {
  ready: Promise<void>;
  status: { item: vscode.StatusBarItem; last?: { state: string; workloads: number; unrestricted: number }; onDidChange: vscode.Event<void> };
}

function api(): Api {
  return vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!.exports as Api;
}

/** Resolves once the server has indexed the workspace (the status it sends says so). */
function indexed(): Promise<void> {
  const s = api().status;
  return new Promise((resolve) => {
    const done = () => s.last?.state === 'ready' && s.last.workloads > 0;
    if (done()) return resolve();
    const sub = s.onDidChange(() => {
      if (done()) {
        sub.dispose();
        resolve();
      }
    });
  });
}

async function open(rel: string): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file(rel)));
}

function positionOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `${needle} not in ${doc.uri.toString()}`);
  return doc.positionAt(i + delta);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

suite('Egress Lens language features in a real VS Code', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens');
    assert.ok(ext);
    await ext.activate();
    await api().ready;
    await indexed();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('hover on a workload shows its egress, with links to the policies', async () => {
    const editor = await open('payments/payments.yaml');
    const doc = editor.document;
    const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, positionOf(doc, 'name: ledger\n', 8)));
    assert.match(text, /\*\*Deployment payments\/ledger\*\* · egress restricted/);
    assert.ok(text.includes(`[payments/postgres\\[StatefulSet\\]](${doc.uri.toString()}#L${positionOf(doc, 'name: postgres').line + 1})`), text);
    assert.match(text, /Decided by \[NetworkPolicy payments\/default-deny-egress\]/);
    const selector = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, positionOf(doc, 'app: postgres', 1)));
    assert.match(selector, /\*\*podSelector\*\* `app=postgres` in payments matches 1 workload/);
  });

  test('code lenses come from the server; their commands open the panel and the peek list', async () => {
    const editor = await open('payments/payments.yaml');
    const uri = editor.document.uri;
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /^selects 2 workloads · allows \d+ destinations?$/.test(t)), titles.join(' | '));
    assert.ok(titles.some((t) => /^egress: \d+ destinations?$/.test(t)), titles.join(' | '));
    assert.ok(!titles.some((t) => t.startsWith('Show reachability')), 'the client no longer adds lenses of its own');

    const workload = lenses.find((l) => l.command?.title.startsWith('egress:'))!.command!;
    assert.equal(workload.command, 'egressLens.showReachability');
    const panelOpen = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('egressLens.reachability'));
    const opened = new Promise<void>((resolve) => {
      const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
        if (!panelOpen()) return;
        sub.dispose();
        resolve();
      });
    });
    await vscode.commands.executeCommand(workload.command, ...(workload.arguments ?? []));
    if (!panelOpen()) await opened;

    await open('payments/payments.yaml');
    const policy = lenses.find((l) => l.command?.title.startsWith('selects 1 workload'))!.command!;
    assert.equal(policy.command, 'egressLens.showReferences');
    // The protocol's arguments are translated by the extension before VS Code's peek list gets them.
    await vscode.commands.executeCommand(policy.command, ...(policy.arguments ?? []));
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
  });

  test('go to definition from a selector, references from a workload', async () => {
    const editor = await open('payments/payments.yaml');
    const doc = editor.document;
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, positionOf(doc, 'app: postgres', 1));
    assert.equal(defs.length, 1);
    const d = defs[0];
    const range = 'targetSelectionRange' in d ? d.targetSelectionRange! : (d as vscode.Location).range;
    assert.equal(doc.getText(range), 'postgres');
    assert.equal(range.start.line, positionOf(doc, 'name: postgres').line);

    const refs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, positionOf(doc, 'name: ledger\n', 7));
    const names = refs.map((l) => doc.getText(l.range));
    assert.ok(names.includes('default-deny-egress') && names.includes('ledger-to-postgres'), names.join(', '));
  });

  test('outline and workspace symbols', async () => {
    const editor = await open('analytics/etl.yaml');
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', editor.document.uri);
    const ours = symbols.map((s) => `${s.name} (${s.detail})`);
    for (const want of ['analytics (Namespace)', 'etl (Deployment · analytics)', 'etl-egress (NetworkPolicy · analytics)']) assert.ok(ours.includes(want), ours.join(', '));
    const found = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', 'ledger');
    assert.ok(found.some((s) => s.name === 'ledger' && s.containerName === 'Deployment · payments'), found.map((s) => s.name).join(', '));
  });

  test('completion offers the workspace labels in a selector', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'yaml',
      content: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: x\n  namespace: payments\nspec:\n  podSelector:\n    matchLabels:\n      app: \n',
    });
    await vscode.window.showTextDocument(doc);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(8, 11));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const want of ['ledger', 'postgres', 'etl']) assert.ok(labels.includes(want), labels.join(', '));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('the status bar item shows the unrestricted count and opens the panel', async () => {
    const { item, last } = api().status;
    assert.ok(last && last.state === 'ready');
    if (last.unrestricted > 0) assert.equal(item.text, `$(warning) Egress Lens: ${last.unrestricted} unrestricted`);
    else assert.equal(item.text, '$(shield) Egress Lens');
    const command = item.command as vscode.Command;
    assert.equal(command.command, 'egressLens.showReachability');
  });
});
