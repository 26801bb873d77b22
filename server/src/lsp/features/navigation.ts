import type { Connection, Location, LocationLink } from 'vscode-languageserver/node';
import { definitionAt, referencesAt } from '../../engine/lang';
import { viewDefinitionAt, viewReferencesAt } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';

/** Definition: from a selector to what it matches. References: from a workload to the policies that select it. */
export function registerNavigation(connection: Connection, host: FeatureHost, linkSupport: () => boolean): void {
  connection.onDefinition((params): Location[] | LocationLink[] => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const offset = lines.offset(params.position);
    const view = host.view(uri);
    const targets = view ? viewDefinitionAt(view, uri, offset) : definitionAt(host.current(uri), uri, offset);
    if (linkSupport()) {
      return targets.map((t) => ({
        targetUri: host.clientUri(t.uri),
        targetRange: toRange(host.linesOf(t.uri), t.span),
        targetSelectionRange: toRange(host.linesOf(t.uri), t.selection),
      }));
    }
    return targets.map((t) => ({ uri: host.clientUri(t.uri), range: toRange(host.linesOf(t.uri), t.selection) }));
  });
  connection.onReferences((params): Location[] => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const offset = lines.offset(params.position);
    const view = host.view(uri);
    const places = view ? viewReferencesAt(view, uri, offset, params.context.includeDeclaration, host.fileOf(uri)?.text) : referencesAt(host.current(uri), uri, offset, params.context.includeDeclaration);
    return places.map((p) => ({ uri: host.clientUri(p.uri), range: toRange(host.linesOf(p.uri), p.span) }));
  });
}
