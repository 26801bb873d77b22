import type { ParsedDocument, ParsedFile } from '../parse/parse';
import type { YamlPath } from '../parse/locate';

/** One Kubernetes object found in a file, with where it lives. */
export interface Resource {
  uri: string;
  /** The YAML document that holds it. */
  doc: ParsedDocument;
  /** Path from the document root to the object (empty, or ['items', i] inside a List). */
  path: YamlPath;
  apiVersion: string;
  /** API group, '' for the core group. */
  group: string;
  version: string;
  kind: string;
  name: string;
  /** Effective namespace ('' for cluster-scoped kinds). */
  namespace: string;
  namespaceExplicit: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The object as plain data. */
  obj: Record<string, unknown>;
  /** `Kind/namespace/name`, unique per object in a workspace without duplicates. */
  key: string;
}

/** A namespace of the workspace: declared, or named by the objects in it. */
export interface Namespace {
  name: string;
  labels: Record<string, string>;
  /** The Namespace object, when the workspace declares it. */
  resource?: Resource;
}

/** `Kind namespace/name` (`Kind name` for a cluster-scoped object): how messages and explanations name an object. */
export function kindName(r: Resource): string {
  // Antrea's ClusterNetworkPolicy and NetworkPolicy share their kinds with Kubernetes': say which.
  const kind = r.group === 'crd.antrea.io' ? `Antrea ${r.kind}` : r.kind;
  return r.namespace ? `${kind} ${r.namespace}/${r.name}` : `${kind} ${r.name}`;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(v)) return out;
  for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? '' : String(val);
  return out;
}

/** Kinds that have no namespace, by `group/Kind`. */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  'policy.networking.k8s.io/AdminNetworkPolicy',
  'policy.networking.k8s.io/BaselineAdminNetworkPolicy',
  'policy.networking.k8s.io/ClusterNetworkPolicy',
  'projectcalico.org/GlobalNetworkPolicy',
  'projectcalico.org/GlobalNetworkSet',
  'projectcalico.org/Tier',
  'projectcalico.org/StagedGlobalNetworkPolicy',
  'crd.projectcalico.org/GlobalNetworkPolicy',
  'crd.projectcalico.org/GlobalNetworkSet',
  'crd.projectcalico.org/Tier',
  'cilium.io/CiliumClusterwideNetworkPolicy',
  'crd.antrea.io/ClusterNetworkPolicy',
  'crd.antrea.io/ClusterGroup',
  'crd.antrea.io/Tier',
  'gateway.networking.k8s.io/GatewayClass',
  'install.istio.io/IstioOperator',
]);

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** Every object of a parsed file, `kind: List` items included. Objects without kind/apiVersion are skipped. */
export function resourcesOf(file: ParsedFile, defaultNamespace: string): Resource[] {
  return file.documents.flatMap((doc) => documentResources(file.uri, doc, defaultNamespace));
}

/** The objects of one document of a file. */
export function documentResources(uri: string, doc: ParsedDocument, defaultNamespace: string): Resource[] {
  const v = doc.value;
  if (!isRecord(v)) return [];
  if (typeof v.kind === 'string' && /List$/.test(v.kind) && Array.isArray(v.items)) {
    // Items of a typed list (PodList...) may omit their kind and apiVersion: the list's apply.
    const itemKind = v.kind === 'List' ? undefined : v.kind.slice(0, -'List'.length);
    const out: Resource[] = [];
    v.items.forEach((item, i) => {
      const typed = itemKind && isRecord(item) && item.kind === undefined && item.apiVersion === undefined ? { kind: itemKind, apiVersion: v.apiVersion, ...item } : item;
      const r = toResource(uri, doc, ['items', i], typed, defaultNamespace);
      if (r) out.push(r);
    });
    return out;
  }
  const r = toResource(uri, doc, [], v, defaultNamespace);
  return r ? [r] : [];
}

function toResource(uri: string, doc: ParsedDocument, path: YamlPath, v: unknown, defaultNamespace: string): Resource | undefined {
  if (!isRecord(v) || typeof v.kind !== 'string' || typeof v.apiVersion !== 'string') return undefined;
  const { group, version } = splitApiVersion(v.apiVersion);
  const meta = isRecord(v.metadata) ? v.metadata : {};
  const name = typeof meta.name === 'string' || typeof meta.name === 'number' ? String(meta.name) : '';
  const nsRaw = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  const clusterScoped = isClusterScoped(group, v.kind);
  const namespace = clusterScoped ? '' : nsRaw ?? defaultNamespace;
  return {
    uri,
    doc,
    path,
    apiVersion: v.apiVersion,
    group,
    version,
    kind: v.kind,
    name,
    namespace,
    namespaceExplicit: nsRaw !== undefined,
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    obj: v,
    key: `${v.kind}/${namespace}/${name}`,
  };
}

/** Structural equality of two plain data values (map key order ignored). */
export function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => samePlain(x, b[i]));
  if (!isRecord(a) || !isRecord(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && samePlain(a[k], b[k]));
}

/** The API groups of Istio's traffic and security resources and of the Gateway API. */
export const ISTIO_NETWORKING = 'networking.istio.io';
export const ISTIO_SECURITY = 'security.istio.io';
export const GATEWAY_API = 'gateway.networking.k8s.io';
