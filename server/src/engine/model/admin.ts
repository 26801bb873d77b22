import type { Resource } from './resources';

export const ADMIN_GROUP = 'policy.networking.k8s.io';

/** AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2). */
export function isAdminPolicy(r: Resource): boolean {
  return r.group === ADMIN_GROUP && (r.kind === 'AdminNetworkPolicy' || r.kind === 'BaselineAdminNetworkPolicy' || r.kind === 'ClusterNetworkPolicy');
}
