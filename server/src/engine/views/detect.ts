/**
 * Cluster views: which sources are rendered together as one cluster. Auto-detected from the workspace's
 * files (each Kustomize root that no other kustomization includes, each Helm chart that is not another
 * chart's dependency, and the plain manifests outside them), or declared under `clusters:` in
 * `.egress-lens.yaml`. Pure: URIs and texts in, view specifications out.
 */
import { TextMemo } from '../memo';
import type { ClusterDeclaration } from '../config';
import { parseDocument } from 'yaml';
import { isExcluded } from '../exclude';
import { dirname, basename, resolvePath, isRemote, KUSTOMIZATION_FILES } from '../kustomize/sources';

/** A Helm release of a view. */
export interface HelmRelease {
  /** The chart's folder (URI, no trailing slash). */
  chart: string;
  release: string;
  namespace: string;
  /** Values files (URIs), in order; the chart's own values.yaml is always read by helm first. */
  values: string[];
  /** `--set` values. */
  set: Record<string, string | number | boolean>;
}

export interface ViewSpec {
  name: string;
  /** Kustomize roots: folders (URIs) with a kustomization. */
  kustomize: string[];
  helm: HelmRelease[];
  /** Plain manifests (URIs), analysed as they are. */
  files: string[];
  /** Detected from the workspace (true), or declared under `clusters:`. */
  detected: boolean;
}

/** The name of the view of plain manifests outside every root and chart. */
export const PLAIN_VIEW = 'manifests';

const isKustomization = (uri: string) => (KUSTOMIZATION_FILES as readonly string[]).includes(basename(uri));

/** What each kustomization text includes, read once per text (the layout is detected again on every change). */
const includedByText = new TextMemo<{ kind: 'Kustomization' | 'Component'; entries: string[] }>('kustomizations, what they include', 5_000);

/** The entries of a kustomization that bring in other kustomizations (resources, bases, components). */
function includedEntries(text: string): { kind: 'Kustomization' | 'Component'; entries: string[] } {
  return includedByText.get(text, () => readIncludedEntries(text));
}

function readIncludedEntries(text: string): { kind: 'Kustomization' | 'Component'; entries: string[] } {
  let value: unknown;
  try {
    value = parseDocument(text, { logLevel: 'silent' }).toJS({ maxAliasCount: 100 });
  } catch {
    return { kind: 'Kustomization', entries: [] };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { kind: 'Kustomization', entries: [] };
  const v = value as Record<string, unknown>;
  const entries: string[] = [];
  for (const k of ['resources', 'bases', 'components']) {
    const list = v[k];
    if (Array.isArray(list)) for (const e of list) if (typeof e === 'string' && !isRemote(e)) entries.push(e);
  }
  return { kind: v.kind === 'Component' ? 'Component' : 'Kustomization', entries };
}

/** A path relative to the root URI (`overlays/prod`), or the URI when it is outside. */
export function relativeTo(root: string | undefined, uri: string): string {
  if (root && uri.startsWith(root)) {
    const rel = uri.slice(root.length).replace(/^\/+/, '');
    try {
      return decodeURIComponent(rel) || '.';
    } catch {
      return rel || '.';
    }
  }
  return uri;
}

export interface WorkspaceLayout {
  /** Folders (URIs) with a kustomization that is not a Component and that no other kustomization includes. */
  kustomizeRoots: string[];
  /** Every folder with a kustomization or a Component. */
  kustomizeFolders: Set<string>;
  /** Chart folders that are not another chart's dependency (under its `charts/`). */
  charts: string[];
  /** Every chart folder. */
  chartFolders: string[];
}

/** Kustomize roots and Helm charts among the workspace's files. */
export function layout(uris: readonly string[], text: (uri: string) => string | undefined): WorkspaceLayout {
  const kustomizations = uris.filter(isKustomization);
  const folders = new Set(kustomizations.map(dirname));
  const included = new Set<string>();
  const components = new Set<string>();
  for (const k of kustomizations) {
    const t = text(k);
    if (t === undefined) continue;
    const { kind, entries } = includedEntries(t);
    if (kind === 'Component') components.add(dirname(k));
    for (const e of entries) {
      const target = resolvePath(dirname(k), e);
      included.add(isKustomization(target) ? dirname(target) : target);
    }
  }
  const chartFolders = uris.filter((u) => basename(u) === 'Chart.yaml').map(dirname).sort();
  const charts = chartFolders.filter((c) => !chartFolders.some((p) => p !== c && c.startsWith(`${p}/charts/`)));
  const kustomizeRoots = [...folders].filter((f) => !included.has(f) && !components.has(f) && !charts.some((c) => f.startsWith(`${c}/`))).sort();
  return { kustomizeRoots, kustomizeFolders: folders, charts, chartFolders };
}

/**
 * The plain manifests: files outside every chart, not a kustomization, not in a kustomization's folder and
 * not read by any Kustomize render (patches and parts are never analysed alone).
 */
export function plainFiles(uris: readonly string[], l: WorkspaceLayout, readByRenders: ReadonlySet<string>): string[] {
  return uris.filter((u) => !isKustomization(u) && !l.kustomizeFolders.has(dirname(u)) && !readByRenders.has(u) && !l.chartFolders.some((c) => u.startsWith(`${c}/`)));
}

/** Detected views: one per Kustomize root and chart (named by their path), and the plain manifests. */
export function detectViews(l: WorkspaceLayout, plain: readonly string[], root: string | undefined): ViewSpec[] {
  const views: ViewSpec[] = [];
  for (const k of l.kustomizeRoots) views.push({ name: relativeTo(root, k), kustomize: [k], helm: [], files: [], detected: true });
  for (const c of l.charts) {
    const release = chartName(c);
    views.push({ name: relativeTo(root, c), kustomize: [], helm: [{ chart: c, release, namespace: 'default', values: [], set: {} }], files: [], detected: true });
  }
  if (plain.length > 0 || views.length === 0) views.push({ name: PLAIN_VIEW, kustomize: [], helm: [], files: [...plain], detected: true });
  return views;
}

/** The release name helm would be given by default: the chart folder's name, as a DNS label. */
function chartName(folder: string): string {
  const name = basename(folder).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return name || 'release';
}

/** Declared views (`clusters:`), their paths resolved against the root; file globs matched against the workspace's files. */
export function declaredViews(clusters: Record<string, ClusterDeclaration>, root: string, uris: readonly string[]): ViewSpec[] {
  const folder = root.replace(/\/$/, '');
  const at = (p: string) => resolvePath(folder, p).replace(/\/(kustomization\.ya?ml|Kustomization)$/, '');
  return Object.entries(clusters).map(([name, c]) => ({
    name,
    kustomize: (c.kustomize ?? []).map(at),
    helm: (c.helm ?? []).map((h) => {
      const chart = at(h.chart).replace(/\/Chart\.yaml$/, '');
      return { chart, release: h.release ?? chartName(chart), namespace: h.namespace ?? 'default', values: (h.values ?? []).map((v) => resolvePath(folder, v)), set: h.set ?? {} };
    }),
    files: (c.files ?? []).length === 0 ? [] : uris.filter((u) => u.startsWith(root) && isExcluded(relativeTo(root, u), c.files!)),
    detected: false,
  }));
}
