/**
 * The code lenses come from the server (`textDocument/codeLens`, so every editor gets them). Their
 * commands run here: `egressLens.showReachability` is the panel's own command; `egressLens.showReferences`
 * turns the protocol's uri, position and locations into VS Code's and opens the peek list.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Location, Position } from 'vscode-languageclient/node';
import { FeatureCommands } from '../../../server/src/lsp/protocol';

export function registerLensCommands(client: LanguageClient): vscode.Disposable {
  return vscode.commands.registerCommand(FeatureCommands.showReferences, async (uri: string, position: Position, locations: Location[]) => {
    const p2c = client.protocol2CodeConverter;
    await vscode.commands.executeCommand('editor.action.showReferences', vscode.Uri.parse(uri), p2c.asPosition(position), locations.map((l) => p2c.asLocation(l)));
  });
}
