/**
 * What the reachability panel shows of an analysis, as data: nodes, edges, explanations and the lenses
 * of a document. The server sends these shapes as they are (the protocol module re-exports them).
 * Ranges are LSP positions (zero-based line and UTF-16 character), computed with the engine's line index.
 */
export interface PanelPosition {
  line: number;
  character: number;
}

export interface PanelRange {
  start: PanelPosition;
  end: PanelPosition;
}

/** A place in the workspace's YAML (LSP coordinates: 0-based lines and UTF-16 characters). */
export interface PanelLocation {
  uri: string;
  range: PanelRange;
}

export interface ReachabilityParams {
  /** Only the edges from and to this workload id (`ns/name[Kind]`). */
  focus?: string;
  /** Focus on the workload defined at this place (the cursor), when there is one; wins over `focus`. */
  at?: { uri: string; position: PanelPosition };
  /**
   * The revision of the whole data (no focus) the client holds: the answer may then be what changed since
   * (`ReachabilityDeltaResult`) instead of the whole data.
   */
  since?: number;
}

/**
 * What a node stands for: a workload, an address range, the internet, a host name (ServiceEntry, toFQDNs),
 * an egress gateway, or pods that may come (`exposure`: pods a policy admits by label that no manifest holds).
 */
export type ReachNodeKind = 'workload' | 'external' | 'internet' | 'fqdn' | 'gateway' | 'exposure';

/**
 * Why an edge exists: `allowed` by an explicit rule; `unrestricted` because no policy restricts the
 * source's egress (the risk); `gateway` allowed through an egress gateway (the path is src -> gateway -> host);
 * `blocked`: observed in the cluster's flow logs, but the workspace allows none of it (drawn only with flows loaded);
 * `exposure`: allowed to or from pods that no manifest holds yet but a policy admits by label (an `exposure` node).
 */
export type EdgeVerdict = 'allowed' | 'unrestricted' | 'gateway' | 'blocked' | 'exposure';

export interface ReachNode {
  /** Workloads: `ns/name[Kind]`; address ranges: `ip:<first>-<last>`; `internet`; `fqdn:<host>`; `gateway:<id>`. */
  id: string;
  kind: ReachNodeKind;
  /** Short text to draw: the workload's name, the CIDR, `internet`, the host. */
  label: string;
  namespace?: string;
  /** Deployment, StatefulSet… */
  workloadKind?: string;
  /** Whether any policy restricts this workload's egress / ingress. */
  egressRestricted?: boolean;
  ingressRestricted?: boolean;
  /** Pod labels of a workload. */
  labels?: Record<string, string>;
  /** Address ranges of an external node (`first-last`), IPv4 first. */
  ranges?: string[];
  /** Where it is defined (a workload's metadata.name). */
  location?: PanelLocation;
  /** Compare mode: a workload that exists only in the new state, or only in the base. */
  change?: 'added' | 'removed';
  /** Observed traffic: a destination that is drawn only because flows reached it (a host name, an address). */
  observed?: boolean;
  /**
   * Exposure nodes: pods that do not exist in the manifests but that policies admit by label, as
   * netpol-analyzer names them (`[all namespaces]/[pod with {role=db}]`, `entire-cluster`); drawn dashed.
   */
  selector?: string;
}

export type PortInterval = [number, number];

/** A set of connections, as protocol -> port intervals; `all` when every port of every protocol. */
export interface ReachConns {
  all: boolean;
  /** netpol-analyzer's text: `All Connections` or `TCP 80,443,UDP 53`. */
  text: string;
  TCP?: PortInterval[];
  UDP?: PortInterval[];
  SCTP?: PortInterval[];
}

export interface ReachEdge {
  /** Index into `nodes`. */
  src: number;
  dst: number;
  /** Index into `conns` (edges share equal connection sets). */
  conns: number;
  verdict: EdgeVerdict;
  /** For `gateway` edges: the index of the gateway node on the path. */
  via?: number;
  /** For the edge from an egress gateway to a host: what the gateway applies to that traffic. */
  applies?: { logged: boolean; limits: boolean; tls: 'originated' | 'passthrough' | 'none' };
  /** Compare mode: how the edge differs from the base revision (unchanged edges have none). */
  change?: EdgeChange;
  /** Compare mode: index into `conns` of what the base allowed (changed and removed edges). */
  before?: number;
  /**
   * Observed traffic (flows loaded): `seen` when flows took it and the workspace allows them all, `blocked` when
   * the workspace would block some of them; none when no flow took it (a candidate for tightening).
   */
  observed?: EdgeObserved;
  /** Observed traffic: the flows counted on it (and of them, those the workspace would block). */
  flows?: number;
  blockedFlows?: number;
}

export type EdgeObserved = 'seen' | 'blocked';

/** The flows loaded into the panel (egressLens/loadFlows), as the overlay counts them. */
export interface ObservedSummary {
  /** The flow logs loaded (file names). */
  sources: string[];
  flows: number;
  connections: number;
  /** Connections (and their flows) the workspace would block. */
  blocked: number;
  blockedFlows: number;
  /** Connections whose endpoints the workspace does not hold (not drawn). */
  unmatched: number;
  /** Edges no observed flow took. */
  unobservedEdges: number;
}

export interface ReachNamespace {
  name: string;
  labels: Record<string, string>;
  declared: boolean;
  location?: PanelLocation;
}

export interface ReachabilityResult {
  revision: number;
  /** The focused workload, when the request asked for one and it exists. */
  focus?: string;
  namespaces: ReachNamespace[];
  nodes: ReachNode[];
  conns: ReachConns[];
  edges: ReachEdge[];
  /** Counts over the whole workspace (before focusing). */
  stats: { workloads: number; edges: number; unrestrictedWorkloads: number };
  /** Compare mode (egressLens/compare): the revision compared with, and what the change opens and closes. */
  compare?: { rev: string; commit: string; summary: string };
  /** Observed traffic: set when flows are loaded (never in compare mode, where `observedHidden` says so). */
  observed?: ObservedSummary;
  /** Compare mode with flows loaded: the overlay is not drawn while comparing. */
  observedHidden?: boolean;
}

/** An edge of a change, by its nodes' ids and its connections' texts (`ReachEdge` numbers them). */
export type ReachDeltaEdge = Omit<ReachEdge, 'src' | 'dst' | 'via' | 'conns' | 'before'> & { src: string; dst: string; via?: string; conns: string; before?: string };

/** What changed in the panel's data since the revision a client holds (see `lang/panel/delta.ts`). */
export interface ReachabilityDelta {
  /** The revision of the data it applies to. */
  since: number;
  /** Everything of the new data but its nodes and edges (revision, namespaces, conns, stats, observed…). */
  rest: Omit<ReachabilityResult, 'nodes' | 'edges'>;
  /** The nodes' ids in their new order, when the nodes or their order changed (otherwise the order is kept). */
  order?: string[];
  /** Nodes new or changed, whole. */
  nodes: ReachNode[];
  /** Edges new or changed, whole. */
  edges: ReachDeltaEdge[];
  /** Edges gone, as [source id, destination id]. */
  removed: [string, string][];
}

/** `egressLens/reachability` with `since`: the change from the data of that revision, when the server has it. */
export interface ReachabilityDeltaResult {
  revision: number;
  delta: ReachabilityDelta;
}

export type ExplainParams = { src: string; dst: string } | { node: string };

export interface ExplainLink {
  label: string;
  location: PanelLocation;
}

export interface ExplainItem {
  /** One sentence. */
  text: string;
  tone: 'allow' | 'deny' | 'risk' | 'info';
  /** The connections it is about (`TCP 443`), when it decides some. */
  conns?: string;
  links: ExplainLink[];
}

export interface ExplainSection {
  heading: string;
  items: ExplainItem[];
}

export interface ExplainResult {
  title: string;
  /** One line: the verdict in words. */
  summary: string;
  verdict?: EdgeVerdict;
  conns?: string;
  sections: ExplainSection[];
  /** Set when the node or edge no longer exists. */
  missing?: boolean;
}

export interface WorkloadLensParams {
  uri: string;
}

export interface WorkloadLens {
  workload: string;
  range: PanelRange;
  egressRestricted: boolean;
}

/** In compare mode: how an edge differs from the base state. */
export type EdgeChange = 'added' | 'removed' | 'changed';
