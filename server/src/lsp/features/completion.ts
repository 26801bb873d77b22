import { CompletionItemKind, type CompletionItem, type CompletionList, type Connection } from 'vscode-languageserver/node';
import { completionsAt, type CandidateKind } from '../../engine/lang';
import { viewCompletionsAt } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';

const KIND: Record<CandidateKind, CompletionItemKind> = {
  labelKey: CompletionItemKind.Property,
  labelValue: CompletionItemKind.Value,
  namespace: CompletionItemKind.Module,
  port: CompletionItemKind.EnumMember,
};

/** Where a YAML completion is asked for after typing these characters (the key and value separators). */
export const TRIGGER_CHARACTERS = [':', ' '];

/** Label keys and values, namespace names and named ports, only where the workspace knows them. */
export function registerCompletion(connection: Connection, host: FeatureHost): void {
  connection.onCompletion((params): CompletionList => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const a = host.current(uri);
    const view = host.view(uri);
    const file = view ? host.fileOf(uri) : a.files.find((f) => f.uri === uri);
    if (!file) return { isIncomplete: false, items: [] };
    const lines = host.linesOf(uri);
    const offset = lines.offset(params.position);
    const items: CompletionItem[] = (view ? viewCompletionsAt(view, file, offset) : completionsAt(a, file, offset)).map((c) => ({
      label: c.label,
      kind: KIND[c.kind],
      detail: c.detail,
      sortText: c.sortText,
      filterText: c.label,
      textEdit: { range: toRange(lines, c.replace), newText: c.insertText },
    }));
    return { isIncomplete: false, items };
  });
}
