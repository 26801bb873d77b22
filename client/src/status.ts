/**
 * The status bar item: the server's state (starting, indexing with a count, ready, stopped) and how many
 * workloads have unrestricted egress, from the server's `egressLens/status` notification. Clicking it
 * opens the reachability panel.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { FeatureCommands, FeatureNotifications, type StatusParams } from '../../server/src/lsp/protocol';

export interface StatusBar extends vscode.Disposable {
  /** What the item shows now (for tests). */
  readonly item: vscode.StatusBarItem;
  /** The last status the server sent. */
  readonly last: StatusParams | undefined;
  /** Fires after the item changed. */
  readonly onDidChange: vscode.Event<void>;
}

const plural = (n: number, noun: string, nouns = `${noun}s`) => `${n} ${n === 1 ? noun : nouns}`;

export function registerStatus(client: LanguageClient): StatusBar {
  const item = vscode.window.createStatusBarItem('egressLens.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Egress Lens';
  item.command = { title: 'Show Reachability', command: FeatureCommands.showReachability, arguments: [{}] };
  const changed = new vscode.EventEmitter<void>();
  let last: StatusParams | undefined;
  let stopped = false;

  const render = () => {
    item.backgroundColor = undefined;
    if (stopped) {
      item.text = '$(error) Egress Lens: stopped';
      item.tooltip = 'The Egress Lens language server is not running (see the Egress Lens output).';
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (!last) {
      item.text = '$(loading~spin) Egress Lens';
      item.tooltip = 'Egress Lens: starting the language server';
    } else if (last.state === 'indexing') {
      item.text = `$(sync~spin) Egress Lens: indexing${last.total ? ` ${last.indexed ?? 0}/${last.total}` : ''}`;
      item.tooltip = 'Egress Lens: reading the Kubernetes YAML of the workspace';
    } else {
      item.text = last.unrestricted > 0 ? `$(warning) Egress Lens: ${last.unrestricted} unrestricted` : '$(shield) Egress Lens';
      const md = new vscode.MarkdownString(
        `**Egress Lens**: ${plural(last.workloads, 'workload')}, ${last.unrestricted} with unrestricted egress; ${plural(last.policies, 'policy', 'policies')}.\n\nClick to show the reachability.`,
      );
      item.tooltip = md;
    }
    item.show();
    changed.fire();
  };

  render();
  const subscriptions: vscode.Disposable[] = [
    item,
    changed,
    client.onDidChangeState((e) => {
      stopped = e.newState === State.Stopped;
      if (e.newState === State.Starting) last = undefined;
      render();
    }),
    // Registered before the client starts: the first status comes while the workspace is indexed.
    client.onNotification(FeatureNotifications.status, (p: StatusParams) => {
      last = p;
      render();
    }),
  ];
  return {
    item,
    get last() {
      return last;
    },
    onDidChange: changed.event,
    dispose: () => {
      for (const s of subscriptions) s.dispose();
    },
  };
}
