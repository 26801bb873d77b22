import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SERVER_NODE_FLAGS } from '../../server/src/lsp/runtime';
import { registerAllowEgress } from './commands/allow-egress';
import { registerNewDefaultDeny } from './commands/new-default-deny';
import { registerRouteGateway } from './commands/route-gateway';
import { registerGatewayTraffic } from './commands/gateway-traffic';
import { ScaffoldPreviews } from './commands/preview';
import { registerReports } from './commands/reports';
import { registerOpenSample } from './commands/open-sample';
import { registerLoadFlows } from './commands/load-flows';
import { registerReviewChanges } from './commands/review-changes';
import { registerReachabilityPanel } from './panel';
import { registerStatus, type StatusBar } from './status';
import { crashRecovery } from './crash-recovery';
import { registerViewPicker, type ViewPicker } from './views';

export interface EgressLensApi {
  /** Resolves once the language server is up. */
  ready: Promise<void>;
  client: LanguageClient;
  /** The status bar item. */
  status: StatusBar;
  /** What the user was told when the server process stopped unexpectedly (crash-recovery.ts). */
  crashNotices: readonly string[];
  /** The cluster view picker in the status bar. */
  views: ViewPicker;
}

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): EgressLensApi {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6009'] } },
  };
  // Restarts the server when its process dies, and says so once (crash-recovery.ts).
  const recovery = crashRecovery();
  const clientOptions: LanguageClientOptions = {
    errorHandler: recovery,
    // Helm charts are rendered (helm runs) only in a trusted workspace; trust granted later is sent then.
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    synchronize: {
      configurationSection: 'egressLens',
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml,json}'), vscode.workspace.createFileSystemWatcher('**/.egress-lens.yaml')],
    },
  };
  client = new LanguageClient('egressLens', 'Egress Lens', serverOptions, clientOptions);
  recovery.attach(client);
  const status = registerStatus(client);
  context.subscriptions.push(status);
  const ready = client.start();
  const previews = new ScaffoldPreviews();
  context.subscriptions.push(previews);
  context.subscriptions.push(registerNewDefaultDeny(client, ready, previews));
  context.subscriptions.push(registerAllowEgress(client, ready, previews));
  context.subscriptions.push(registerRouteGateway(client, ready, previews));
  context.subscriptions.push(...registerGatewayTraffic(client, ready, previews));
  context.subscriptions.push(registerReports(client, ready));
  context.subscriptions.push(registerReachabilityPanel(context, client, ready));
  context.subscriptions.push(registerOpenSample(context));
  const views = registerViewPicker(client, ready);
  context.subscriptions.push(views);
  context.subscriptions.push(registerLoadFlows(client, ready));
  context.subscriptions.push(registerReviewChanges(client, ready));
  return { ready, client, status, crashNotices: recovery.notices, views };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
