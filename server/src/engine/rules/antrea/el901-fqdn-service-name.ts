import { objectName, spanAt } from '../../model/anchor';
import { isRecord, type Resource } from '../../model/resources';
import { isAntreaPolicy } from '../../policy/antrea';
import { serviceOfHost } from '../../mesh/mesh';
import { defineRule, type RawFinding } from '../rule';
import { perObject } from '../../memo';
import type { Mesh } from '../../mesh/mesh';

/** A cluster Service's DNS name (`db.shop.svc`, `db.shop.svc.cluster.local`), or a pattern of them (`*.svc.cluster.local`): its service and namespace when named. */
export function serviceDnsName(fqdn: string): { service?: string; namespace?: string } | undefined {
  const named = serviceOfHost(fqdn);
  if (named) return { service: named.name, namespace: named.namespace };
  // A pattern or a partial name under the cluster domain still names Services, without saying which.
  return /\.svc(\.cluster\.local)?\.?$/i.test(fqdn.trim()) ? {} : undefined;
}

function isHeadless(svc: Resource): boolean {
  const spec = isRecord(svc.obj.spec) ? svc.obj.spec : {};
  return spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None');
}

/** The workspace's Services by namespace/name, once per mesh. */
const servicesOf = perObject((mesh: Mesh): Map<string, Resource> => {
  const out = new Map<string, Resource>();
  for (const r of mesh.services.values()) out.set(`${r.namespace}/${r.name}`, r);
  return out;
});

export const el901 = defineRule({
  id: 'EL901',
  name: 'antrea-fqdn-service-name',
  severity: 'warning',
  docs: {
    summary: 'An Antrea-native policy names a cluster Service by its DNS name in an `fqdn` egress peer (`db.shop.svc.cluster.local`): Antrea never matches it, unless the Service is headless.',
    why: 'Antrea enforces an `fqdn` rule on the addresses the DNS answers return. A Service name resolves to its ClusterIP, and Antrea applies policy after its proxy has replaced the ClusterIP by the address of a backend Pod, so the rule never sees the address it learnt: an Allow lets nothing through, a Drop drops nothing. Only a headless Service (no ClusterIP) resolves to its Pods directly. To select the Service, use `toServices` (or select its Pods with `podSelector` and `namespaceSelector`). Antrea documents this limit with its FQDN policies.',
    bad: `apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata:
  name: checkout-to-db
spec:
  priority: 5
  appliedTo:
  - podSelector:
      matchLabels: {app: checkout}
  egress:
  - action: Allow
    to:
    - fqdn: db.payments.svc.cluster.local
    ports:
    - {protocol: TCP, port: 5432}
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: payments
spec:
  selector: {app: db}
  ports:
  - {port: 5432}
`,
    good: `apiVersion: crd.antrea.io/v1beta1
kind: ClusterNetworkPolicy
metadata:
  name: checkout-to-db
spec:
  priority: 5
  appliedTo:
  - podSelector:
      matchLabels: {app: checkout}
  egress:
  - action: Allow
    toServices:
    - {name: db, namespace: payments}
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: payments
spec:
  selector: {app: db}
  ports:
  - {port: 5432}
`,
    fix: 'none',
    fixSafety: 'No fix: whether to select the Service (toServices) or its Pods is the author’s choice.',
  },
  // Its Antrea policies (the cluster-scoped ones are in the slice of no namespace), against the Services.
  reads: ['mesh'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    for (const r of ns.resources) {
      if (!isAntreaPolicy(r)) continue;
      const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
      const egress = Array.isArray(spec.egress) ? spec.egress : [];
      egress.forEach((rule, i) => {
        if (!isRecord(rule) || !Array.isArray(rule.to)) return;
        rule.to.forEach((peer, j) => {
          if (!isRecord(peer) || typeof peer.fqdn !== 'string') return;
          const named = serviceDnsName(peer.fqdn);
          if (!named) return;
          const svc = named.service !== undefined ? servicesOf(ctx.mesh).get(`${named.namespace}/${named.service}`) : undefined;
          if (svc && isHeadless(svc)) return;
          const which = svc ? `Service ${named.namespace}/${named.service}` : named.service !== undefined ? `Service ${named.namespace}/${named.service} (not in the workspace)` : 'cluster Services';
          out.push({
            uri: r.uri,
            span: spanAt(r, ['spec', 'egress', i, 'to', j, 'fqdn']),
            message: `"${peer.fqdn}" is the DNS name of ${which}: it resolves to a ClusterIP, which Antrea has already replaced by a backend Pod's address when ${objectName(r)} applies, so this fqdn peer never matches${svc ? '' : ' unless the Service is headless'}. Select the Service with toServices, or its Pods with podSelector and namespaceSelector.`,
            ...(svc ? { related: [{ uri: svc.uri, span: spanAt(svc, ['metadata', 'name']), message: `${objectName(svc)} has a ClusterIP (it is not headless)` }] } : {}),
          });
        });
      });
    }
    return out;
  },
});
