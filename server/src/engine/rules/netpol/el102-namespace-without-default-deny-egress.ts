import { nameSpan, spanAt } from '../../model/anchor';
import { isGkeFqdnPolicy } from '../../policy/gke';
import { isAntreaPolicy } from '../../policy/antrea';
import { isMatchAll, matches, readSelector } from '../../model/selector';
import { isRecord, kindName, type Resource } from '../../model/resources';
import { defineRule, type RawFinding } from '../rule';
import { namespaceSelectorOf } from '../../policy/compile-admin';
import { resourceAt } from '../lookup';
import { perObject } from '../../memo';
import type { Model } from '../../model/model';
import type { PolicyIndex } from '../../reach/evaluate';
import { defaultDenyFix } from './el101-unrestricted-egress';

/** Whether a Calico or Cilium policy's selector takes every pod it can (all(), none, or {}). */
function selectsEverything(r: Resource): boolean {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  const empty = (sel: unknown) => isRecord(sel) && Object.keys(sel).every((k) => (k === 'matchLabels' || k === 'matchExpressions') && (!sel[k] || Object.keys(sel[k] as object).length === 0));
  if (r.group === 'cilium.io') return empty(spec.endpointSelector);
  // GKE FQDNNetworkPolicy: a podSelector like NetworkPolicy's (absent selects every pod, as `{}` does).
  if (isGkeFqdnPolicy(r)) return spec.podSelector === undefined || spec.podSelector === null || empty(spec.podSelector);
  const s = typeof spec.selector === 'string' ? spec.selector.trim() : '';
  const ns = typeof spec.namespaceSelector === 'string' ? spec.namespaceSelector.trim() : '';
  return (s === '' || s === 'all()') && (ns === '' || ns === 'all()');
}

/** Whether an admin (or Antrea) policy with egress rules applies to every pod of a namespace (so to a new one). */
function coversNewPods(r: Resource, nsLabels: Record<string, string>): boolean {
  const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
  if (!Array.isArray(spec.egress) || spec.egress.length === 0) return false;
  if (isAntreaPolicy(r)) {
    // appliedTo: a namespaceSelector alone (ACNP), or a podSelector {} in the policy's namespace (ANNP).
    const entries = Array.isArray(spec.appliedTo) ? spec.appliedTo.filter(isRecord) : [];
    if (r.kind === 'NetworkPolicy') return nsLabels['kubernetes.io/metadata.name'] === r.namespace && entries.some((e) => e.namespaceSelector === undefined && isMatchAll(readSelector(e.podSelector ?? {})));
    return entries.some((e) => e.namespaceSelector !== undefined && (e.podSelector === undefined || isMatchAll(readSelector(e.podSelector))) && matches(readSelector(e.namespaceSelector), nsLabels));
  }
  const subject = isRecord(spec.subject) ? spec.subject : undefined;
  if (!subject) return false;
  if ('namespaces' in subject) return matches(namespaceSelectorOf(subject.namespaces), nsLabels);
  if (isRecord(subject.pods)) return isMatchAll(readSelector(subject.pods.podSelector ?? {})) && matches(namespaceSelectorOf(subject.pods.namespaceSelector ?? {}), nsLabels);
  return false;
}

/** The namespaces that Calico and Cilium policies isolate for egress as a whole, and whether one isolates every namespace. */
const wideIsolation = perObject((index: PolicyIndex): { covered: Set<string>; clusterWide: boolean } => {
  const covered = new Set<string>();
  let clusterWide = false;
  for (const tier of index.tiers) {
    for (const p of tier.policies) {
      if (p.family === 'netpol' || !p.isolates.egress || !selectsEverything(p.resource)) continue;
      if (p.resource.namespace) covered.add(p.resource.namespace);
      else clusterWide = true;
    }
  }
  return { covered, clusterWide };
});

/** Admin policies and Antrea policies: those whose subject may be every pod of a namespace. */
const adminLike = perObject((model: Model): Resource[] => [...model.adminPolicies, ...model.definitions.filter(isAntreaPolicy)]);

export const el102 = defineRule({
  id: 'EL102',
  name: 'namespace-without-default-deny-egress',
  severity: 'info',
  docs: {
    summary: 'A namespace with workloads has no policy that selects every pod for egress: a NetworkPolicy with `podSelector: {}`, a Calico policy with `selector: all()` (or a GlobalNetworkPolicy), or a Cilium policy with `endpointSelector: {}`.',
    why: 'A namespace-wide default-deny is the floor every other egress rule builds on: without it, each new workload starts with unrestricted egress until someone remembers to write its policy.',
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Egress]
  egress:
  - ports:
    - {port: 53, protocol: UDP}
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: shop/api:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports:
    - {port: 53, protocol: UDP}
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: the added default-deny policy blocks every egress connection of the namespace except DNS.',
  },
  // Namespace-wide and cluster-wide policies of every family, and the namespace's labels (admin subjects).
  reads: ['policies', 'namespaces'],
  checkNamespace(ns, ctx) {
    const out: RawFinding[] = [];
    const wide = wideIsolation(ctx.reach.policies);
    if (wide.clusterWide || wide.covered.has(ns.name)) return out;
    if (ns.networkPolicies.some((np) => np.affects.egress && isMatchAll(np.podSelector))) return out;
    const count = ns.workloads.filter((w) => !w.hostNetwork).length;
    if (count === 0) return out;
    const name = ns.name;
    const declared = ctx.model.namespaces.get(name);
    // Anchor on the Namespace object when declared, else on the first workload's namespace.
    const first = ns.workloads[0].resources[0];
    const at = declared?.resource ?? first;
    const span = declared?.resource ? nameSpan(declared.resource) : first.namespaceExplicit ? spanAt(first, ['metadata', 'namespace']) : nameSpan(first);
    // Admin policies whose subject is every pod of the namespace decide some of a new workload's egress.
    const labels = declared?.labels ?? { 'kubernetes.io/metadata.name': name };
    const admin = adminLike(ctx.model).filter((r) => coversNewPods(r, labels));
    const tail = admin.length
      ? `a new workload there gets no egress restriction of its namespace: only ${admin.slice(0, 2).map((r) => kindName(r)).join(' and ')}${admin.length > 2 ? ` and ${admin.length - 2} more` : ''} decide${admin.length === 1 ? 's' : ''} some of its traffic, and what ${admin.length === 1 ? 'it does' : 'they do'} not decide is allowed.`
      : 'a new workload there starts with unrestricted egress.';
    out.push({
      uri: at.uri,
      span,
      message: `Namespace ${name} has ${count} workload${count === 1 ? '' : 's'} but no default-deny egress policy (podSelector: {} with Egress): ${tail}`,
      related: admin.length ? admin.map((r) => ({ uri: r.uri, span: nameSpan(r), message: `${kindName(r)} applies to every pod of namespace ${name}` })) : undefined,
      data: { namespace: name },
    });
    return out;
  },

  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const namespace = ctx.finding.data?.namespace;
    return r && typeof namespace === 'string' ? [defaultDenyFix(ctx, r, namespace)] : [];
  },
});
