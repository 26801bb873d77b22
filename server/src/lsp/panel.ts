/**
 * The reachability panel's requests: `egressLens/reachability` (nodes and edges of the current analysis),
 * `egressLens/explain` (every deciding rule of an edge or node), `egressLens/workloadLenses` (for the
 * CodeLens), and the `egressLens/reachabilityChanged` notification after each published analysis.
 *
 * Nothing here analyses or derives: the engine's `lang/panel` builds every answer from the analysis the
 * server keeps (`current()`); this module numbers analyses and speaks the protocol.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { Analysis, LineIndex, Span } from '../engine';
import { explain } from '../engine/lang/panel/explain';
import { reachabilityResult, workloadLenses, type PanelLines } from '../engine/lang/panel/graph';
import { reachabilityDelta } from '../engine/lang/panel/delta';
import { normalizeUri } from '../host/files';
import {
  PanelNotifications,
  PanelRequests,
  type ExplainParams,
  type ExplainResult,
  type ReachabilityChangedParams,
  type ReachabilityDeltaResult,
  type ReachabilityParams,
  type ReachabilityResult,
  type WorkloadLens,
  type WorkloadLensParams,
} from './protocol';

export interface PanelHost {
  /**
   * The server's current analysis (analyses when dirty, otherwise the cached one); with the URI of a
   * document that is not a file (an unsaved buffer), that document's own analysis.
   */
  current(uri?: string): Analysis;
  /** Publish a pending analysis now, so that requests answer for the latest text. */
  flush(): void;
  linesOf(uri: string): LineIndex;
  /** With cluster views: the file and range that wrote a place of the active view's render. */
  trace?(uri: string, span: Span): { uri: string; span: Span };
  /** The flow logs loaded (egressLens/loadFlows), for the panel's bar. */
  observedSources?(): string[];
}

export interface PanelHooks {
  /** Call after diagnostics were published: notifies the panel when the analysis is a new one. */
  changed(): void;
  /** The revision number of the current analysis (as egressLens/reachability answers it). */
  revision(): number;
}

/** Registers the panel's requests; the returned hook goes into the server's publish(). */
export function registerPanel(connection: Connection, host: PanelHost): PanelHooks {
  let revision = 0;
  let notified: Analysis | undefined;
  const revisions = new WeakMap<Analysis, number>();
  const revisionOf = (a: Analysis): number => {
    let r = revisions.get(a);
    if (r === undefined) revisions.set(a, (r = ++revision));
    return r;
  };
  const lines: PanelLines = Object.assign((uri: string) => host.linesOf(uri), { trace: host.trace });

  /** The last whole data answered (no focus), and its analysis: a client that holds it is sent what changed since. */
  let whole: { result: ReachabilityResult; analysis: Analysis } | undefined;
  connection.onRequest<ReachabilityResult | ReachabilityDeltaResult, void>(PanelRequests.reachability, (params: ReachabilityParams | null): ReachabilityResult | ReachabilityDeltaResult => {
    host.flush();
    const a = host.current();
    const { since, ...p } = params ?? {};
    const at = p.at && { ...p.at, uri: normalizeUri(p.at.uri) };
    // The view of the last whole answer lends the pairs whose tables did not change.
    const r = reachabilityResult(a, lines, at ? { ...p, at } : p, revisionOf(a), host.observedSources?.(), whole?.analysis);
    if (r.focus !== undefined) return r;
    const held = whole?.result;
    whole = { result: r, analysis: a };
    const delta = since !== undefined && held?.revision === since ? reachabilityDelta(held, r) : undefined;
    return delta ? { revision: r.revision, delta } : r;
  });
  connection.onRequest(PanelRequests.explain, (params: ExplainParams): ExplainResult => {
    host.flush();
    return explain(host.current(), lines, params);
  });
  connection.onRequest(PanelRequests.workloadLenses, (params: WorkloadLensParams): WorkloadLens[] => {
    host.flush();
    const uri = normalizeUri(params.uri);
    return workloadLenses(host.current(uri), lines, { uri });
  });

  return {
    revision: () => revisionOf(host.current()),
    changed() {
      const a = host.current();
      if (a === notified) return;
      notified = a;
      const params: ReachabilityChangedParams = { revision: revisionOf(a) };
      void connection.sendNotification(PanelNotifications.reachabilityChanged, params);
    },
  };
}
