/**
 * The revision a change is compared with: HEAD (first, the default), the branches, the tags, the recent
 * commits of the workspace's git repository (listed by the server, which reads it as the CLI does), or any
 * revision typed in (`main~2`, a commit id).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { CompareRequests, type RevisionsResult } from '../../../server/src/lsp/protocol';

interface RevisionItem extends vscode.QuickPickItem {
  rev?: string;
}

function ago(seconds: number): string {
  const days = Math.floor((Date.now() / 1000 - seconds) / 86400);
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}

/** Undefined when the user cancels or the workspace is not in a git repository (then they are told why). */
export async function pickRevision(client: LanguageClient, title: string): Promise<string | undefined> {
  let revs: RevisionsResult;
  try {
    revs = await client.sendRequest<RevisionsResult>(CompareRequests.revisions);
  } catch (e) {
    void vscode.window.showErrorMessage(`Egress Lens: ${(e as Error).message}`);
    return undefined;
  }
  const short = (oid: string) => oid.slice(0, 8);
  const headCommit = revs.commits.find((c) => c.oid === revs.head);
  const items: RevisionItem[] = [
    { label: 'HEAD', description: [revs.branch, revs.head && short(revs.head)].filter(Boolean).join(' · '), detail: headCommit?.subject, rev: 'HEAD' },
    { label: 'Branches', kind: vscode.QuickPickItemKind.Separator },
    ...revs.branches.map((b) => ({ label: `$(git-branch) ${b.name}`, description: short(b.oid), rev: b.name })),
    ...(revs.tags.length > 0 ? [{ label: 'Tags', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...revs.tags.map((t) => ({ label: `$(tag) ${t.name}`, description: short(t.oid), rev: t.name })),
    { label: 'Commits', kind: vscode.QuickPickItemKind.Separator },
    ...revs.commits.map((c) => ({ label: `$(git-commit) ${short(c.oid)}`, description: c.subject, detail: `${c.author}, ${ago(c.time)}`, rev: c.oid })),
  ];
  const pick = vscode.window.createQuickPick<RevisionItem>();
  pick.title = title;
  pick.placeholder = 'HEAD, a branch, a tag or a commit (or type a revision such as main~2)';
  pick.items = items;
  pick.matchOnDescription = true;
  return new Promise((resolve) => {
    let done = false;
    const finish = (rev: string | undefined) => {
      if (done) return;
      done = true;
      resolve(rev);
      pick.dispose();
    };
    pick.onDidAccept(() => finish(pick.selectedItems[0]?.rev ?? (pick.value.trim() || undefined)));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
