/**
 * The views of a workspace, rendered: the engine says which views there are and analyses each render; this
 * reads what the renders need (kustomizations and their parts from the editor's buffers or the disk, Helm
 * charts through the user's helm) and keeps renders whose inputs did not change.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { analyzeView, declaredViews, detectViews, helmTracer, kustomizeTracer, layout, plainFiles, relativeTo, type RenderedText, type ViewAnalysis, type ViewInput, type ViewSpec } from '../engine/views';
import type { EngineConfig, Finding } from '../engine';
import type { ParsedFile } from '../engine/parse/parse';
import type { Analysis } from '../engine';
import { DiskReads, renderFromDisk, type DiskRender } from './kustomize';
import { renderChart, type HelmOptions, type HelmResult } from './helm';
import { pathToUri, uriToPath } from './files';

export interface ViewHostOptions {
  helm?: HelmOptions;
  /** Helm runs only in a trusted workspace. */
  trusted: boolean;
  /** Texts that override the disk (open editor buffers), by URI. */
  texts?: ReadonlyMap<string, string>;
}

/** Whether the files need views at all: a kustomization, a chart, or declared clusters. */
export function hasViews(uris: readonly string[], config: EngineConfig): boolean {
  return config.clusters !== undefined || uris.some((u) => /\/(kustomization\.ya?ml|Kustomization|Chart\.yaml)$/.test(u));
}

interface KustomizeRender {
  result: DiskRender;
  tracer: RenderedText;
}

interface HelmRender {
  key: string;
  result: HelmResult;
  rendered?: RenderedText;
  reads: Set<string>;
}

/** Renders kept between analyses: a render is done again only when a file it read changed. */
export class ViewRenders {
  private readonly kustomize = new Map<string, KustomizeRender>();
  private readonly helm = new Map<string, HelmRender>();
  private readonly parsedCache = new Map<string, ParsedFile>();
  /** The rendered texts parsed, by their URIs, kept while their text is the same. */
  private readonly renderedParsed = new Map<string, ParsedFile>();
  private readonly previous = new Map<string, Analysis>();
  private readonly views = new Map<string, ViewAnalysis>();
  /** How many renders the last `analyze` did (tests measure incremental work with it). */
  rendersDone = 0;

  /** The text a kept render read for a file (a finding's span is an offset in it), if any render read it. */
  textOf(uri: string): string | undefined {
    for (const r of this.kustomize.values()) {
      const t = r.result.texts.get(uri);
      if (t !== undefined) return t;
    }
    return undefined;
  }

  /** The parse the renders read a file from (the workspace's own, when `analyze` was given it). */
  parseOf(uri: string): ParsedFile | undefined {
    return this.parsedCache.get(uri);
  }

  /** Every text the kept renders read, by URI (the disk's, or the buffer given for it). */
  *texts(): Iterable<[string, string]> {
    for (const r of this.kustomize.values()) yield* r.result.texts;
  }

  /** Forget the renders that read a changed file (every render when undefined). */
  invalidate(changed?: Iterable<string>): void {
    if (changed === undefined) {
      this.kustomize.clear();
      this.helm.clear();
      this.views.clear();
      return;
    }
    for (const uri of changed) {
      for (const [k, r] of this.kustomize) if (r.result.read.includes(uri) || r.result.needs.includes(uri)) this.kustomize.delete(k);
      for (const [k, r] of this.helm) if (r.reads.has(uri)) this.helm.delete(k);
      for (const [k, v] of this.views) if (v.reads.has(uri)) this.views.delete(k);
    }
  }

  /** The disk as this pass over the views reads it (each file once, whichever renders need it). */
  private disk = new DiskReads();

  /** How many files the last pass read from disk (for tests: once each, however many renders read it). */
  get filesRead(): number {
    return this.disk.files.size;
  }

  private async renderKustomize(root: string, config: EngineConfig, opts: ViewHostOptions): Promise<KustomizeRender> {
    const hit = this.kustomize.get(root);
    if (hit) return hit;
    this.rendersDone++;
    const limits = { maxFileSize: config.maxFileSize, maxAliasCount: config.maxAliasCount };
    const result = await renderFromDisk(uriToPath(root) ?? root, { parsed: this.parsedCache, ...limits }, opts.texts, this.disk);
    const tracer: RenderedText = { home: { uri: result.root, span: { start: 0, end: 0 } }, tracer: kustomizeTracer(result.resources), resources: result.resources };
    const r = { result, tracer };
    this.kustomize.set(root, r);
    return r;
  }

  private async renderHelm(release: ViewSpec['helm'][number], rootUri: string | undefined, opts: ViewHostOptions): Promise<HelmRender> {
    const key = JSON.stringify(release);
    const hit = this.helm.get(key);
    if (hit) return hit;
    const chartDir = uriToPath(release.chart) ?? release.chart;
    const reads = new Set<string>(release.values);
    const templates = new Map<string, string>();
    await readTree(chartDir, async (file) => {
      const uri = pathToUri(file);
      reads.add(uri);
      if (/\/templates\//.test(file)) templates.set(uri, opts.texts?.get(uri) ?? (await fs.readFile(file, 'utf8').catch(() => '')));
    });
    let result: HelmResult;
    if (!opts.trusted) {
      result = { ok: false, problems: [{ ruleId: 'EL004', ruleName: 'file-not-analysed', severity: 'info', message: 'Helm chart not rendered: rendering runs helm, which Egress Lens does only in a trusted workspace. Trust the workspace to analyse this chart.', uri: pathToUri(path.join(chartDir, 'Chart.yaml')), span: { start: 0, end: 0 } }] };
    } else {
      this.rendersDone++;
      result = await renderChart(release, opts.helm);
    }
    let rendered: RenderedText | undefined;
    if (result.ok) {
      const values = release.values.length > 0 ? release.values.map((v) => relativeTo(rootUri, v)).join(', ') : 'values.yaml';
      const set = Object.entries(release.set).map(([k, v]) => `${k}=${v}`);
      rendered = {
        home: { uri: pathToUri(path.join(chartDir, 'Chart.yaml')), span: { start: 0, end: 0 } },
        tracer: helmTracer(result.output, release.chart, result.chartName, (u) => templates.get(u)),
        label: `helm release ${release.release}, values ${values}${set.length > 0 ? `, set ${set.join(', ')}` : ''}`,
      };
    }
    const r = { key, result, rendered, reads };
    this.helm.set(key, r);
    return r;
  }

  /**
   * Every view of the workspace analysed on its render. `parsed` gives the workspace's parsed files (plain
   * manifests are analysed as they are).
   */
  async analyze(files: readonly ParsedFile[], config: EngineConfig, opts: ViewHostOptions): Promise<ViewAnalysis[]> {
    this.rendersDone = 0;
    this.disk = new DiskReads();
    const uris = files.map((f) => f.uri);
    const byUri = new Map(files.map((f) => [f.uri, f]));
    // The renders read the workspace's files as the workspace parsed them (with the same limits): parsed once.
    for (const f of files) if (!f.notice && !f.written && this.parsedCache.get(f.uri) !== f) this.parsedCache.set(f.uri, f);
    const root = config.rootUri;
    let specs: ViewSpec[];
    if (config.clusters && root) {
      specs = declaredViews(config.clusters, root, uris);
    } else {
      const l = layout(uris, (u) => byUri.get(u)?.text);
      const read = new Set<string>();
      for (const k of l.kustomizeRoots) for (const u of (await this.renderKustomize(k, config, opts)).result.read) read.add(u);
      specs = detectViews(l, plainFiles(uris, l, read), root);
    }
    const out: ViewAnalysis[] = [];
    for (const spec of specs) {
      const key = JSON.stringify(spec);
      const kept = this.views.get(key);
      if (kept && kept.analysis.config === config) {
        out.push(kept);
        continue;
      }
      const rendered: RenderedText[] = [];
      const problems: Finding[] = [];
      const reads = new Set<string>(spec.files);
      for (const k of spec.kustomize) {
        const r = await this.renderKustomize(k, config, opts);
        rendered.push(r.tracer);
        problems.push(...r.result.findings);
        for (const u of r.result.read) reads.add(u);
      }
      for (const h of spec.helm) {
        const r = await this.renderHelm(h, root, opts);
        if (r.rendered) rendered.push(r.rendered);
        if (!r.result.ok) problems.push(...r.result.problems);
        for (const u of r.reads) reads.add(u);
      }
      const input: ViewInput = { spec, files: spec.files.map((u) => byUri.get(u)).filter((f): f is ParsedFile => f !== undefined), rendered, problems, reads };
      const v = analyzeView(input, config, this.previous.get(spec.name), this.renderedParsed);
      this.previous.set(spec.name, v.analysis);
      this.views.set(key, v);
      out.push(v);
    }
    return out;
  }
}

/** Every file below a folder (skipping VCS folders). */
async function readTree(dir: string, visit: (file: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules') await readTree(p, visit);
    } else if (e.isFile()) await visit(p);
  }
}
