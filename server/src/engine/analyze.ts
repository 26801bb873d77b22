import { readsAlike, resolveConfig, type EngineConfig } from './config';
import { markAnchoredEdits } from './fixes/anchored';
import { buildModel, type Model } from './model/model';
import { buildMesh, type Mesh } from './mesh/mesh';
import { asTemplate, parseFile, type ParsedFile } from './parse/parse';
import { ruleById, rules } from './rules';
import type { RawFinding, Rule, RuleContext } from './rules/rule';
import type { Finding, Fix, SourceFile, Span } from './types';
import type { Resource } from './model/resources';
import { Reachability } from './reach/reachability';
import type { WorkloadIndex } from './model/index';
import { compilePolicies } from './policy/compile';
import { ANNOTATION, collectSuppressions, isSuppressed, type Suppression } from './suppress';
import { spanAt } from './model/anchor';
import { isExcluded } from './exclude';
import { run, ScopedRun, type ScopedState } from './rules/scoped';

export interface Analysis {
  config: EngineConfig;
  files: ParsedFile[];
  model: Model;
  /** Istio and the Gateway API: routes, gateways, sidecars, and the gateway pods they imply. */
  mesh: Mesh;
  findings: Finding[];
  /** Who can reach whom, computed on first use. */
  readonly reach: Reachability;
}

/** The namespace-scoped rules' findings of each analysis, handed to the next (`rules/scoped.ts`). */
const scopedStates = new WeakMap<Analysis, ScopedState>();

/**
 * An analysis. Its reachability is computed on first use, from the previous analysis's when that one had
 * computed its own (then let go). The getter lives on the class, not on each object: an object with its own
 * accessor gets a hidden class of its own that holds the getter and, through it, the analysis, and the
 * engine keeps recently used hidden classes alive for a while.
 */
class AnalysisResult implements Analysis {
  // Private (not enumerable): an analysis reads as its data alone.
  #computed?: Reachability;
  #previous?: Reachability;

  constructor(
    readonly config: EngineConfig,
    readonly files: ParsedFile[],
    readonly model: Model,
    readonly mesh: Mesh,
    public findings: Finding[],
    previous?: Analysis,
  ) {
    this.#previous = previous instanceof AnalysisResult ? previous.#computed : undefined;
  }

  get reach(): Reachability {
    if (!this.#computed) {
      this.#computed = reachabilityOf(this, this.#previous);
      // Let go once used: an analysis must not keep the previous one's reachability alive.
      this.#previous = undefined;
    }
    return this.#computed;
  }
}

/** What the rules of an analysis read (the getters on the class, for the reason `AnalysisResult` gives). */
class Context implements RuleContext {
  readonly files: readonly ParsedFile[];
  readonly model: Model;
  readonly mesh: Mesh;
  readonly config: EngineConfig;

  constructor(
    private readonly analysis: Analysis,
    private readonly suppressionsOf: () => readonly Suppression[],
  ) {
    this.files = analysis.files;
    this.model = analysis.model;
    this.mesh = analysis.mesh;
    this.config = analysis.config;
  }

  get reach(): Reachability {
    return this.analysis.reach;
  }

  get suppressions(): readonly Suppression[] {
    return this.suppressionsOf();
  }
}

/** The reachability of a model and its mesh under a configuration; `previous` lends what did not change. */
export function reachabilityOf(a: Pick<Analysis, 'model' | 'mesh' | 'config'>, previous?: Reachability): Reachability {
  const compile = (index: WorkloadIndex) => compilePolicies(a.model, a.mesh, index, { clusterCidrs: a.config.clusterCidrs });
  return new Reachability(a.model, compile, previous, { dns: a.config.dns, assumed: { workloads: a.mesh.assumedWorkloads, namespaces: a.mesh.assumedNamespaces } });
}

function compareUris(a: { uri: string }, b: { uri: string }): number {
  return a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0;
}

function compareFindings(a: Finding, b: Finding): number {
  // Down to the message: the order never depends on the order the rules ran in (namespaces are visited in any order).
  return a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.span.start - b.span.start || a.span.end - b.span.end || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** Per file (its resources, the same array while the file is unchanged), the per-resource rules' findings. */
const perFileFindings = new WeakMap<readonly Resource[], { config: EngineConfig; found: [Rule, RawFinding[] | Error, Resource][] }>();

/** The per-resource findings of a file's resources: an unchanged file costs one lookup, not one per resource. */
function fileFindings(list: readonly Resource[], config: EngineConfig, perResource: readonly Rule[]): [Rule, RawFinding[] | Error, Resource][] {
  const hit = perFileFindings.get(list);
  if (hit && hit.config === config) return hit.found;
  const found: [Rule, RawFinding[] | Error, Resource][] = [];
  for (const r of list) for (const [rule, raw] of resourceFindings(r, config, perResource)) found.push([rule, raw, r]);
  perFileFindings.set(list, { config, found });
  return found;
}

/** Whether a file is left out by the `exclude` globs (relative to the root). */
export function excluded(uri: string, config: EngineConfig): boolean {
  if (config.exclude.length === 0) return false;
  const root = config.rootUri;
  const rel = root && uri.startsWith(root) ? decodeURIComponent(uri.slice(root.length)) : uri.replace(/^[a-z]+:\/\/\/?/, '');
  return isExcluded(rel, config.exclude);
}

/** Per resource object, the findings of the per-resource rules, for one configuration, and where its document was then. */
const perResourceFindings = new WeakMap<Resource, { config: EngineConfig; at: number; found: [Rule, RawFinding[] | Error][] }>();

const moved = (s: Span, delta: number): Span => ({ start: s.start + delta, end: s.end + delta });

/**
 * The per-resource rules' findings of a resource: computed once per resource object (an unchanged document
 * keeps its objects), moved along with the document when text before it grew or shrank.
 */
function resourceFindings(r: Resource, config: EngineConfig, perResource: readonly Rule[]): [Rule, RawFinding[] | Error][] {
  const hit = perResourceFindings.get(r);
  if (hit && hit.config === config) {
    const delta = r.doc.span.start - hit.at;
    if (delta !== 0) {
      hit.at += delta;
      hit.found = hit.found.map(([rule, raw]) => [rule, raw instanceof Error ? raw : raw.map((f) => ({ ...f, span: moved(f.span, delta), related: f.related?.map((x) => (x.uri === r.uri ? { ...x, span: moved(x.span, delta) } : x)) }))]);
    }
    return hit.found;
  }
  const found: [Rule, RawFinding[] | Error][] = [];
  const ctx = { config };
  for (const rule of perResource) {
    try {
      const raw = rule.checkResource!(r, ctx);
      if (raw.length > 0) found.push([rule, raw]);
    } catch (e) {
      found.push([rule, e instanceof Error ? e : new Error(String(e))]);
    }
  }
  perResourceFindings.set(r, { config, at: r.doc.span.start, found });
  return found;
}

/** The same template stand-in for the same parsed file, so that what is derived from it is kept. */
const templateOf = new WeakMap<ParsedFile, ParsedFile>();

/**
 * Files under a Helm chart's `templates/` folder (a folder beside a `Chart.yaml`) are templates, whatever
 * their text: Helm renders them, and their YAML means nothing before it does.
 */
function chartTemplatesAsTemplates(files: ParsedFile[]): ParsedFile[] {
  const charts = new Set<string>();
  for (const f of files) if (f.uri.endsWith('/Chart.yaml')) charts.add(f.uri.slice(0, -'/Chart.yaml'.length));
  if (charts.size === 0) return files;
  const inChart = (uri: string) => {
    for (let i = uri.indexOf('/templates/'); i >= 0; i = uri.indexOf('/templates/', i + 1)) if (charts.has(uri.slice(0, i))) return true;
    return false;
  };
  return files.map((f) => {
    if (f.notice?.code === 'template' || !inChart(f.uri)) return f;
    let t = templateOf.get(f);
    if (!t) templateOf.set(f, (t = asTemplate(f)));
    return t;
  });
}

export function analyzeParsed(allFiles: ParsedFile[], config: EngineConfig, previous?: Analysis): Analysis {
  // In URI order: the output depends on the files, never on the order they were opened or found in.
  const files = chartTemplatesAsTemplates((config.exclude.length > 0 ? allFiles.filter((f) => !excluded(f.uri, config)) : [...allFiles]).sort(compareUris));
  // The rules that run do not change what the model, the mesh and the reachability read.
  const reuse = previous && readsAlike(previous.config, config) ? previous : undefined;
  const model = buildModel(files, config, reuse?.model);
  const mesh = buildMesh(model.meshResources, model.workloads, model.namespaces, config, reuse?.mesh);
  const base = new AnalysisResult(config, files, model, mesh, [], reuse);
  let suppressions: Suppression[] | undefined;
  const getSuppressions = () => (suppressions ??= collectSuppressions(files, model, (r) => spanAt(r, ['metadata', 'annotations', ANNOTATION])));
  const ctx = new Context(base, getSuppressions);
  const findings: Finding[] = [];
  const emit = (rule: Rule, raw: readonly RawFinding[] | Error, at: { uri: string; span: Span }): void => {
    if (raw instanceof Error) {
      // A rule must never take the analysis down; its failure is reported where it can be seen.
      findings.push({ ruleId: rule.id, ruleName: rule.name, severity: 'error', message: `Internal error in rule ${rule.id}: ${raw.message}`, uri: at.uri, span: at.span });
      return;
    }
    const set = config.rules[rule.id];
    const setting = set === 'off' ? undefined : set;
    for (const f of raw) {
      if (!rule.unsuppressible && getSuppressions().length > 0 && isSuppressed({ ruleId: rule.id, uri: f.uri, span: f.span } as Finding, getSuppressions())) continue;
      findings.push({
        ruleId: rule.id,
        ruleName: rule.name,
        severity: setting ?? f.severity ?? rule.severity,
        message: f.message,
        uri: f.uri,
        span: f.span,
        related: f.related,
        data: f.data,
        fixable: rule.fixes !== undefined,
      });
    }
  };
  const perResource = rules.filter((rule) => rule.checkResource && config.rules[rule.id] !== 'off');
  for (const list of model.resourcesByFile.values()) {
    for (const [rule, raw, r] of fileFindings(list, config, perResource)) emit(rule, raw, { uri: r.uri, span: { start: r.doc.span.start, end: r.doc.span.start } });
  }
  const workspaceAt = { uri: files[0]?.uri ?? '', span: { start: 0, end: 0 } };
  const scoped = new ScopedRun(model, mesh, config, () => base.reach, reuse && scopedStates.get(reuse));
  for (const rule of rules) {
    if (!rule.checkNamespace || config.rules[rule.id] === 'off') continue;
    for (const ns of model.namespaced.values()) {
      const first = ns.resources[0];
      emit(rule, scoped.findings(rule, ns, ctx), first ? { uri: first.uri, span: { start: first.doc.span.start, end: first.doc.span.start } } : workspaceAt);
    }
  }
  for (const rule of rules) {
    if (!rule.check || config.rules[rule.id] === 'off') continue;
    // A rule that declares what it reads runs again only when that changed; the others read the whole workspace.
    emit(rule, rule.reads ? scoped.wholeFindings(rule, ctx) : run(() => rule.check!(ctx)), workspaceAt);
  }
  findings.sort(compareFindings);
  base.findings = findings;
  scopedStates.set(base, scoped.state);
  return base;
}

/** The whole pipeline on raw texts: parse, model, rules. Never throws on bad input. */
export function analyze(sources: readonly SourceFile[], partial?: Partial<EngineConfig>): Analysis {
  const config = resolveConfig(partial);
  const files = sources.map((s) => parseFile(s, config));
  return analyzeParsed(files, config);
}

/** Fixes for one finding of an analysis, matched by rule id (never by message). */
export function fixesFor(analysis: Analysis, finding: Pick<Finding, 'ruleId' | 'uri' | 'span' | 'data'> & Partial<Finding>): Fix[] {
  const rule = ruleById.get(finding.ruleId);
  const file = analysis.files.find((f) => f.uri === finding.uri);
  if (!rule?.fixes || !file) return [];
  const full: Finding = {
    ruleName: rule.name,
    severity: rule.severity,
    message: '',
    ...finding,
  };
  try {
    const fixes = rule.fixes({ files: analysis.files, model: analysis.model, mesh: analysis.mesh, config: analysis.config, reach: analysis.reach, suppressions: [], file, finding: full });
    return fixes.map((f) => markAnchoredEdits(f, analysis.files));
  } catch {
    return [];
  }
}

/** Keeps parsed files between analyses; re-parses only what changed. */
export class Workspace {
  private readonly files = new Map<string, ParsedFile>();
  private config: EngineConfig;

  constructor(partial?: Partial<EngineConfig>) {
    this.config = resolveConfig(partial);
  }

  setConfig(partial?: Partial<EngineConfig>): void {
    const before = this.config;
    this.config = resolveConfig(partial);
    // Only the parse limits change how text parses.
    if (before.maxFileSize !== this.config.maxFileSize || before.maxAliasCount !== this.config.maxAliasCount) {
      for (const [uri, f] of this.files) this.files.set(uri, parseFile({ uri, text: f.text, version: f.version, unreadable: f.unreadable, tooLarge: f.tooLarge }, this.config));
    }
  }

  get configuration(): EngineConfig {
    return this.config;
  }

  set(source: SourceFile): void {
    const prev = this.files.get(source.uri);
    if (prev && prev.text === source.text && prev.unreadable === source.unreadable && prev.tooLarge === source.tooLarge) {
      prev.version = source.version;
      return;
    }
    // The previous parse is handed over: unchanged documents are kept (moved in place), not parsed again.
    this.files.set(source.uri, parseFile(source, this.config, prev));
  }

  delete(uri: string): void {
    this.files.delete(uri);
  }

  has(uri: string): boolean {
    return this.files.has(uri);
  }

  get(uri: string): ParsedFile | undefined {
    return this.files.get(uri);
  }

  uris(): string[] {
    return [...this.files.keys()];
  }

  private last?: Analysis;

  /** Analyse the workspace, reusing what the previous analysis computed for unchanged documents. */
  analyze(): Analysis {
    this.last = analyzeParsed([...this.files.values()], this.config, this.last);
    return this.last;
  }
}
