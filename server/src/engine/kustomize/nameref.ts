import { gvkOf, specMatches, splitPath, visitField } from './fieldspec';
import { changed, get, ownPath, str, type RMap, type RNode, type TreePath } from './tree';

/**
 * References follow renames: once names have their prefixes, suffixes and hashes, every field that names
 * a renamed object (a pod's ConfigMap volume, its service account, a RoleBinding's role, an HPA's target…)
 * is given the new name, as Kustomize's name reference transformer does. A reference is renamed only to
 * an object of the kind it refers to, in the referrer's namespace (unless that kind is cluster-scoped).
 */

interface Named {
  tree: RMap;
  ids: { kind: string; name: string; namespace: string }[];
  current: { kind: string; name: string; namespace: string };
  clusterScoped: boolean;
}

/** Which fields refer to which kind: `Kind: referrerKind path, …` (paths as in Kustomize's field specs). */
const POD_TEMPLATE_PATHS: Record<string, string> = {
  Pod: 'spec',
  PodTemplate: 'template/spec',
  Deployment: 'spec/template/spec',
  ReplicaSet: 'spec/template/spec',
  DaemonSet: 'spec/template/spec',
  StatefulSet: 'spec/template/spec',
  Job: 'spec/template/spec',
  ReplicationController: 'spec/template/spec',
  CronJob: 'spec/jobTemplate/spec/template/spec',
};

interface RefSpec {
  kind?: string;
  group?: string;
  path: string[];
}

function podRefs(kinds: string[], paths: string[]): RefSpec[] {
  const out: RefSpec[] = [];
  for (const kind of kinds) for (const p of paths) out.push({ kind, path: splitPath(`${POD_TEMPLATE_PATHS[kind]}/${p}`) });
  return out;
}

const WORKLOADS = Object.keys(POD_TEMPLATE_PATHS);
const WITH_SERVICE_ACCOUNT = ['Pod', 'StatefulSet', 'Deployment', 'ReplicationController', 'CronJob', 'Job', 'DaemonSet'];

const REFERENCES: Record<string, RefSpec[]> = {
  ConfigMap: [
    ...podRefs(WORKLOADS, ['volumes/configMap/name', 'containers/env/valueFrom/configMapKeyRef/name', 'initContainers/env/valueFrom/configMapKeyRef/name', 'containers/envFrom/configMapRef/name', 'initContainers/envFrom/configMapRef/name', 'volumes/projected/sources/configMap/name']),
    { kind: 'Node', path: ['spec', 'configSource', 'configMap'] },
    { kind: 'Role', path: ['rules', 'resourceNames'] },
    { kind: 'ClusterRole', path: ['rules', 'resourceNames'] },
    { kind: 'Ingress', path: ['metadata', 'annotations', 'nginx.ingress.kubernetes.io/fastcgi-params-configmap'] },
  ],
  Secret: [
    ...podRefs(WORKLOADS, ['volumes/secret/secretName', 'containers/env/valueFrom/secretKeyRef/name', 'initContainers/env/valueFrom/secretKeyRef/name', 'containers/envFrom/secretRef/name', 'initContainers/envFrom/secretRef/name', 'imagePullSecrets/name', 'volumes/projected/sources/secret/name']),
    { kind: 'Ingress', path: ['spec', 'tls', 'secretName'] },
    { kind: 'Ingress', path: ['metadata', 'annotations', 'ingress.kubernetes.io/auth-secret'] },
    { kind: 'Ingress', path: ['metadata', 'annotations', 'nginx.ingress.kubernetes.io/auth-secret'] },
    { kind: 'Ingress', path: ['metadata', 'annotations', 'nginx.ingress.kubernetes.io/auth-tls-secret'] },
    { kind: 'ServiceAccount', path: ['imagePullSecrets', 'name'] },
    { kind: 'StorageClass', path: ['parameters', 'secretName'] },
    { kind: 'StorageClass', path: ['parameters', 'adminSecretName'] },
    { kind: 'StorageClass', path: ['parameters', 'userSecretName'] },
    { kind: 'StorageClass', path: ['parameters', 'secretRef'] },
    { kind: 'Role', path: ['rules', 'resourceNames'] },
    { kind: 'ClusterRole', path: ['rules', 'resourceNames'] },
    { kind: 'PersistentVolume', path: ['spec', 'azureFile', 'secretName'] },
  ],
  Service: [
    { kind: 'StatefulSet', path: ['spec', 'serviceName'] },
    { kind: 'Ingress', path: ['spec', 'rules', 'http', 'paths', 'backend', 'serviceName'] },
    { kind: 'Ingress', path: ['spec', 'backend', 'serviceName'] },
    { kind: 'Ingress', path: ['spec', 'rules', 'http', 'paths', 'backend', 'service', 'name'] },
    { kind: 'Ingress', path: ['spec', 'defaultBackend', 'service', 'name'] },
    { kind: 'APIService', path: ['spec', 'service', 'name'] },
    { kind: 'ValidatingWebhookConfiguration', path: ['webhooks', 'clientConfig', 'service'] },
    { kind: 'MutatingWebhookConfiguration', path: ['webhooks', 'clientConfig', 'service'] },
    { kind: 'HTTPRoute', path: ['spec', 'rules', 'backendRefs', 'name'] },
  ],
  Role: [{ kind: 'RoleBinding', path: ['roleRef', 'name'] }],
  ClusterRole: [
    { kind: 'RoleBinding', path: ['roleRef', 'name'] },
    { kind: 'ClusterRoleBinding', path: ['roleRef', 'name'] },
  ],
  ServiceAccount: [
    { kind: 'RoleBinding', path: ['subjects'] },
    { kind: 'ClusterRoleBinding', path: ['subjects'] },
    ...WITH_SERVICE_ACCOUNT.map((kind) => ({ kind, path: splitPath(`${POD_TEMPLATE_PATHS[kind]}/serviceAccountName`) })),
  ],
  PersistentVolumeClaim: podRefs(WITH_SERVICE_ACCOUNT, ['volumes/persistentVolumeClaim/claimName']),
  PersistentVolume: [
    { kind: 'PersistentVolumeClaim', path: ['spec', 'volumeName'] },
    { kind: 'ClusterRole', path: ['rules', 'resourceNames'] },
  ],
  StorageClass: [
    { kind: 'PersistentVolume', path: ['spec', 'storageClassName'] },
    { kind: 'PersistentVolumeClaim', path: ['spec', 'storageClassName'] },
    { kind: 'StatefulSet', path: ['spec', 'volumeClaimTemplates', 'spec', 'storageClassName'] },
  ],
  PriorityClass: podRefs(WITH_SERVICE_ACCOUNT, ['priorityClassName']),
  IngressClass: [{ kind: 'Ingress', path: ['spec', 'ingressClassName'] }],
  Deployment: [{ kind: 'HorizontalPodAutoscaler', path: ['spec', 'scaleTargetRef', 'name'] }],
  ReplicationController: [{ kind: 'HorizontalPodAutoscaler', path: ['spec', 'scaleTargetRef', 'name'] }],
  ReplicaSet: [{ kind: 'HorizontalPodAutoscaler', path: ['spec', 'scaleTargetRef', 'name'] }],
  StatefulSet: [{ kind: 'HorizontalPodAutoscaler', path: ['spec', 'scaleTargetRef', 'name'] }],
};

const nsEq = (a: string, b: string) => a === b || ((a === '' || a === 'default') && (b === '' || b === 'default'));

export function nameReferences(all: Named[]): void {
  const renamed = all.filter((r) => r.ids.some((id) => id.name !== r.current.name));
  if (renamed.length === 0) return;
  // Per referral kind, the renamed objects by each of their former names.
  const byKind = new Map<string, Map<string, Named[]>>();
  for (const r of renamed) {
    if (!REFERENCES[r.current.kind]) continue;
    let names = byKind.get(r.current.kind);
    if (!names) byKind.set(r.current.kind, (names = new Map()));
    for (const id of r.ids) {
      if (id.name === r.current.name) continue;
      const list = names.get(id.name) ?? [];
      if (!list.includes(r)) list.push(r);
      names.set(id.name, list);
    }
  }
  for (const referrer of all) {
    const gvk = gvkOf(str(referrer.tree, ['apiVersion']), str(referrer.tree, ['kind']));
    const ns = referrer.current.namespace;
    for (const [kind, names] of byKind) {
      const find = (old: string, namespace: string): Named | undefined => {
        const candidates = names.get(old);
        if (!candidates) return undefined;
        return candidates.find((c) => c.clusterScoped || nsEq(c.current.namespace, namespace)) ?? (candidates.length === 1 && candidates[0].current.namespace === '' ? candidates[0] : undefined);
      };
      for (const spec of REFERENCES[kind]) {
        if (!specMatches(spec, gvk)) continue;
        visitField(referrer.tree, spec.path, false, referrer.tree.at, (parent, key, own) => {
          const v = parent.items.get(key);
          if (!v) return;
          const found: [TreePath, Named][] = [];
          renames(v, kind, ns, find, [key], found);
          if (found.length === 0) return;
          const writable = own();
          for (const [path, target] of found) renameTo(ownPath(writable, path) as RNode & { kind: 'scalar' }, target);
        });
      }
    }
  }
}

/** The references in `v` (at `path` in its parent) to rename, with the object each now names. */
function renames(v: RNode, kind: string, ns: string, find: (old: string, namespace: string) => Named | undefined, path: (string | number)[], out: [TreePath, Named][]): void {
  if (v.kind === 'scalar') {
    if (typeof v.value !== 'string') return;
    const target = find(v.value, ns);
    if (target) out.push([path, target]);
    return;
  }
  if (v.kind === 'seq') {
    v.items.forEach((x, i) => {
      // RBAC subjects name their kind; resourceNames are plain strings.
      if (x.kind === 'map' && str(x, ['kind']) !== undefined && str(x, ['kind']) !== kind) return;
      renames(x, kind, ns, find, [...path, i], out);
    });
    return;
  }
  // A map that names an object: `{name, namespace}` (a subject, a webhook's service).
  const name = v.items.get('name');
  if (name?.kind !== 'scalar' || typeof name.value !== 'string') return;
  const target = find(name.value, str(v, ['namespace']) ?? ns);
  if (target) out.push([[...path, 'name'], target]);
}

/** Give a reference the object's new name; what renamed the object renamed the reference too. */
function renameTo(v: RNode & { kind: 'scalar' }, target: Named): void {
  v.value = target.current.name;
  const name = get(target.tree, ['metadata', 'name']);
  for (const by of name?.changedBy ?? []) changed(v, by);
}
