import { spanAt } from '../../model/anchor';
import { isRecord, type Resource } from '../../model/resources';
import { defineRule } from '../rule';
import { replaceScalar } from '../../fixes/yaml-edit';
import { resourceAt } from '../lookup';

interface Replacement {
  to: string;
  why: string;
  /** Whether the object reads the same under the new version (the fix is then safe). */
  sameSchema: (r: Resource) => boolean;
}

const always = () => true;
const hasSelector = (r: Resource) => isRecord(r.obj.spec) && r.obj.spec.selector !== undefined;

const K8S_REMOVED = (release: string) => `was removed in Kubernetes ${release}`;
const ISTIO = 'is deprecated in favour of v1 (Istio 1.22 and later)';

/** apiVersion → kind → the version to use. */
const TABLE: Record<string, Record<string, Replacement>> = {
  'extensions/v1beta1': {
    NetworkPolicy: { to: 'networking.k8s.io/v1', why: K8S_REMOVED('1.16'), sameSchema: always },
    Deployment: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    DaemonSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    ReplicaSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
  },
  'apps/v1beta1': {
    Deployment: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    StatefulSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
  },
  'apps/v1beta2': {
    Deployment: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    StatefulSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    DaemonSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
    ReplicaSet: { to: 'apps/v1', why: K8S_REMOVED('1.16'), sameSchema: hasSelector },
  },
  'batch/v1beta1': { CronJob: { to: 'batch/v1', why: K8S_REMOVED('1.25'), sameSchema: always } },
  'batch/v2alpha1': { CronJob: { to: 'batch/v1', why: K8S_REMOVED('1.21'), sameSchema: always } },
};
for (const v of ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1']) {
  TABLE[v] = Object.fromEntries(
    ['Gateway', 'VirtualService', 'ServiceEntry', 'DestinationRule', 'Sidecar', 'WorkloadEntry', 'WorkloadGroup'].map((k) => [k, { to: 'networking.istio.io/v1', why: ISTIO, sameSchema: always }]),
  );
}
TABLE['security.istio.io/v1beta1'] = Object.fromEntries(
  ['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication'].map((k) => [k, { to: 'security.istio.io/v1', why: ISTIO, sameSchema: always }]),
);
const GATEWAY_V1 = 'is superseded by gateway.networking.k8s.io/v1 (Gateway API 1.0 and later)';
TABLE['gateway.networking.k8s.io/v1beta1'] = Object.fromEntries(['Gateway', 'GatewayClass', 'HTTPRoute'].map((k) => [k, { to: 'gateway.networking.k8s.io/v1', why: GATEWAY_V1, sameSchema: always }]));
TABLE['gateway.networking.k8s.io/v1alpha2'] = {
  ...Object.fromEntries(['Gateway', 'GatewayClass', 'HTTPRoute', 'GRPCRoute'].map((k) => [k, { to: 'gateway.networking.k8s.io/v1', why: GATEWAY_V1, sameSchema: always }])),
  ReferenceGrant: { to: 'gateway.networking.k8s.io/v1beta1', why: 'is superseded by gateway.networking.k8s.io/v1beta1', sameSchema: always },
};

export const el003 = defineRule({
  id: 'EL003',
  name: 'removed-api-version',
  severity: 'warning',
  docs: {
    summary: 'An object uses an API version that Kubernetes (or Istio, or the Gateway API) removed or deprecated, such as `extensions/v1beta1` NetworkPolicy or `networking.istio.io/v1alpha3`.',
    why: 'A cluster that no longer serves the version rejects the object, so the policy you reviewed is never applied. Deprecated Istio and Gateway API versions disappear in later releases the same way.',
    bad: `apiVersion: extensions/v1beta1
kind: NetworkPolicy
metadata:
  name: legacy
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: legacy
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
    fix: 'safe',
    fixSafety: 'Safe: rewrites `apiVersion` where the object reads the same under the new version. Workloads without `spec.selector` (required by apps/v1) get no automatic fix.',
  },
  checkResource(r) {
    const rep = TABLE[r.apiVersion]?.[r.kind];
    if (!rep) return [];
    return [
      {
        uri: r.uri,
        span: spanAt(r, ['apiVersion']),
        message: `${r.apiVersion} ${r.kind} ${rep.why}: use ${rep.to}.`,
        data: { to: rep.to, safe: rep.sameSchema(r) },
      },
    ];
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const to = ctx.finding.data?.to;
    if (!r || typeof to !== 'string' || ctx.finding.data?.safe !== true) return [];
    return [{ title: `Use apiVersion ${to}`, safety: 'safe', edits: [replaceScalar(ctx.file, spanAt(r, ['apiVersion']), to)] }];
  },
});
