import * as vscode from 'vscode';
import { ReachabilityPanel, type PanelContext, type PanelTarget } from '../panel/reachability-panel';

/** Arguments from the CodeLens (a workload id) or from tests. */
export interface ShowReachabilityArgs {
  focus?: string;
  /** Open in compare mode against this revision (the change lens passes HEAD). */
  compare?: string;
}

/** Egress Lens: Show Reachability: on the workload under the cursor, or on the whole workspace. */
export function registerShowReachability(ctx: PanelContext): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.showReachability', (args?: ShowReachabilityArgs | vscode.Uri) => {
    let target: PanelTarget = {};
    if (args && !(args instanceof vscode.Uri) && typeof args.compare === 'string') target = { compare: args.compare, ...(typeof args.focus === 'string' ? { focus: args.focus } : {}) };
    else if (args && !(args instanceof vscode.Uri) && typeof args.focus === 'string') target = { focus: args.focus };
    else {
      const editor = vscode.window.activeTextEditor;
      // From the editor title bar the argument is the file's URI; the cursor says which workload.
      if (editor && editor.document.languageId === 'yaml' && (!(args instanceof vscode.Uri) || args.toString() === editor.document.uri.toString())) {
        const p = editor.selection.active;
        target = { at: { uri: editor.document.uri.toString(), position: { line: p.line, character: p.character } } };
      }
    }
    ReachabilityPanel.createOrShow(ctx, target);
  });
}
