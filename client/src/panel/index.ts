/**
 * Everything the reachability panel needs in the extension: the command, the serializer that revives the
 * panel after a reload, the commands of the server's code lenses, and the server's change notification.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PanelNotifications, type ReachabilityChangedParams } from '../../../server/src/lsp/protocol';
import { registerShowReachability } from '../commands/show-reachability';
import { registerLensCommands } from './codelens';
import { VIEW_TYPE, type PanelState } from './messages';
import { ReachabilityPanel, type PanelContext } from './reachability-panel';

export function registerReachabilityPanel(context: vscode.ExtensionContext, client: LanguageClient, ready: Promise<void>): vscode.Disposable {
  const log = vscode.window.createOutputChannel('Egress Lens Reachability');
  const ctx: PanelContext = { extensionUri: context.extensionUri, client, ready, log };
  const disposables: vscode.Disposable[] = [
    log,
    registerLensCommands(client),
    registerShowReachability(ctx),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined) {
        ReachabilityPanel.revive(panel, ctx, state);
      },
    }),
  ];
  void ready.then(() => {
    disposables.push(
      client.onNotification(PanelNotifications.reachabilityChanged, (p: ReachabilityChangedParams) => {
        ReachabilityPanel.current?.onChanged(p.revision);
      }),
    );
  });
  return new vscode.Disposable(() => {
    ReachabilityPanel.current?.dispose();
    for (const d of disposables) d.dispose();
  });
}
