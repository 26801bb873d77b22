import { SymbolKind, type Connection, type DocumentSymbol, type WorkspaceSymbol } from 'vscode-languageserver/node';
import { documentSymbols, workspaceSymbols, type ResourceSymbol, type SymbolCategory } from '../../engine/lang';
import { viewDocumentSymbols } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';

const KIND: Record<SymbolCategory, SymbolKind> = {
  workload: SymbolKind.Class,
  policy: SymbolKind.Interface,
  namespace: SymbolKind.Namespace,
  service: SymbolKind.Interface,
  other: SymbolKind.Object,
};

/** Document symbols (an outline of the file's resources) and workspace symbols (workloads and policies by name). */
export function registerSymbols(connection: Connection, host: FeatureHost): void {
  connection.onDocumentSymbol((params): DocumentSymbol[] => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const convert = (s: ResourceSymbol): DocumentSymbol => ({
      name: s.name,
      detail: s.detail,
      kind: s.kind === 'List' ? SymbolKind.Array : KIND[s.category],
      range: toRange(lines, s.span),
      selectionRange: toRange(lines, s.selection),
      children: s.children.map(convert),
    });
    const view = host.view(uri);
    const file = view ? host.fileOf(uri) : undefined;
    return (view && file ? viewDocumentSymbols(view, file) : documentSymbols(host.current(uri), uri)).map(convert);
  });
  connection.onWorkspaceSymbol((params): WorkspaceSymbol[] => {
    host.flush();
    return workspaceSymbols(host.current(), params.query).map((s) => ({
      name: s.name,
      containerName: s.detail,
      kind: KIND[s.category],
      location: { uri: host.clientUri(s.uri), range: toRange(host.linesOf(s.uri), s.selection) },
    }));
  });
}
