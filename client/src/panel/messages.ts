/**
 * Every message between the panel's host (extension side) and its webview, in both directions.
 * Both sides import this file; it holds only types and constants (no `vscode`, no DOM).
 * The webview announces `ready` before the host sends it anything.
 */
import type { ExplainParams, ExplainResult, PanelLocation, ReachabilityDelta, ReachabilityResult } from '../../../server/src/lsp/protocol';

export const VIEW_TYPE = 'egressLens.reachability';

export type ViewKind = 'graph' | 'matrix';
export type DirectionFilter = 'egress' | 'ingress' | 'both';
export type ExportFormat = 'svg' | 'png' | 'md' | 'csv' | 'dot' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['svg', 'png', 'md', 'csv', 'dot', 'json'];

export interface Filters {
  /** Only edges that touch this namespace ('' for all). */
  namespace: string;
  /** Only edges with an end whose name contains this text (case-insensitive). */
  text: string;
  /** `443`, `TCP`, `UDP 53`, `53/udp`, `8000-8080`… ('' for all). */
  port: string;
  onlyUnrestricted: boolean;
  onlyExternal: boolean;
  /** Egress of the subjects (the focused workload, the namespace, or every workload), their ingress, or both. */
  direction: DirectionFilter;
}

export const DEFAULT_FILTERS: Filters = { namespace: '', text: '', port: '', onlyUnrestricted: false, onlyExternal: false, direction: 'egress' };

export type Selection = { kind: 'node'; id: string } | { kind: 'edge'; src: string; dst: string } | { kind: 'namespace'; name: string };

/** What the webview keeps across reloads (webview state, revived by the serializer). */
export interface PanelState {
  version: 1;
  /** Chosen by the user; undefined: by size (graph for small workspaces, matrix above the threshold). */
  view?: ViewKind;
  filters: Filters;
  focus?: string;
  /** Namespaces folded into one node / row; undefined: by size. */
  collapsed?: string[];
  /** Namespace pairs (`shop→payments`) whose edges are drawn one by one instead of as one aggregate. */
  expanded?: string[];
  selection?: Selection;
  /** Compare mode: the revision the workspace is compared with (undefined: the workspace alone). */
  compare?: string;
}

/** Host -> webview. */
export type HostMessage =
  | { type: 'data'; data: ReachabilityResult }
  /** What changed since the whole data the webview holds (`delta.since`): applied there. */
  | { type: 'delta'; delta: ReachabilityDelta }
  /** The whole data the webview holds is also that of this revision (nothing changed). */
  | { type: 'revision'; revision: number }
  | { type: 'explanation'; requestId: number; result: ExplainResult }
  | { type: 'error'; message: string }
  | { type: 'exported'; format: ExportFormat; path: string }
  /** Export as if the user pressed Export (from the palette's Export Reachability…). */
  | { type: 'exportRequest'; format: ExportFormat };

/** Webview -> host. */
export type WebviewMessage =
  | { type: 'ready'; state?: PanelState }
  /** A change did not apply to the data the webview holds: send the data whole. */
  | { type: 'resync' }
  | { type: 'setFocus'; focus: string | null }
  /** `compare`: explain how an edge differs from the compared revision (compare mode). */
  | { type: 'explain'; requestId: number; params: ExplainParams; compare?: boolean }
  /** Compare with…: the host asks which revision. */
  | { type: 'pickCompare' }
  /** Compare with a revision, or (null) stop comparing. */
  | { type: 'setCompare'; base: string | null }
  /** Observed traffic: unload the flows (the overlay and EL117 go). */
  | { type: 'clearObserved' }
  | { type: 'open'; location: PanelLocation }
  | { type: 'export'; format: ExportFormat; fileName: string; content: string; encoding: 'utf8' | 'base64' }
  | { type: 'rendered'; revision: number; view: ViewKind; ms: number; nodes: number; edges: number }
  | { type: 'error'; message: string };
