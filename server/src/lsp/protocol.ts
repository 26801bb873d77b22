/**
 * The custom requests between the extension and the server. Both sides import this file;
 * it holds only names and types (no runtime dependency on either side's libraries).
 */
import type { ConnlistFormat, GatewayProtocol, GatewayStyle, Mechanism, Protocol } from '../engine/index';
export const Requests = {
  namespaces: 'egressLens/namespaces',
  scaffoldDefaultDeny: 'egressLens/scaffoldDefaultDeny',
} as const;

export const FIX_ALL_KIND = 'source.fixAll.egressLens';

export interface NamespaceInfo {
  name: string;
  /** Whether a Namespace object declares it (otherwise it is only referenced). */
  declared: boolean;
  workloads: number;
  /**
   * The workspace's files that hold its resources (its Namespace object, workloads, policies…), the one
   * with the most first: where a new resource of the namespace belongs. In a cluster view, the resource
   * files its kustomizations list (never a file the view does not read).
   */
  files: string[];
  /** Other views that read the first file too (a shared base): a resource added there reaches them as well. */
  sharedWith?: string[];
}

export interface ScaffoldDefaultDenyParams {
  namespace: string;
  allowDns: boolean;
  /** The file the policy goes into, so it matches its style. */
  uri?: string;
}

export interface ScaffoldResult {
  text: string;
}

// ---- The reachability panel (issue 6): egressLens/reachability, egressLens/explain --------------------

/** Requests of the reachability panel (kept apart from `Requests` so that this section only appends). */
export const PanelRequests = {
  reachability: 'egressLens/reachability',
  explain: 'egressLens/explain',
  /** The workloads defined in one document, for the "Show reachability" CodeLens. */
  workloadLenses: 'egressLens/workloadLenses',
} as const;

export const PanelNotifications = {
  /** Sent after the server republished diagnostics for a new analysis: the panel asks again (debounced). */
  reachabilityChanged: 'egressLens/reachabilityChanged',
} as const;

export interface ReachabilityChangedParams {
  /** Increases with every analysis the server publishes. */
  revision: number;
}

export type {
  PanelPosition,
  PanelRange,
  PanelLocation,
  ReachabilityParams,
  ReachNodeKind,
  EdgeVerdict,
  ReachNode,
  PortInterval,
  ReachConns,
  ReachEdge,
  EdgeObserved,
  ObservedSummary,
  ReachNamespace,
  ReachabilityResult,
  ReachabilityDelta,
  ReachabilityDeltaResult,
  ReachDeltaEdge,
  ExplainParams,
  ExplainLink,
  ExplainItem,
  ExplainSection,
  ExplainResult,
  WorkloadLensParams,
  WorkloadLens,
  EdgeChange,
} from '../engine/lang/panel/types';
import type {ReachabilityParams, ReachabilityResult } from '../engine/lang/panel/types';
// ---- Cluster views (issue 16): egressLens/views, egressLens/setView ------------------------------------

export const ViewRequests = {
  /** The workspace's views and the active one. */
  views: 'egressLens/views',
  /** Make a view the active one (the panel, hovers, definitions and lenses use it). */
  setView: 'egressLens/setView',
} as const;

export const ViewNotifications = {
  /** Sent when the list of views or the active view changed. */
  viewsChanged: 'egressLens/viewsChanged',
  /** From the client: the workspace is trusted now (Helm charts may be rendered). */
  workspaceTrusted: 'egressLens/workspaceTrusted',
} as const;

export interface ViewInfo {
  name: string;
  /** Detected from the workspace, or declared under clusters: in .egress-lens.yaml. */
  detected: boolean;
  /** What it renders: `kustomize`, `helm`, `files` (any of them). */
  sources: ('kustomize' | 'helm' | 'files')[];
  findings: number;
}

export interface ViewsResult {
  views: ViewInfo[];
  /** The active view (undefined when the workspace has no views beyond its plain files). */
  active?: string;
}

export interface SetViewParams {
  name: string;
}

// ---- Observed traffic (issue 19): egressLens/loadFlows ---------------------------------------------------

export const FlowRequests = {
  /** Read flow logs (Hubble, Calico, AWS VPC) and keep their connections for EL117; `files: []` unloads them. */
  loadFlows: 'egressLens/loadFlows',
} as const;

export interface LoadFlowsParams {
  /** Flow log files (paths or file: URIs). */
  files: string[];
  /** For AWS VPC flow logs: the output of kubectl get pods -A -o json (a path or file: URI). */
  pods?: string;
}

export interface LoadFlowsResult {
  flows: number;
  connections: number;
  /** Connections the workspace's policies would block. */
  blocked: number;
  /** Flows whose endpoints the workspace does not know. */
  unknown: number;
  malformed: number;
  /** The first problems, as `file:line: message`. */
  problems: string[];
}

// ---- Change review (issue 18): egressLens/revisions, egressLens/review, egressLens/compare --------------

export const CompareRequests = {
  /** What the workspace's git repository offers to compare with: branches, tags, recent commits. */
  revisions: 'egressLens/revisions',
  /** The Markdown report of what the workspace (open buffers over the disk) opens and closes against a revision. */
  review: 'egressLens/review',
  /** The reachability graph of both states at once, each edge marked added, removed or changed. */
  compare: 'egressLens/compare',
  /** Why a marked edge changed: the connections before and after, the deciding rules in both states. */
  compareExplain: 'egressLens/compareExplain',
} as const;

export interface RevisionsResult {
  /** The branch checked out (none: a detached HEAD). */
  branch?: string;
  head?: string;
  branches: { name: string; oid: string }[];
  tags: { name: string; oid: string }[];
  /** Newest first: id, first line of the message, author, committer time (seconds). */
  commits: { oid: string; subject: string; author: string; time: number }[];
}

export interface ReviewParams {
  /** A revision as git names it: `HEAD` (the default), a branch, a tag, a commit id, `main~2`… */
  base?: string;
}

export interface ReviewResult {
  base: { rev: string; commit: string };
  /** `opens 1 path to the internet, closes 2`, or `no change in connectivity`. */
  summary: string;
  /** The same as `egress-lens diff --base REV --format md` run at the repository's root. */
  markdown: string;
  changes: number;
}


export interface CompareParams extends ReachabilityParams {
  base?: string;
}

/** Both states in one graph: edges and workloads that differ carry `change` (ReachEdge, ReachNode). */
export interface CompareResult extends ReachabilityResult {
  compare: NonNullable<ReachabilityResult['compare']>;
}

export interface CompareExplainParams {
  base?: string;
  src: string;
  dst: string;
}

/** Requests behind "Egress Lens: Allow Egress To…" (names and shapes shared with the client). */
export const ScaffoldRequests = {
  workloads: 'egressLens/workloads',
  allowEgress: 'egressLens/scaffoldAllow',
  gateway: 'egressLens/scaffoldGateway',
  /** The external hosts egress gateways route, for the gateway-traffic commands' pickers. */
  gatewayRoutes: 'egressLens/gatewayRoutes',
  gatewayTraffic: 'egressLens/scaffoldGatewayTraffic',
} as const;

/** An external host an egress gateway routes, and whether the gateway reads its requests (HTTP) or passes TLS through. */
export interface GatewayRouteInfo {
  /** `istio-system/istio-egressgateway` */
  gateway: string;
  namespace: string;
  host: string;
  http: boolean;
}

/**
 * "Egress Lens: Add Traffic Policy for Host…", "Enable Egress Gateway Access Logs…", "Rate-Limit Host at the
 * Egress Gateway…".
 */
export type GatewayTrafficParams = (
  | { kind: 'traffic-policy'; host: string; namespace: string }
  | { kind: 'gateway-access-logs'; gateway?: string }
  | { kind: 'rate-limit'; host: string; perMinute?: number }
) & { uri?: string };

/** "Egress Lens: Route Host Through Egress Gateway…" */
export interface GatewayParams {
  host: string;
  port?: number;
  protocol: GatewayProtocol;
  /** The namespace of the calling workloads. */
  namespace: string;
  style: GatewayStyle;
  /** The file it will go into, so that it matches its style. */
  uri?: string;
}

export type GatewayResponse = { ok: true; text: string; notes: string[] } | { ok: false; error: string };

export interface WorkloadInfo {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  /** Whether any policy restricts its egress now. */
  restricted: boolean;
  ports: { name?: string; port: number; protocol: string }[];
}

export interface AllowEgressParams {
  /** The source workload's id (`ns/name[Kind]`). */
  from: string;
  to: { kind: 'workload'; id: string } | { kind: 'cidr'; cidr: string } | { kind: 'host'; host: string };
  ports: { protocol: Protocol; port: number }[];
  mechanism: Mechanism;
  /** The file the policy will go into, so that it matches its style. */
  uri?: string;
}

export type AllowEgressResponse = { ok: true; text: string; notes: string[] } | { ok: false; error: string };

/** "Explain Egress of Workload…" and "Export Reachability…". */
export const ReportRequests = {
  explainWorkload: 'egressLens/explainWorkload',
  exportReachability: 'egressLens/exportReachability',
} as const;

export interface ExplainWorkloadParams {
  /** `ns/name[Kind]` */
  workload: string;
}

export type ExplainWorkloadResult = { ok: true; markdown: string } | { ok: false; error: string };

export interface ExportReachabilityParams {
  format: ConnlistFormat;
}

/** Custom messages of the language features (standard features — hover, code lens, definition… — need none). */
export const FeatureNotifications = {
  /** The server's state and what the workspace looks like: sent while indexing and after each new analysis. */
  status: 'egressLens/status',
} as const;

export const FeatureCommands = {
  /** Client-side command of the policy code lens: peek a list of places (LSP uri, position, locations). */
  showReferences: 'egressLens.showReferences',
  /** Client-side command of the workload code lens: the reachability panel focused on a workload. */
  showReachability: 'egressLens.showReachability',
} as const;

export interface StatusParams {
  state: 'indexing' | 'ready';
  /** While indexing: files read so far, and how many were found. */
  indexed?: number;
  total?: number;
  workloads: number;
  /** Workloads whose egress no policy restricts. */
  unrestricted: number;
  policies: number;
}
