/**
 * The namespaces of an analysis as the palette offers them (Add Default-Deny…, Allow Egress…): whether a
 * Namespace object declares each, its workloads, and the files where a new resource of it belongs.
 */
import type { Analysis } from '../analyze';
import { isRenderedUri, type ViewAnalysis } from './analyze-views';
import { viewResourceFiles } from './fixes';

export interface NamespaceFiles {
  name: string;
  /** Whether a Namespace object declares it (otherwise it is only referenced). */
  declared: boolean;
  workloads: number;
  /** The files that hold its resources, the one where a new resource belongs first. */
  files: string[];
  /** Other views that read the first file too (a shared base). */
  sharedWith?: string[];
}

/**
 * Per namespace: its files, the one with the most workloads (then resources) first; the Namespace object
 * counts for the namespace it declares. In a view, a rendered resource's file is one that a kustomization
 * lists (`viewResourceFiles`), first unless it is a base other views share and a plain file exists.
 */
export function namespaceFiles(a: Analysis, view?: ViewAnalysis, views: readonly ViewAnalysis[] = []): NamespaceFiles[] {
  const counts = new Map<string, Map<string, { workloads: number; resources: number }>>();
  const count = (ns: string, uri: string) => {
    let files = counts.get(ns);
    if (!files) counts.set(ns, (files = new Map()));
    let c = files.get(uri);
    if (!c) files.set(uri, (c = { workloads: 0, resources: 0 }));
    return c;
  };
  for (const r of a.model.resources) {
    const ns = r.kind === 'Namespace' && r.group === '' ? r.name : r.namespace;
    if (ns) count(ns, r.uri).resources++;
  }
  const workloads = new Map<string, number>();
  for (const w of a.model.workloads) {
    workloads.set(w.namespace, (workloads.get(w.namespace) ?? 0) + 1);
    for (const uri of new Set(w.resources.map((r) => r.uri))) count(w.namespace, uri).workloads++;
  }
  const plainFilesOf = (ns: string) =>
    [...(counts.get(ns) ?? new Map<string, { workloads: number; resources: number }>())]
      .filter(([uri]) => !isRenderedUri(uri))
      .sort(([u, x], [v, y]) => y.workloads - x.workloads || y.resources - x.resources || (u < v ? -1 : 1))
      .map(([uri]) => uri);
  const filesOf = (ns: string): { files: string[]; sharedWith?: string[] } => {
    const plain = plainFilesOf(ns);
    const rendered = view ? viewResourceFiles(view, ns, views) : [];
    const first = rendered[0];
    const files = first && (first.shared.length === 0 || plain.length === 0) ? [...rendered.map((f) => f.uri), ...plain] : [...plain, ...rendered.map((f) => f.uri)];
    return { files, ...(first && files[0] === first.uri && first.shared.length > 0 ? { sharedWith: first.shared } : {}) };
  };
  return [...a.model.namespaces.values()]
    .map((ns) => ({ name: ns.name, declared: ns.resource !== undefined, workloads: workloads.get(ns.name) ?? 0, ...filesOf(ns.name) }))
    .sort((x, y) => x.name.localeCompare(y.name));
}
