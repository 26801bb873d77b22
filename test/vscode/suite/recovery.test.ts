// Crash recovery in a real VS Code: the language server process is killed (SIGKILL, twice); the client
// starts a new one each time, says so once, and the diagnostics and the status come back.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { codeOf, diagnosticsWhere } from './diagnostics';
import { SERVER_NODE_FLAGS } from '../../../server/src/lsp/runtime';

interface Api {
  ready: Promise<void>;
  client: LanguageClient;
  status: { last?: { state: string; workloads: number }; onDidChange: vscode.Event<void> };
  crashNotices: readonly string[];
}

const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;

/** Resolves at the client's next change to `state`. */
function nextState(client: LanguageClient, state: State): Promise<void> {
  return new Promise((resolve) => {
    const sub = client.onDidChangeState((e) => {
      if (e.newState !== state) return;
      sub.dispose();
      resolve();
    });
  });
}

/** Resolves once the status bar shows the indexed workspace again. */
function statusReady(api: Api): Promise<void> {
  return new Promise((resolve) => {
    const done = () => api.status.last?.state === 'ready' && api.status.last.workloads > 0;
    if (done()) return resolve();
    const sub = api.status.onDidChange(() => {
      if (!done()) return;
      sub.dispose();
      resolve();
    });
  });
}

suite('Crash recovery', () => {
  let api: Api;

  suiteSetup(async () => {
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'egress-lens');
    assert.ok(ext, 'the extension is installed');
    api = (await ext.activate()) as Api;
    await api.ready;
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the server runs with its Node flags (a larger young generation), restarted ones too', async () => {
    const p = api.client.serverProcess;
    assert.ok(p, 'the server runs in a process of its own');
    for (const flag of SERVER_NODE_FLAGS) assert.ok(p.spawnargs.includes(flag), `${flag} in ${p.spawnargs.join(' ')}`);
  });

  test('the server process is killed twice: a new one each time, said once, the diagnostics and the status come back', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), 'shop/foo-deny-egress.yaml'));
    await vscode.window.showTextDocument(doc);
    const expected = (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === 'EL103') && ds.filter((d) => codeOf(d) === 'EL101').length === 2;
    await diagnosticsWhere(doc.uri, expected);
    const noticesBefore = api.crashNotices.length;
    const pids: number[] = [];

    for (let round = 0; round < 2; round++) {
      const pid = api.client.serverProcess?.pid;
      assert.ok(pid, 'the server runs in a process of its own');
      pids.push(pid);
      // Subscribed before the kill: the dead server's diagnostics are dropped, then the client is running again.
      const cleared = diagnosticsWhere(doc.uri, (ds) => ds.length === 0);
      const running = nextState(api.client, State.Running);
      process.kill(pid, 'SIGKILL');
      await cleared;
      await running;
      const next = api.client.serverProcess?.pid;
      assert.ok(next && !pids.includes(next), `a new server process (${next}, killed ${pids.join(', ')})`);
      for (const flag of SERVER_NODE_FLAGS) assert.ok(api.client.serverProcess!.spawnargs.includes(flag), `restarted with ${flag}`);
      const back = await diagnosticsWhere(doc.uri, expected);
      assert.deepEqual(back.filter((d) => codeOf(d) === 'EL101').map((d) => doc.getText(d.range)), ['foo', 'web']);
      await statusReady(api);
    }

    // Two crashes in a row are one episode: one message.
    const notices = api.crashNotices.slice(noticesBefore);
    assert.equal(notices.length, 1, `told once: ${JSON.stringify(notices)}`);
    assert.match(notices[0], /^Egress Lens: the language server stopped unexpectedly and was restarted\.$/);
    // The server answers requests again.
    const namespaces = await api.client.sendRequest<{ name: string }[]>('egressLens/namespaces');
    assert.ok(namespaces.some((n) => n.name === 'shop'));
  });
});
