import * as assert from 'assert';
import * as vscode from 'vscode';

// "Explain Egress of Workload…" and "Export Reachability…" in a real VS Code.

suite('Egress reports in a real VS Code', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!;
    await (await ext.activate()).ready;
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Explain Egress of Workload… opens a report: the workload, its destinations and the rules that allow them', async () => {
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('egressLens.explainWorkload', { workload: 'payments/ledger[Deployment]' });
    assert.ok(doc, 'a report document');
    assert.equal(doc.languageId, 'markdown');
    const text = doc.getText();
    assert.match(text, /^# Egress of Deployment payments\/ledger\n/);
    assert.match(text, /\| payments\/postgres\\\[StatefulSet\\\] \| TCP 5432 \| \[NetworkPolicy payments\/ledger-to-postgres, spec\.egress\\\[0\\\]\]\(file:\/\/\/[^)]+payments\.yaml#L\d+\) \|/);
  });

  test('Export Reachability… writes the connectivity list in the chosen format', async () => {
    const target = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'reachability-test.csv');
    try {
      const written = await vscode.commands.executeCommand<vscode.Uri>('egressLens.exportReachability', { format: 'csv', target });
      assert.equal(written?.toString(), target.toString());
      const csv = Buffer.from(await vscode.workspace.fs.readFile(target)).toString('utf8');
      const lines = csv.trim().split('\n');
      assert.equal(lines[0], 'src,dst,conn');
      assert.ok(lines.includes('payments/ledger[Deployment],payments/postgres[StatefulSet],TCP 5432'), csv);
    } finally {
      await vscode.workspace.fs.delete(target).then(undefined, () => undefined);
    }
    const pkg = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens')!.packageJSON;
    const titles = pkg.contributes.commands.map((c: { category: string; title: string }) => `${c.category}: ${c.title}`);
    for (const t of ['Egress Lens: Explain Egress of Workload…', 'Egress Lens: Export Reachability…']) assert.ok(titles.includes(t), t);
  });
});
