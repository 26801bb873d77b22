/**
 * Egress Lens: Review Changes Against…: what the workspace (unsaved edits included) opens and closes against
 * a revision, as the Markdown report a pull request gets (`egress-lens diff --base REV --format md`), in an
 * untitled document.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CompareRequests, type ReviewResult } from '../../../server/src/lsp/protocol';
import { pickRevision } from './pick-revision';

/** Arguments let tests (and other commands) skip the picker. */
export interface ReviewChangesArgs {
  base?: string;
}

export function registerReviewChanges(client: LanguageClient, ready: Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand('egressLens.reviewChanges', async (args?: ReviewChangesArgs): Promise<vscode.TextDocument | undefined> => {
    await ready;
    const base = args?.base ?? (await pickRevision(client, 'Review Changes Against…'));
    if (!base) return undefined;
    let r: ReviewResult;
    try {
      r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Egress Lens: comparing with ${base}` }, () => client.sendRequest<ReviewResult>(CompareRequests.review, { base }));
    } catch (e) {
      void vscode.window.showErrorMessage(`Egress Lens: ${(e as Error).message}`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: r.markdown });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  });
}
