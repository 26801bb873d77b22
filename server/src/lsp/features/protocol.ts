/**
 * Custom messages of the language features (both sides import this file; names and types only).
 * Standard features (hover, code lens, definition…) need none.
 */
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
