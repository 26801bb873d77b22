/**
 * The NetworkPolicy that makes an egress gateway enforceable: the namespace's pods may send traffic only
 * to the gateway (its namespace, or its pods when it runs beside them) and to the cluster DNS, plus
 * istiod when the gateway is not in Istio's own namespace (the sidecars need their configuration).
 */
import type { DnsSelector } from '../config';
import { dnsEgressRule } from './default-deny';

export const ISTIOD_NAMESPACE = 'istio-system';
const NAME_LABEL = 'kubernetes.io/metadata.name';

export interface GatewayOnlyOptions {
  namespace: string;
  gatewayNamespace: string;
  /** Labels of the gateway pods, when only they (not their whole namespace) should be reachable. */
  gatewayPodLabels?: Record<string, string>;
  dns: DnsSelector;
  name?: string;
}

export function egressViaGatewayOnly(o: GatewayOnlyOptions): Record<string, unknown> {
  const toGateway: Record<string, unknown> = { namespaceSelector: { matchLabels: { [NAME_LABEL]: o.gatewayNamespace } } };
  if (o.gatewayPodLabels && Object.keys(o.gatewayPodLabels).length > 0) toGateway.podSelector = { matchLabels: { ...o.gatewayPodLabels } };
  const egress: Record<string, unknown>[] = [{ to: [toGateway] }];
  if (o.gatewayNamespace !== ISTIOD_NAMESPACE) {
    egress.push({ to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: ISTIOD_NAMESPACE } }, podSelector: { matchLabels: { app: 'istiod' } } }], ports: [{ protocol: 'TCP', port: 15012 }] });
  }
  egress.push(dnsEgressRule(o.dns));
  // When the gateway runs beside the pods, the policy leaves the gateway's own pods out: they must reach the host.
  const podSelector = o.gatewayNamespace === o.namespace && o.gatewayPodLabels && Object.keys(o.gatewayPodLabels).length > 0 ? { matchExpressions: Object.keys(o.gatewayPodLabels).slice(0, 1).map((key) => ({ key, operator: 'DoesNotExist' })) } : {};
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: o.name ?? 'egress-via-gateway-only', namespace: o.namespace },
    spec: { podSelector, policyTypes: ['Egress'], egress },
  };
}
