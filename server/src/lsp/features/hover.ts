import type { Connection, Hover } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import { hoverAt, type Link } from '../../engine/lang';
import { viewHoverAt } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';

/** A Markdown link to a place: the file's URI with `#L<line>` (1-based), which editors open at that line. */
export function linkTo(host: FeatureHost): Link {
  return (uri, span) => `${host.clientUri(uri)}#L${host.linesOf(uri).position(span.start).line + 1}`;
}

export function registerHover(connection: Connection, host: FeatureHost): void {
  connection.onHover((params): Hover | null => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const offset = lines.offset(params.position);
    const view = host.view(uri);
    const h = view ? viewHoverAt(view, uri, offset, linkTo(host), host.fileOf(uri)?.text) : hoverAt(host.current(uri), uri, offset, linkTo(host));
    if (!h) return null;
    return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: toRange(lines, h.span) };
  });
}
