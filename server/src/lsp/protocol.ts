/**
 * The custom requests between the extension and the server. Both sides import this file;
 * it holds only names and types (no runtime dependency on either side's libraries).
 */
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
