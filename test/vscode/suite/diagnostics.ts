// Shared by the suite files: Egress Lens's diagnostics of a file, and waiting for them (event-driven, no polling).
import * as vscode from 'vscode';

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : c === undefined ? undefined : String(c);
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'egress-lens');
}

/** Resolve when the diagnostics of a file satisfy a predicate. */
export function diagnosticsWhere(uri: vscode.Uri, pred: (ds: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve) => {
    const now = ours(uri);
    if (pred(now)) return resolve(now);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const ds = ours(uri);
      if (pred(ds)) {
        sub.dispose();
        resolve(ds);
      }
    });
  });
}
