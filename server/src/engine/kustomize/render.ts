import type { Document } from 'yaml';
import { parseFile, type ParsedFile } from '../parse/parse';
import type { Span } from '../types';
import { embeddedOffsets } from './embedded';
import { annotationSpecs, commonLabelSpecs, gvkOf, metadataLabelSpecs, replicaSpecs, specMatches, splitPath, templateLabelSpecs, visitField, type FieldSpec } from './fieldspec';
import { nameHash, secretValue } from './hash';
import { applyJsonPatch, PatchError, type PatchOperation } from './jsonpatch';
import { checkKustomization, NOT_RENDERED, Problems, type RenderProblem } from './kustomization';
import { nameReferences } from './nameref';
import { merge } from './smp';
import { dirname, isRemote, KUSTOMIZATION_FILES, resolvePath, SourceIndex, type RenderSources } from './sources';
import { changed, child, clone, emptyMap, ensureMap, fromYaml, get, origins, own, ownPath, scalar, setValue, share, str, toPlain, type Origin, type RMap, type RNode, type TreePath, type ValueOrigin } from './tree';

/** A resource of the rendered view, with where each of its values came from. */
export interface RenderedResource {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object as plain data (what `kubectl kustomize` prints). */
  object: Record<string, unknown>;
  /** Where the object was written: its document, or the generator entry that made it. */
  source: Origin;
  /** The kustomizations (and components) that brought it in, from the root to the one that lists it. */
  chain: string[];
  /** Where the value at a path came from (the nearest existing ancestor when the path is absent). */
  originAt(path: TreePath): ValueOrigin;
  /** Every value's origin, by path key (`spec.podSelector.matchLabels.app`; `''` for the object). */
  origins(): Map<string, ValueOrigin>;
}

export interface RenderResult {
  /** The kustomization file the view is rooted at (or the path given, when there is none). */
  root: string;
  resources: RenderedResource[];
  /** Problems of the render, each at the exact key, value or entry at fault. */
  findings: RenderProblem[];
  /** URIs the renderer needed and the host did not give (files to read, or folders to list). */
  needs: string[];
  /** Every file the render read (to know when to render again). */
  read: string[];
}

export interface RenderOptions {
  maxFileSize?: number;
  maxAliasCount?: number;
  /**
   * Files parsed by earlier renders, by URI, owned by the host: a file whose text is unchanged is not parsed
   * again, and what this render parses is added.
   */
  parsed?: Map<string, ParsedFile>;
}

interface Id {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
}

interface Res {
  tree: RMap;
  chain: string[];
  source: Origin;
  /** Its ids so far, the one it was loaded with first. */
  ids: Id[];
  /** A generated object that gets the content hash as a name suffix at the end. */
  hash: boolean;
}

interface Kust {
  uri: string;
  folder: string;
  text: string;
  root: RMap;
  kind: 'Kustomization' | 'Component';
}

const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass',
  'APIService', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'CertificateSigningRequest', 'PodSecurityPolicy', 'ComponentStatus', 'FlowSchema', 'PriorityLevelConfiguration',
]);

function idOf(tree: RMap): Id {
  const gvk = gvkOf(str(tree, ['apiVersion']), str(tree, ['kind']));
  return { ...gvk, name: str(tree, ['metadata', 'name']) ?? '', namespace: str(tree, ['metadata', 'namespace']) ?? '' };
}

const nsEq = (a: string, b: string) => a === b || ((a === '' || a === 'default') && (b === '' || b === 'default'));
const idText = (id: Id) => `${id.kind} ${id.namespace ? id.namespace + '/' : ''}${id.name}`;

/** Record the object's id after a change that may have renamed it (the last id is always the current one). */
function noteId(r: Res): void {
  const id = idOf(r.tree);
  const last = r.ids[r.ids.length - 1];
  if (!last || last.name !== id.name || last.namespace !== id.namespace || last.kind !== id.kind || last.group !== id.group || last.version !== id.version) r.ids.push(id);
}

const cur = (r: Res): Id => r.ids[r.ids.length - 1];
const idKey = (id: Id) => `${id.group}/${id.version}/${id.kind}/${id.namespace === 'default' ? '' : id.namespace}/${id.name}`;
const anyId = (r: Res, match: (id: Id) => boolean) => r.ids.some(match);

/** Kustomize's legacy output order: kinds that others depend on first, webhooks last, then by id. */
const ORDER_FIRST = ['Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget'];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function legacyRank(kind: string): number {
  const f = ORDER_FIRST.indexOf(kind);
  if (f >= 0) return f;
  const l = ORDER_LAST.indexOf(kind);
  return l >= 0 ? 1000 + l : 500;
}

function legacyCompare(a: Id, b: Id): number {
  const ra = legacyRank(a.kind);
  const rb = legacyRank(b.kind);
  if (ra !== rb) return ra - rb;
  const ga = `${a.group}/${a.version}/${a.kind}`;
  const gb = `${b.group}/${b.version}/${b.kind}`;
  if (ga !== gb) return ga < gb ? -1 : 1;
  const ka = `${a.namespace}|${a.name}`;
  const kb = `${b.namespace}|${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function rendered(r: Res): RenderedResource {
  const id = cur(r);
  const tree = r.tree;
  let all: Map<string, ValueOrigin> | undefined;
  return {
    apiVersion: str(tree, ['apiVersion']) ?? '',
    kind: id.kind,
    name: id.name,
    ...(id.namespace ? { namespace: id.namespace } : {}),
    object: toPlain(tree) as Record<string, unknown>,
    source: r.source,
    chain: r.chain,
    originAt(path) {
      let n: RNode = tree;
      for (const k of path) {
        const next = child(n, k);
        if (!next) break;
        n = next;
      }
      return { value: n.at, ...(n.key ? { key: n.key } : {}), ...(n.changedBy ? { changedBy: n.changedBy } : {}) };
    },
    origins() {
      return (all ??= origins(tree));
    },
  };
}

/**
 * A resource file's document as a tree, built once per parsed document (a file whose text is the same keeps
 * its parse, so every view that reads it, and every render of those views, shares one build). Its nodes are
 * shared: a render changes only copies of the nodes it writes (copy on write: `own`, `ownPath`).
 */
const resourceTrees = new WeakMap<Document.Parsed, { at: number; tree: RNode | null }>();
function resourceTree(doc: Document.Parsed, file: { uri: string; text: string }): RNode | null {
  let hit = resourceTrees.get(doc);
  // A document kept by a re-parse may have moved (text before it changed): its origins are built again.
  if (hit === undefined || hit.at !== doc.range[0]) {
    const tree = fromYaml(doc, file.uri, undefined, file.text);
    if (tree) share(tree);
    resourceTrees.set(doc, (hit = { at: doc.range[0], tree }));
  }
  return hit.tree;
}

/**
 * Render the Kustomize view rooted at a folder (or a kustomization file), as `kubectl kustomize` would,
 * from the host's data only. Never throws: what cannot be built is a finding, and the rest renders.
 */
export function renderKustomization(sources: RenderSources, path: string, options: RenderOptions = {}): RenderResult {
  return new Renderer(sources, options).render(path);
}

class Renderer {
  private readonly index: SourceIndex;
  private readonly problems = new Problems();
  private readonly needs = new Set<string>();
  private readonly read = new Set<string>();
  private readonly parseOptions: { maxFileSize: number; maxAliasCount: number };
  private readonly cache?: Map<string, ParsedFile>;

  constructor(sources: RenderSources, options: RenderOptions) {
    this.index = new SourceIndex(sources);
    this.cache = options.parsed;
    this.parseOptions = { maxFileSize: options.maxFileSize ?? 4 * 1024 * 1024, maxAliasCount: options.maxAliasCount ?? 1000 };
  }

  render(path: string): RenderResult {
    const target = path.replace(/\/$/, '');
    const entry = this.index.entry(target);
    let kustUri: string | undefined;
    if (entry === 'file') kustUri = target;
    else if (entry === 'folder') kustUri = this.kustomizationIn(target, { uri: target, span: { start: 0, end: 0 } }, true);
    else this.missing(target, { uri: target, span: { start: 0, end: 0 } }, entry);
    const ra: Res[] = [];
    const kust = kustUri ? this.loadKustomization(kustUri, { uri: kustUri, span: { start: 0, end: 0 } }) : undefined;
    if (kust) {
      if (kust.kind === 'Component') this.problems.add('EL004', 'error', this.kindAt(kust), `${kust.uri} is a Component: it is rendered only as part of a Kustomization that lists it under "components".`);
      else this.accumulate(kust, ra, [kust.uri], new Set([kust.folder]));
      this.finish(ra);
    }
    ra.sort((a, b) => legacyCompare(cur(a), cur(b)));
    return { root: kustUri ?? target, resources: ra.map(rendered), findings: this.problems.findings, needs: [...this.needs], read: [...this.read] };
  }

  private kindAt(k: Kust): Origin {
    const n = k.root.items.get('kind');
    return n?.at ?? { uri: k.uri, span: { start: 0, end: 0 } };
  }

  private missing(uri: string, at: Origin, entry: string, what = 'path'): void {
    if (entry === 'unknown') {
      this.needs.add(uri);
      this.problems.add('EL004', 'error', at, `The ${what} ${uri} was not given to the renderer (it is not open and was not read): it is left out of the view.`, { needs: uri });
    } else this.problems.add('EL004', 'error', at, `The ${what} ${uri} does not exist: it is left out of the view.`, { missing: uri });
  }

  /** The kustomization file of a folder; reports a missing or ambiguous one at `at`. */
  private kustomizationIn(folder: string, at: Origin, isRoot = false): string | undefined {
    const found: string[] = [];
    const pending: string[] = [];
    for (const name of KUSTOMIZATION_FILES) {
      const uri = `${folder}/${name}`;
      const e = this.index.entry(uri);
      if (e === 'file') found.push(uri);
      else if (e === 'unknown') pending.push(uri);
    }
    if (found.length > 1) {
      this.problems.add('EL004', 'error', at, `${folder} holds more than one kustomization file (${found.map((f) => f.slice(folder.length + 1)).join(', ')}); Kustomize refuses to choose.`);
      return undefined;
    }
    // One found among the files given: the others were not given, so they are taken as absent.
    if (found.length === 1) return found[0];
    if (pending.length > 0) {
      // Not listed, or listed and not read: what to read (or list) to know.
      const wanted = this.index.listed(folder) ? pending : [folder];
      for (const w of wanted) this.needs.add(w);
      this.problems.add('EL004', 'error', at, `The kustomization of ${folder} was not given to the renderer: it is left out of the view.`, { needs: wanted });
      return undefined;
    }
    this.problems.add('EL004', 'error', at, `${isRoot ? '' : 'The folder '}${folder} has no kustomization.yaml, kustomization.yml or Kustomization: it is left out of the view.`);
    return undefined;
  }

  /** A file parsed, once per text: from the host's cache when it holds this text. */
  private parse(file: { uri: string; text: string }): ParsedFile {
    const hit = this.cache?.get(file.uri);
    if (hit && hit.text === file.text) return hit;
    const parsed = parseFile({ uri: file.uri, text: file.text }, this.parseOptions);
    this.cache?.set(file.uri, parsed);
    return parsed;
  }

  private text(uri: string): { uri: string; text: string } | undefined {
    const f = this.index.file(uri);
    if (f) this.read.add(f.uri);
    return f;
  }

  private loadKustomization(uri: string, at: Origin): Kust | undefined {
    const file = this.text(uri);
    if (!file) {
      this.missing(uri, at, this.index.entry(uri), 'kustomization');
      return undefined;
    }
    const parsed = this.parse(file);
    const docAt = (s: Span): Origin => ({ uri: file.uri, span: s });
    if (parsed.notice) {
      this.problems.add('EL004', 'error', at, `The kustomization ${file.uri} is not read: ${parsed.notice.message}`);
      return undefined;
    }
    const docs = parsed.documents.filter((d) => d.doc.contents !== null || d.errors.length > 0);
    for (const d of docs) for (const e of d.errors) this.problems.add('EL001', 'error', docAt(e.span), e.message);
    if (docs.some((d) => d.errors.length > 0)) return undefined;
    if (docs.length > 1) this.problems.add('EL002', 'error', docAt(docs[1].span), 'A kustomization is one YAML document; the documents after the first are ignored.');
    const root = docs.length > 0 ? fromYaml(docs[0].doc, file.uri) : { kind: 'map' as const, items: new Map(), at: docAt({ start: 0, end: 0 }) };
    if (!root || root.kind !== 'map') {
      if (root) this.problems.add('EL002', 'error', root.at, 'A kustomization must be a map of fields.');
      return undefined;
    }
    checkKustomization(root, this.problems);
    for (const [k, v] of root.items) if (k in NOT_RENDERED) this.problems.add('EL004', 'warning', v.key ?? v.at, `"${k}" is not rendered: ${NOT_RENDERED[k]}; the view goes on without it.`, { field: k });
    const kind = str(root, ['kind']);
    if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') {
      this.problems.add('EL002', 'error', root.items.get('kind')!.at, `"kind" of a kustomization is Kustomization or Component, not "${kind}".`);
      return undefined;
    }
    return { uri: file.uri, folder: dirname(uri), text: file.text, root, kind: kind === 'Component' ? 'Component' : 'Kustomization' };
  }

  /** Resources, components, generators and transformers of one kustomization, into `ra`. */
  private accumulate(k: Kust, ra: Res[], chain: string[], stack: Set<string>): void {
    for (const field of ['resources', 'bases']) {
      const list = k.root.items.get(field);
      if (list?.kind === 'seq') for (const entry of list.items) this.resource(k, entry, ra, chain, stack, false);
    }
    const components = k.root.items.get('components');
    if (components?.kind === 'seq') for (const entry of components.items) this.resource(k, entry, ra, chain, stack, true);
    this.generators(k, ra, chain);
    this.transform(k, ra);
  }

  private resource(k: Kust, entry: RNode, ra: Res[], chain: string[], stack: Set<string>, component: boolean): void {
    if (entry.kind !== 'scalar' || entry.value === null) return;
    const value = String(entry.value);
    const at = entry.at;
    if (isRemote(value)) {
      this.problems.add('EL004', 'info', at, `Remote ${component ? 'component' : 'resource'} ${value} is not fetched (no network): it is left out of the view.`, { remote: value });
      return;
    }
    const uri = resolvePath(k.folder, value);
    const e = this.index.entry(uri);
    if (e === 'file') {
      if (component) {
        this.problems.add('EL004', 'error', at, `A component is a folder with a kustomization of kind Component; ${value} is a file.`);
        return;
      }
      if (!uri.startsWith(k.folder + '/')) {
        this.problems.add('EL004', 'error', at, `${value} is outside the kustomization's folder; Kustomize refuses to read files above it (list the folder's kustomization instead).`);
        return;
      }
      this.loadResources(uri, at, ra, chain);
      return;
    }
    if (e !== 'folder') {
      this.missing(uri, at, e);
      return;
    }
    const kustUri = this.kustomizationIn(uri, at);
    if (!kustUri) return;
    const folder = dirname(kustUri);
    if (stack.has(folder)) {
      this.problems.add('EL004', 'error', at, `Cycle: ${value} includes the kustomization that includes it; it is left out of the view.`, { cycle: folder });
      return;
    }
    const sub = this.loadKustomization(kustUri, at);
    if (!sub) return;
    if (component && sub.kind !== 'Component') {
      this.problems.add('EL004', 'error', at, `${value} is listed under "components" but its kustomization is of kind ${sub.kind}, not Component.`);
      return;
    }
    if (!component && sub.kind === 'Component') {
      this.problems.add('EL004', 'error', at, `${value} is a Component: list it under "components", not "${'resources'}".`);
      return;
    }
    const inner = new Set(stack).add(folder);
    if (component) {
      this.accumulate(sub, ra, [...chain, sub.uri], inner);
      return;
    }
    const subRa: Res[] = [];
    this.accumulate(sub, subRa, [...chain, sub.uri], inner);
    this.addAll(ra, subRa, at);
  }

  /** The ids taken in each accumulation, kept while nothing renames or removes (transformers drop it). */
  private readonly taken = new WeakMap<Res[], Set<string>>();

  /** Add resources, refusing a second one with the same id (as Kustomize does). */
  private addAll(ra: Res[], items: readonly Res[], at: Origin): void {
    let taken = this.taken.get(ra);
    if (!taken) this.taken.set(ra, (taken = new Set(ra.map((x) => idKey(cur(x))))));
    for (const r of items) {
      const key = idKey(cur(r));
      if (taken.has(key)) {
        this.problems.add('EL004', 'error', at, `${idText(cur(r))} is already in the view; Kustomize refuses a second resource with the same kind, namespace and name (this one is left out).`);
        continue;
      }
      taken.add(key);
      ra.push(r);
    }
  }

  private loadResources(uri: string, at: Origin, ra: Res[], chain: string[]): void {
    const file = this.text(uri);
    if (!file) return;
    const parsed = this.parse(file);
    if (parsed.notice) {
      this.problems.add('EL004', 'warning', at, `${file.uri} is left out of the view: ${parsed.notice.message}`);
      return;
    }
    const loaded: Res[] = [];
    for (const d of parsed.documents) {
      if (d.errors.length > 0) {
        this.problems.add('EL004', 'error', at, `${file.uri} has YAML errors; the document at its line with the error is left out of the view.`);
        for (const e of d.errors) this.problems.add('EL001', 'error', { uri: file.uri, span: e.span }, e.message);
        continue;
      }
      const tree = resourceTree(d.doc, file);
      if (!tree) continue;
      const items = tree.kind === 'map' && /List$/.test(str(tree, ['kind']) ?? '') && get(tree, ['items'])?.kind === 'seq' ? (get(tree, ['items']) as { items: RNode[] }).items : [tree];
      for (const item of items) {
        if (item.kind !== 'map') {
          this.problems.add('EL004', 'error', item.at, 'A resource must be a map with apiVersion, kind and metadata.name; this one is left out of the view.');
          continue;
        }
        if (!str(item, ['kind']) || !str(item, ['metadata', 'name'])) {
          this.problems.add('EL004', 'error', item.at, `A resource needs ${!str(item, ['kind']) ? 'a kind' : 'metadata.name'}; this one is left out of the view.`);
          continue;
        }
        loaded.push({ tree: own(item), chain, source: item.at, ids: [idOf(item)], hash: false });
      }
    }
    this.addAll(ra, loaded, at);
  }

  // --- generators -----------------------------------------------------------------------------------

  private generators(k: Kust, ra: Res[], chain: string[]): void {
    const global = k.root.items.get('generatorOptions');
    for (const field of ['configMapGenerator', 'secretGenerator'] as const) {
      const list = k.root.items.get(field);
      if (list?.kind !== 'seq') continue;
      for (const entry of list.items) if (entry.kind === 'map') this.generate(k, entry, field === 'secretGenerator', global?.kind === 'map' ? global : undefined, ra, chain);
    }
  }

  private generate(k: Kust, entry: RMap, secret: boolean, global: RMap | undefined, ra: Res[], chain: string[]): void {
    const nameNode = entry.items.get('name');
    const name = str(nameNode);
    if (!name) {
      this.problems.add('EL002', 'error', entry.at, `A ${secret ? 'secretGenerator' : 'configMapGenerator'} entry needs a name.`);
      return;
    }
    const data = new Map<string, [string, Origin]>();
    const put = (key: string, value: string, at: Origin) => {
      if (data.has(key)) this.problems.add('EL004', 'error', at, `Key "${key}" is generated twice for ${name}; Kustomize refuses it.`);
      data.set(key, [value, at]);
    };
    const literals = entry.items.get('literals');
    if (literals?.kind === 'seq') {
      for (const l of literals.items) {
        const text = l.kind === 'scalar' ? String(l.value) : '';
        const eq = text.indexOf('=');
        if (eq <= 0) {
          this.problems.add('EL002', 'error', l.at, `A literal is KEY=VALUE; "${text}" has no key.`);
          continue;
        }
        let value = text.slice(eq + 1);
        if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) value = value.slice(1, -1);
        put(text.slice(0, eq), value, l.at);
      }
    }
    const files = entry.items.get('files');
    if (files?.kind === 'seq') {
      for (const f of files.items) {
        const spec = f.kind === 'scalar' ? String(f.value) : '';
        const eq = spec.indexOf('=');
        const key = eq > 0 ? spec.slice(0, eq) : spec.slice(spec.lastIndexOf('/') + 1);
        const file = this.generatorFile(k, eq > 0 ? spec.slice(eq + 1) : spec, f.at);
        if (file !== undefined) put(key, file, f.at);
      }
    }
    const envs: RNode[] = [];
    const envsNode = entry.items.get('envs');
    if (envsNode?.kind === 'seq') envs.push(...envsNode.items);
    const env = entry.items.get('env');
    if (env) envs.push(env);
    for (const e of envs) {
      const text = this.generatorFile(k, e.kind === 'scalar' ? String(e.value) : '', e.at);
      if (text === undefined) continue;
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.replace(/^\uFEFF/, '').trim();
        if (line === '' || line.startsWith('#')) continue;
        const eq = line.indexOf('=');
        if (eq <= 0) {
          this.problems.add('EL004', 'warning', e.at, `Line "${line}" of the env file is not KEY=VALUE (Kustomize would read the value from its own environment); it is left out.`);
          continue;
        }
        put(line.slice(0, eq), line.slice(eq + 1), e.at);
      }
    }
    // Options: the kustomization's generatorOptions, then the entry's own.
    const labels = new Map<string, RNode>();
    const annotations = new Map<string, RNode>();
    let disableHash = false;
    let immutable: RNode | undefined;
    for (const opts of [global, entry.items.get('options')]) {
      if (opts?.kind !== 'map') continue;
      const l = opts.items.get('labels');
      if (l?.kind === 'map') for (const [kk, v] of l.items) labels.set(kk, v);
      const a = opts.items.get('annotations');
      if (a?.kind === 'map') for (const [kk, v] of a.items) annotations.set(kk, v);
      const d = opts.items.get('disableNameSuffixHash');
      if (d?.kind === 'scalar') disableHash = d.value === true;
      const im = opts.items.get('immutable');
      if (im?.kind === 'scalar' && im.value === true) immutable = im;
    }
    const at = entry.at;
    const tree: RMap = emptyMap(at);
    setValue(tree, 'apiVersion', scalar('v1', at));
    setValue(tree, 'kind', scalar(secret ? 'Secret' : 'ConfigMap', at));
    const meta = emptyMap(at);
    setValue(tree, 'metadata', meta);
    setValue(meta, 'name', { ...clone(nameNode!), key: nameNode!.key });
    const nsNode = entry.items.get('namespace');
    if (str(nsNode)) setValue(meta, 'namespace', clone(nsNode!));
    const stringMap = (m: Map<string, RNode>) => {
      const out = emptyMap(at);
      for (const [kk, v] of m) setValue(out, kk, { ...clone(v), value: v.kind === 'scalar' ? String(v.value) : '' } as RNode);
      return out;
    };
    if (labels.size > 0) setValue(meta, 'labels', stringMap(labels));
    if (annotations.size > 0) setValue(meta, 'annotations', stringMap(annotations));
    if (data.size > 0) {
      const d = emptyMap(at);
      for (const [kk, [v, o]] of data) setValue(d, kk, scalar(secret ? secretValue(v) : v, o));
      setValue(tree, 'data', d);
    }
    if (secret) {
      const type = entry.items.get('type');
      setValue(tree, 'type', str(type) ? clone(type!) : scalar('Opaque', at));
    }
    if (immutable) setValue(tree, 'immutable', clone(immutable));
    const behavior = str(entry.items.get('behavior')) ?? 'create';
    const generated: Res = { tree, chain, source: at, ids: [idOf(tree)], hash: !disableHash };
    if (behavior === 'create') {
      this.addAll(ra, [generated], nameNode!.at);
      return;
    }
    if (behavior !== 'merge' && behavior !== 'replace') {
      this.problems.add('EL002', 'error', entry.items.get('behavior')!.at, `"behavior" is create, merge or replace, not "${behavior}".`);
      return;
    }
    const id = idOf(tree);
    const existing = ra.find((r) => anyId(r, (x) => x.kind === id.kind && x.name === id.name && nsEq(x.namespace, id.namespace)));
    if (!existing) {
      this.problems.add('EL004', 'error', entry.items.get('behavior')!.at, `behavior: ${behavior} needs a ${id.kind} named ${name} from a base; there is none, so nothing is generated.`);
      return;
    }
    const target = existing.tree;
    if (behavior === 'replace') {
      if (tree.items.has('data')) setValue(target, 'data', tree.items.get('data')!);
      else target.items.delete('data');
    } else {
      const d = tree.items.get('data');
      if (d?.kind === 'map') {
        const td = ensureMap(target, ['data'], at);
        if (td) for (const [kk, v] of d.items) setValue(td, kk, v);
      }
    }
    for (const field of ['labels', 'annotations']) {
      const add = get(tree, ['metadata', field]);
      if (add?.kind !== 'map') continue;
      const tm = ensureMap(target, ['metadata', field], at);
      if (tm) for (const [kk, v] of add.items) setValue(tm, kk, v);
    }
    if (disableHash) existing.hash = false;
  }

  /** A file a generator reads, relative to the kustomization, inside its folder. */
  private generatorFile(k: Kust, rel: string, at: Origin): string | undefined {
    const uri = resolvePath(k.folder, rel);
    if (!uri.startsWith(k.folder + '/')) {
      this.problems.add('EL004', 'error', at, `${rel} is outside the kustomization's folder; Kustomize refuses to read it.`);
      return undefined;
    }
    const f = this.text(uri);
    if (!f) this.missing(uri, at, this.index.entry(uri), 'file');
    return f?.text;
  }

  // --- transformers ---------------------------------------------------------------------------------

  private transform(k: Kust, ra: Res[]): void {
    // Transformers rename and remove: the ids taken are counted again when next needed.
    this.taken.delete(ra);
    this.patchesStrategicMerge(k, ra);
    this.patches(k, ra);
    this.namespace(k, ra);
    this.prefixSuffix(k, ra);
    this.labels(k, ra);
    this.annotations(k, ra);
    this.patchesJson6902(k, ra);
    this.replicas(k, ra);
    this.images(k, ra);
  }

  /** The text of a patch: inline (`patch`), or a file (`path`), with the offset map and URI of its origins. */
  private patchText(k: Kust, entry: RMap): { text: string; uri: string; offset: (n: number) => number; at: Origin } | undefined {
    const inline = entry.items.get('patch');
    const path = entry.items.get('path');
    if (inline?.kind === 'scalar' && path) {
      this.problems.add('EL002', 'error', path.key ?? path.at, 'A patch has either "patch" or "path", not both.');
      return undefined;
    }
    if (inline?.kind === 'scalar') {
      const text = String(inline.value);
      return { text, uri: k.uri, offset: embeddedOffsets(k.text, inline.at.span, text), at: inline.at };
    }
    if (path?.kind === 'scalar') {
      const uri = resolvePath(k.folder, String(path.value));
      const f = this.text(uri);
      if (!f) {
        this.missing(uri, path.at, this.index.entry(uri), 'patch file');
        return undefined;
      }
      return { text: f.text, uri: f.uri, offset: (n) => n, at: path.at };
    }
    this.problems.add('EL002', 'error', entry.at, 'A patch needs "patch" (the patch itself) or "path" (its file).');
    return undefined;
  }

  /** The documents of a patch as trees. */
  private patchDocs(p: { text: string; uri: string; offset: (n: number) => number; at: Origin }): RNode[] | undefined {
    const parsed = p.uri === this.index.file(p.uri)?.uri && p.text === this.index.file(p.uri)?.text ? this.parse(p) : parseFile({ uri: p.uri, text: p.text }, this.parseOptions);
    if (parsed.notice) {
      this.problems.add('EL004', 'error', p.at, `The patch is not applied: ${parsed.notice.message}`);
      return undefined;
    }
    const out: RNode[] = [];
    for (const d of parsed.documents) {
      for (const e of d.errors) this.problems.add('EL001', 'error', { uri: p.uri, span: { start: p.offset(e.span.start), end: p.offset(e.span.end) } }, `In the patch: ${e.message}`);
      if (d.errors.length > 0) return undefined;
      const t = fromYaml(d.doc, p.uri, p.offset, p.text);
      if (t) out.push(t);
    }
    return out;
  }

  private patchesStrategicMerge(k: Kust, ra: Res[]): void {
    const list = k.root.items.get('patchesStrategicMerge');
    if (list?.kind !== 'seq') return;
    for (const entry of list.items) {
      if (entry.kind !== 'scalar') continue;
      const value = String(entry.value);
      const inline = value.includes('\n') || (value.includes(':') && this.index.entry(resolvePath(k.folder, value)) !== 'file');
      const p = inline
        ? { text: value, uri: k.uri, offset: embeddedOffsets(k.text, entry.at.span, value), at: entry.at }
        : this.patchText(k, { kind: 'map', items: new Map([['path', entry]]), at: entry.at });
      if (!p) continue;
      for (const doc of this.patchDocs(p) ?? []) if (doc.kind === 'map') this.strategicMerge(ra, doc, undefined, undefined);
    }
  }

  private patches(k: Kust, ra: Res[]): void {
    const list = k.root.items.get('patches');
    if (list?.kind !== 'seq') return;
    for (const entry of list.items) {
      if (entry.kind !== 'map') continue;
      const p = this.patchText(k, entry);
      if (!p) continue;
      const docs = this.patchDocs(p);
      if (!docs || docs.length === 0) continue;
      const target = entry.items.get('target');
      const options = entry.items.get('options');
      if (docs.length === 1 && docs[0].kind === 'seq') {
        if (target?.kind !== 'map') {
          this.problems.add('EL002', 'error', entry.at, 'A JSON 6902 patch (a list of operations) needs a "target".');
          continue;
        }
        this.jsonPatch(ra, docs[0], target, p.at);
        continue;
      }
      for (const doc of docs) {
        if (doc.kind !== 'map') {
          this.problems.add('EL002', 'error', doc.at, 'A patch is a strategic merge patch (a map) or a JSON 6902 patch (a list of operations).');
          continue;
        }
        this.strategicMerge(ra, doc, target?.kind === 'map' ? target : undefined, options?.kind === 'map' ? options : undefined);
      }
    }
  }

  /** Resources a patch target selects: group, version, kind, name and namespace (anchored regular expressions), label and annotation selectors. */
  private select(ra: Res[], target: RMap): Res[] {
    const re = (field: string): RegExp | undefined => {
      const v = str(target, [field]);
      if (v === undefined || v === '') return undefined;
      try {
        return new RegExp(`^(?:${v})$`);
      } catch {
        this.problems.add('EL002', 'error', target.items.get(field)!.at, `"${v}" is not a regular expression.`);
        return /$^/;
      }
    };
    const group = str(target, ['group']);
    const version = str(target, ['version']);
    const kind = re('kind');
    const name = re('name');
    const namespace = re('namespace');
    const labelSel = str(target, ['labelSelector']);
    const annotationSel = str(target, ['annotationSelector']);
    return ra.filter((r) => {
      const idOk = r.ids.some((id) => (group === undefined || group === id.group) && (version === undefined || version === id.version) && (!kind || kind.test(id.kind)) && (!name || name.test(id.name)) && (!namespace || namespace.test(id.namespace)));
      if (!idOk) return false;
      if (labelSel !== undefined && !matchesSelector(labelSel, get(r.tree, ['metadata', 'labels']))) return false;
      if (annotationSel !== undefined && !matchesSelector(annotationSel, get(r.tree, ['metadata', 'annotations']))) return false;
      return true;
    });
  }

  private strategicMerge(ra: Res[], patch: RMap, target: RMap | undefined, options: RMap | undefined): void {
    let targets: Res[];
    if (target) {
      targets = this.select(ra, target);
      if (targets.length === 0) {
        this.problems.add('EL004', 'warning', target.at, 'The patch target selects no resource: the patch changes nothing.');
        return;
      }
    } else {
      const pid = idOf(patch);
      if (!pid.kind || !pid.name) {
        this.problems.add('EL002', 'error', patch.at, 'A strategic merge patch without a target needs kind and metadata.name, to find what it patches.');
        return;
      }
      targets = ra.filter((r) => anyId(r, (id) => (!pid.version || (id.group === pid.group && id.version === pid.version)) && id.kind === pid.kind && id.name === pid.name && nsEq(id.namespace, pid.namespace)));
      if (targets.length !== 1) {
        this.problems.add('EL004', 'error', get(patch, ['metadata', 'name'])?.at ?? patch.at, targets.length === 0 ? `The patch finds no ${idText(pid)} to patch: it is not applied.` : `The patch matches ${targets.length} resources named ${pid.name}; Kustomize refuses to choose.`);
        return;
      }
    }
    const allowName = isTrue(get(options, ['allowNameChange']));
    const allowKind = isTrue(get(options, ['allowKindChange']));
    for (const r of targets) {
      if (get(patch, ['$patch'])?.kind === 'scalar' && str(patch, ['$patch']) === 'delete') {
        ra.splice(ra.indexOf(r), 1);
        continue;
      }
      const name = get(r.tree, ['metadata', 'name']);
      const kind = get(r.tree, ['kind']);
      const apiVersion = get(r.tree, ['apiVersion']);
      const gvk = gvkOf(str(r.tree, ['apiVersion']), str(r.tree, ['kind']));
      // The merge changes the tree it merges into throughout: a copy of its own.
      const merged = merge(clone(r.tree), clone(patch), gvk) as RMap | undefined;
      if (!merged) continue;
      r.tree = merged;
      // The patch's own name and kind only find the target; they rename it only when allowed.
      const meta = get(r.tree, ['metadata']);
      // Kustomize drops labels and annotations left empty (other empty maps stay).
      if (meta?.kind === 'map') for (const f of ['labels', 'annotations']) if (get(meta, [f])?.kind === 'map' && (get(meta, [f]) as RMap).items.size === 0) meta.items.delete(f);
      if (!allowName && name && meta?.kind === 'map') meta.items.set('name', name);
      if (!allowKind && kind) {
        r.tree.items.set('kind', kind);
        if (apiVersion) r.tree.items.set('apiVersion', apiVersion);
      }
      noteId(r);
    }
  }

  private jsonPatch(ra: Res[], doc: RNode, target: RMap, at: Origin): void {
    if (doc.kind !== 'seq') return;
    const ops: PatchOperation[] = [];
    for (const op of doc.items) {
      if (op.kind !== 'map' || !str(op, ['op']) || str(op, ['path']) === undefined) {
        this.problems.add('EL002', 'error', op.at, 'A JSON 6902 operation has "op" and "path" (and "value" or "from").');
        return;
      }
      ops.push({ op: str(op, ['op'])!, path: str(op, ['path'])!, from: str(op, ['from']), value: op.items.get('value'), at: op.at });
    }
    const targets = this.select(ra, target);
    if (targets.length === 0) {
      this.problems.add('EL004', 'warning', target.at, 'The patch target selects no resource: the patch changes nothing.');
      return;
    }
    for (const r of targets) {
      try {
        const out = applyJsonPatch(clone(r.tree), ops);
        if (out.kind !== 'map') throw new PatchError('the patch turns the resource into something other than a map');
        r.tree = out;
        noteId(r);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        const failed = ops.find((o) => message.includes(o.path)) ?? ops[0];
        this.problems.add('EL004', 'error', failed?.at ?? at, `The JSON patch fails on ${idText(cur(r))}: ${message}; it is not applied.`);
      }
    }
  }

  private patchesJson6902(k: Kust, ra: Res[]): void {
    const list = k.root.items.get('patchesJson6902');
    if (list?.kind !== 'seq') return;
    for (const entry of list.items) {
      if (entry.kind !== 'map') continue;
      const target = entry.items.get('target');
      if (target?.kind !== 'map') {
        this.problems.add('EL002', 'error', entry.at, 'A patchesJson6902 entry needs a "target".');
        continue;
      }
      const p = this.patchText(k, entry);
      if (!p) continue;
      const docs = this.patchDocs(p);
      if (docs?.length === 1) this.jsonPatch(ra, docs[0], target, p.at);
    }
  }

  private namespace(k: Kust, ra: Res[]): void {
    const node = k.root.items.get('namespace');
    const ns = str(node);
    if (!node || ns === undefined || ns === '') return;
    // RBAC subjects follow only for the service accounts of the view.
    const accounts = new Set<string>();
    for (const r of ra) if (str(r.tree, ['kind']) === 'ServiceAccount') for (const id of r.ids) accounts.add(id.name);
    for (const r of ra) {
      const kind = str(r.tree, ['kind']) ?? '';
      if (kind === 'Namespace') {
        const meta = ensureMap(r.tree, ['metadata'], node.at)!;
        const old = meta.items.get('name');
        if (str(old) !== ns) setValue(meta, 'name', { ...clone(node), key: old?.key });
      } else if (!CLUSTER_SCOPED.has(kind)) {
        const meta = ensureMap(r.tree, ['metadata'], node.at);
        if (meta) setValue(meta, 'namespace', clone(node));
      }
      if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
        const subjects = get(r.tree, ['subjects']);
        if (subjects?.kind === 'seq') {
          subjects.items.forEach((s, i) => {
            if (s.kind !== 'map' || str(s, ['kind']) !== 'ServiceAccount' || !accounts.has(str(s, ['name']) ?? '')) return;
            const sns = str(s, ['namespace']);
            if (sns === undefined || sns === '' || sns === 'default') setValue(ownPath(r.tree, ['subjects', i]) as RMap, 'namespace', clone(node));
          });
        }
      }
      noteId(r);
    }
  }

  private prefixSuffix(k: Kust, ra: Res[]): void {
    const prefix = k.root.items.get('namePrefix');
    const suffix = k.root.items.get('nameSuffix');
    const p = str(prefix) ?? '';
    const s = str(suffix) ?? '';
    if (p === '' && s === '') return;
    for (const r of ra) {
      const kind = str(r.tree, ['kind']);
      if (kind === 'Namespace' || kind === 'CustomResourceDefinition') continue;
      const read = get(r.tree, ['metadata', 'name']);
      if (read?.kind !== 'scalar' || typeof read.value !== 'string') continue;
      const name = ownPath(r.tree, ['metadata', 'name']) as typeof read;
      name.value = p + name.value + s;
      if (p) changed(name, prefix!.at);
      if (s) changed(name, suffix!.at);
      noteId(r);
    }
  }

  /** Write a map of strings (labels or annotations) at each field spec that applies to each resource. */
  private writePairs(ra: Res[], pairs: RMap, specs: readonly FieldSpec[], at: Origin): void {
    for (const r of ra) {
      const gvk = gvkOf(str(r.tree, ['apiVersion']), str(r.tree, ['kind']));
      for (const spec of specs) {
        if (!specMatches(spec, gvk)) continue;
        visitField(r.tree, spec.path, spec.create, at, (read, key, own) => {
          const found = read.items.get(key);
          let m: RNode;
          if (!found || (found.kind === 'scalar' && found.value === null)) {
            if (!spec.create) return;
            m = emptyMap(at);
            setValue(own(), key, m);
          } else if (found.kind !== 'map') return;
          else m = ownPath(own(), [key])!;
          if (m.kind !== 'map') return;
          for (const [kk, v] of pairs.items) {
            const value = scalar(v.kind === 'scalar' && v.value !== null ? String(v.value) : '', v.at);
            value.key = v.key;
            m.items.set(kk, value);
          }
        });
      }
    }
  }

  private labels(k: Kust, ra: Res[]): void {
    const labels = k.root.items.get('labels');
    if (labels?.kind === 'seq') {
      for (const entry of labels.items) {
        const pairs = entry.kind === 'map' ? entry.items.get('pairs') : undefined;
        if (entry.kind !== 'map' || pairs?.kind !== 'map') continue;
        const flag = (f: string) => isTrue(get(entry, [f]));
        const specs = flag('includeSelectors') ? commonLabelSpecs : flag('includeTemplates') ? [...templateLabelSpecs, ...metadataLabelSpecs] : metadataLabelSpecs;
        const fields = entry.items.get('fields');
        const extra: FieldSpec[] = fields?.kind === 'seq' ? fields.items.filter((f): f is RMap => f.kind === 'map' && !!str(f, ['path'])).map((f) => ({ group: str(f, ['group']), version: str(f, ['version']), kind: str(f, ['kind']), path: splitPath(str(f, ['path'])!), create: isTrue(get(f, ['create'])) })) : [];
        this.writePairs(ra, pairs, [...specs, ...extra], pairs.at);
      }
    }
    const common = k.root.items.get('commonLabels');
    if (common?.kind === 'map' && common.items.size > 0) this.writePairs(ra, common, commonLabelSpecs, common.at);
  }

  private annotations(k: Kust, ra: Res[]): void {
    const common = k.root.items.get('commonAnnotations');
    if (common?.kind === 'map' && common.items.size > 0) this.writePairs(ra, common, annotationSpecs, common.at);
  }

  private replicas(k: Kust, ra: Res[]): void {
    const list = k.root.items.get('replicas');
    if (list?.kind !== 'seq') return;
    for (const entry of list.items) {
      const name = str(entry, ['name']);
      const count = get(entry, ['count']);
      if (entry.kind !== 'map' || !name || count?.kind !== 'scalar') continue;
      let hit = false;
      for (const r of ra) {
        if (!anyId(r, (id) => id.name === name)) continue;
        const gvk = gvkOf(str(r.tree, ['apiVersion']), str(r.tree, ['kind']));
        for (const spec of replicaSpecs) {
          if (!specMatches(spec, gvk)) continue;
          visitField(r.tree, spec.path, true, entry.at, (_, key, own) => {
            setValue(own(), key, clone(count));
            hit = true;
          });
        }
      }
      if (!hit) this.problems.add('EL004', 'warning', get(entry, ['name'])!.at, `replicas: no Deployment, ReplicaSet, ReplicationController or StatefulSet is named ${name}; the count changes nothing.`);
    }
  }

  /**
   * Each `images` entry, as Kustomize applies it: once through its field specs (the containers of pods and
   * pod templates), then once more over every `containers`/`initContainers` list anywhere. A `tagSuffix` is
   * so appended twice to the containers of pods and pod templates, as `kubectl kustomize` does.
   */
  private images(k: Kust, ra: Res[]): void {
    const list = k.root.items.get('images');
    if (list?.kind !== 'seq') return;
    const retagAll = (containers: RNode | undefined, e: RMap) => {
      if (containers?.kind !== 'seq') return;
      for (const c of containers.items) {
        const image = get(c, ['image']);
        if (image?.kind !== 'scalar' || typeof image.value !== 'string') continue;
        const next = retag(image.value, e);
        if (next === undefined) continue;
        image.value = next;
        image.at = e.at;
      }
    };
    const everywhere = (n: RNode, e: RMap): void => {
      if (n.kind === 'seq') for (const x of n.items) everywhere(x, e);
      if (n.kind !== 'map') return;
      for (const [key, v] of n.items) {
        if (key === 'containers' || key === 'initContainers') retagAll(v, e);
        everywhere(v, e);
      }
    };
    const entries = list.items.filter((e): e is RMap => e.kind === 'map' && !!str(e, ['name']));
    if (entries.length === 0) return;
    for (const r of ra) {
      // Images may sit anywhere in a resource: each gets a copy of its own to retag.
      r.tree = clone(r.tree);
      for (const e of entries) {
        for (const path of IMAGE_PATHS) retagAll(get(r.tree, path), e);
        everywhere(r.tree, e);
      }
    }
  }

  /** What is done once, at the root: name hashes of generated objects, then references renamed along. */
  private finish(ra: Res[]): void {
    for (const r of ra) {
      if (!r.hash) continue;
      if (get(r.tree, ['metadata', 'name'])?.kind !== 'scalar') continue;
      const hash = nameHash(toPlain(r.tree) as Record<string, unknown>);
      const name = ownPath(r.tree, ['metadata', 'name']) as RNode & { kind: 'scalar' };
      name.value = `${name.value}-${hash}`;
      changed(name, r.source);
      noteId(r);
    }
    nameReferences(ra.map((r) => ({ tree: r.tree, ids: r.ids, current: cur(r), clusterScoped: CLUSTER_SCOPED.has(str(r.tree, ['kind']) ?? '') })));
  }
}

/** Where the image transformer's field specs look for containers. */
const IMAGE_PATHS = [['spec', 'containers'], ['spec', 'initContainers'], ['spec', 'template', 'spec', 'containers'], ['spec', 'template', 'spec', 'initContainers']];

const isTrue = (n: RNode | undefined) => n?.kind === 'scalar' && n.value === true;

/** An image reference split as Kustomize splits it: name, then `:tag` and `@digest`. */
function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

/** The image with an `images` entry applied, or undefined when the entry names another image. */
function retag(image: string, e: RMap): string | undefined {
  const parts = splitImage(image);
  if (parts.name !== str(e, ['name'])) return undefined;
  const newName = str(e, ['newName']) ?? parts.name;
  const digest = str(e, ['digest']);
  const newTag = get(e, ['newTag']);
  const tagSuffix = str(e, ['tagSuffix']);
  if (digest) return `${newName}@${digest}`;
  let tag = newTag?.kind === 'scalar' && newTag.value !== null ? String(newTag.value) : parts.tag;
  if (tagSuffix) tag = (tag ?? '') + tagSuffix;
  if (newTag?.kind === 'scalar' && newTag.value !== null) return `${newName}:${tag}`;
  return `${newName}${tag !== undefined ? ':' + tag : ''}${parts.digest ? '@' + parts.digest : ''}`;
}

/** Kubernetes label selector syntax (`a=b,c!=d,e in (f,g),!h,i`) against a labels map. */
export function matchesSelector(selector: string, labels: RNode | undefined): boolean {
  const get1 = (k: string) => (labels?.kind === 'map' ? labels.items.get(k) : undefined);
  const val = (k: string) => {
    const v = get1(k);
    return v?.kind === 'scalar' && v.value !== null ? String(v.value) : undefined;
  };
  const terms = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return terms.every((raw) => {
    const t = raw.trim();
    if (t === '') return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (m) {
      const set = m[3].split(',').map((s) => s.trim());
      const v = val(m[1]);
      return m[2] === 'in' ? v !== undefined && set.includes(v) : v === undefined || !set.includes(v);
    }
    m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(t);
    if (m) return m[2] === '!=' ? val(m[1]) !== m[3] : val(m[1]) === m[3];
    if (t.startsWith('!')) return get1(t.slice(1).trim()) === undefined;
    return get1(t) !== undefined;
  });
}

