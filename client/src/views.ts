/**
 * The view picker: a status bar item with the active cluster view (shown when the workspace has views:
 * Kustomize roots, Helm charts, or clusters declared in .egress-lens.yaml). Clicking it lists the views
 * (`egressLens/views`) and makes the chosen one active (`egressLens/setView`): the reachability panel,
 * hovers, definitions and lenses then use it. It also tells the server when the workspace becomes trusted
 * (Helm charts are rendered only then).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ViewNotifications, ViewRequests, type ViewsResult } from '../../server/src/lsp/protocol';

export const PICK_VIEW = 'egressLens.pickView';

export interface ViewPicker extends vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  /** The last list of views the server gave. */
  readonly last: ViewsResult | undefined;
  readonly onDidChange: vscode.Event<void>;
}

export function registerViewPicker(client: LanguageClient, ready: Promise<void>): ViewPicker {
  const item = vscode.window.createStatusBarItem('egressLens.view', vscode.StatusBarAlignment.Left, 9);
  item.name = 'Egress Lens: cluster view';
  item.command = PICK_VIEW;
  const changed = new vscode.EventEmitter<void>();
  let last: ViewsResult | undefined;

  const show = (r: ViewsResult) => {
    last = r;
    if (r.views.length <= 1 || !r.active) item.hide();
    else {
      item.text = `$(layers) ${r.active}`;
      item.tooltip = `Egress Lens: the reachability panel, hovers and lenses show the cluster view ${r.active} (${r.views.length} views). Click to choose another.`;
      item.show();
    }
    changed.fire();
  };

  const pick = async () => {
    await ready;
    const r = await client.sendRequest<ViewsResult>(ViewRequests.views);
    show(r);
    if (r.views.length === 0) {
      void vscode.window.showInformationMessage('Egress Lens: this workspace has no cluster views (no Kustomize root, Helm chart or clusters: in .egress-lens.yaml).');
      return;
    }
    const chosen = await vscode.window.showQuickPick(
      r.views.map((v) => ({ label: v.name, description: `${v.sources.join(' + ')}${v.name === r.active ? ' · active' : ''}`, detail: `${v.findings} ${v.findings === 1 ? 'finding' : 'findings'}${v.detected ? '' : ' · declared in .egress-lens.yaml'}` })),
      { title: 'Egress Lens: cluster view', placeHolder: 'The view the panel, hovers and lenses show' },
    );
    if (chosen) show(await client.sendRequest<ViewsResult>(ViewRequests.setView, { name: chosen.label }));
  };

  const disposables: vscode.Disposable[] = [item, changed, vscode.commands.registerCommand(PICK_VIEW, pick)];
  void ready.then(async () => {
    disposables.push(client.onNotification(ViewNotifications.viewsChanged, (r: ViewsResult) => show(r)));
    if (vscode.workspace.isTrusted) void client.sendNotification(ViewNotifications.workspaceTrusted);
    show(await client.sendRequest<ViewsResult>(ViewRequests.views));
  });
  disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void ready.then(() => client.sendNotification(ViewNotifications.workspaceTrusted))));
  return {
    item,
    get last() {
      return last;
    },
    onDidChange: changed.event,
    dispose: () => disposables.forEach((d) => d.dispose()),
  };
}
