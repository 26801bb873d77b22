import type { CodeLens, Connection } from 'vscode-languageserver/node';
import { lensesOf } from '../../engine/lang';
import { viewLensesOf } from '../../engine/views';
import { toRange } from '../convert';
import type { FeatureHost } from './host';
import { FeatureCommands } from '../protocol';

/**
 * Above every workload: `egress: unrestricted` or `egress: N destinations` (opens the reachability panel
 * on it). Above every policy: `selects N workloads · allows M destinations` (peeks the selected workloads).
 */
export function registerCodeLens(connection: Connection, host: FeatureHost): void {
  connection.onCodeLens(async (params): Promise<CodeLens[]> => {
    host.flush();
    const uri = host.engineUri(params.textDocument.uri);
    const lines = host.linesOf(uri);
    const place = (p: { uri: string; span: { start: number; end: number } }) => ({ uri: host.clientUri(p.uri), range: toRange(host.linesOf(p.uri), p.span) });
    // Against HEAD: what this file's change opens and closes (its click opens the panel in compare mode).
    const change = await host.changeLens?.(uri);
    const changeLenses: CodeLens[] = change ? [{ range: toRange(host.linesOf(uri), change.span), command: { title: change.title, command: FeatureCommands.showReachability, arguments: [{ compare: 'HEAD' }] } }] : [];
    const view = host.view(uri);
    return changeLenses.concat((view ? viewLensesOf(view, uri) : lensesOf(host.current(uri), uri)).map((l) => ({
      range: toRange(lines, l.span),
      command:
        l.action.kind === 'reachability'
          ? { title: l.title, command: FeatureCommands.showReachability, arguments: [{ focus: l.action.workload }] }
          : { title: l.title, command: FeatureCommands.showReferences, arguments: [host.clientUri(l.action.at.uri), toRange(lines, l.action.at.span).start, l.action.places.map(place)] },
    })));
  });
}
