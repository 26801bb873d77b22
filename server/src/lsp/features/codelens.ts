import type { CodeLens, Connection } from 'vscode-languageserver/node';
import { lensesOf } from '../../engine/lang';
import { viewLensesOf } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';
import { FeatureCommands } from './protocol';

/**
 * Above every workload: `egress: unrestricted` or `egress: N destinations` (opens the reachability panel
 * on it). Above every policy: `selects N workloads · allows M destinations` (peeks the selected workloads).
 */
export function registerCodeLens(connection: Connection, host: FeatureHost): void {
  connection.onCodeLens((params): CodeLens[] => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const place = (p: { uri: string; span: { start: number; end: number } }) => ({ uri: host.clientUri(p.uri), range: toRange(host.linesOf(p.uri), p.span) });
    const view = host.view(uri);
    return (view ? viewLensesOf(view, uri) : lensesOf(host.current(uri), uri)).map((l) => ({
      range: toRange(lines, l.span),
      command:
        l.action.kind === 'reachability'
          ? { title: l.title, command: FeatureCommands.showReachability, arguments: [{ focus: l.action.workload }] }
          : { title: l.title, command: FeatureCommands.showReferences, arguments: [host.clientUri(l.action.at.uri), toRange(lines, l.action.at.span).start, l.action.places.map(place)] },
    }));
  });
}
