/**
 * Code actions: the quick fixes of the findings a client sends back (matched by rule and span), and
 * fix-all (`source.fixAll.egressLens`), as workspace edits tied to the versions they were computed for.
 * With cluster views, the findings and fixes are the views' (each applied in the file that owns its nodes).
 */
import { CodeActionKind, type CodeAction, type Connection, type Diagnostic, type TextDocuments, type TextEdit as LspTextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { fixAll, fixesFor, LineIndex, type Analysis, type Finding, type Fix } from '../engine';
import type { ParsedFile } from '../engine/parse/parse';
import { viewFixAll, type Report } from '../engine/views';
import { normalizeUri } from '../host/files';
import { toRange, type DiagnosticData } from './convert';
import { FIX_ALL_KIND } from './protocol';

export interface ActionsHost {
  documents: TextDocuments<TextDocument>;
  flush(): void;
  current(uri: string): Analysis;
  /** The cluster views' report of the folder of a file, when it has views. */
  views(uri: string): Report | undefined;
  fileOf(uri: string): ParsedFile | undefined;
  linesOf(uri: string): LineIndex;
  clientUri(uri: string): string;
  /** Clients without documentChanges get plain `changes` (no version check, no file creation). */
  canDocumentChanges(): boolean;
}

export function registerCodeActions(connection: Connection, host: ActionsHost): void {
  /** Fixes as one workspace edit, each file's edits tied to the version they were computed for. */
  const editFor = (uri: string, fixes: Fix[]): WorkspaceEdit => {
    const byUri = new Map<string, LspTextEdit[]>();
    const created = new Set<string>();
    for (const fix of fixes) {
      for (const e of fix.edits) {
        const list = byUri.get(e.uri) ?? [];
        if (e.create) {
          created.add(e.uri);
          list.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: e.newText });
        } else list.push({ range: toRange(host.linesOf(e.uri), { start: e.start, end: e.end }), newText: e.newText });
        byUri.set(e.uri, list);
      }
    }
    const changes: WorkspaceEdit['documentChanges'] = [];
    for (const [u, edits] of byUri) {
      // A new file: created first (never over an existing one), then filled.
      if (created.has(u)) changes.push({ kind: 'create', uri: u, options: { overwrite: false, ignoreIfExists: false } });
      changes.push({
        // Tied to the version the fix was computed for: the client refuses it if the text has moved on.
        textDocument: { uri: host.clientUri(u), version: created.has(u) ? null : (host.fileOf(u)?.version ?? null) },
        edits,
      });
    }
    if (!host.canDocumentChanges()) {
      const plain: Record<string, LspTextEdit[]> = {};
      for (const [u, edits] of byUri) if (!created.has(u)) plain[host.clientUri(u)] = edits;
      return { changes: plain };
    }
    return { documentChanges: changes };
  };

  const findingFor = (a: { findings: readonly Finding[] }, uri: string, d: Diagnostic): Finding | undefined => {
    const data = d.data as DiagnosticData | undefined;
    if (d.source !== 'egress-lens' || !data || typeof data.ruleId !== 'string') return undefined;
    return a.findings.find(
      (f) => f.uri === uri && f.ruleId === data.ruleId && f.span.start === data.span?.start && f.span.end === data.span?.end,
    );
  };

  connection.onCodeAction((params) => {
    const uri = normalizeUri(params.textDocument.uri);
    const open = host.documents.get(params.textDocument.uri);
    host.flush();
    const a = host.current(uri);
    const report = host.views(uri);
    if (open && host.fileOf(uri)?.version !== open.version) return [];
    const only = params.context.only;
    const actions: CodeAction[] = [];
    const wantQuickFix = !only || only.some((k) => CodeActionKind.QuickFix.startsWith(k) || k.startsWith(CodeActionKind.QuickFix));
    if (wantQuickFix) {
      for (const d of params.context.diagnostics) {
        const finding = findingFor(report ?? a, uri, d);
        if (!finding) continue;
        for (const fix of report ? report.fixes(finding) : fixesFor(a, finding)) {
          // A new file needs documentChanges; a client without them is not offered such a fix.
          if (!host.canDocumentChanges() && fix.edits.some((e) => e.create)) continue;
          actions.push({
            title: fix.safety === 'unsafe' ? `${fix.title} (${fix.caution ?? 'may block traffic'})` : fix.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            isPreferred: fix.safety === 'safe',
            edit: editFor(uri, [fix]),
          });
        }
      }
    }
    const wantFixAll = only?.some((k) => FIX_ALL_KIND.startsWith(k) || k === CodeActionKind.Source || k === CodeActionKind.SourceFixAll);
    if (wantFixAll) {
      // A file the analysis holds is fixed pass after pass; one a view reads through a render, in the files that own its nodes.
      const edit = report && !a.files.some((f) => f.uri === uri) ? viewFixAll(report, uri, host.fileOf(uri)?.text ?? '') : fixAll(a, uri);
      if (edit) actions.push({ title: 'Fix all safe Egress Lens problems', kind: FIX_ALL_KIND, edit: editFor(uri, [{ title: 'fix all', safety: 'safe', edits: [edit] }]) });
    }
    return actions;
  });
}
