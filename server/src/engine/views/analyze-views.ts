/**
 * A view analysed on its render: its plain files as they are, each rendered text (a Kustomize root, a Helm
 * release) under a URI of its own, and every finding on a rendered text traced to the file that wrote it.
 * Findings of several views are merged: a finding in a file that several views use is shown once when all
 * of them agree, and says in which views it holds when they differ.
 */
import { analyzeParsed, type Analysis } from '../analyze';
import type { EngineConfig } from '../config';
import { parseFile, type ParsedFile } from '../parse/parse';
import type { Finding, RelatedInfo, SourceFile, Span } from '../types';
import type { Tracer } from './trace';
import type { RenderedResource } from '../kustomize';
import type { ViewSpec } from './detect';

/** A rendered text of a view. */
export interface RenderedText {
  /** Where the findings that cannot be traced further go (the kustomization, Chart.yaml). */
  home: { uri: string; span: Span };
  tracer: Tracer;
  /** Said after the message of every finding traced through it (`helm release shop, values values-prod.yaml`). */
  label?: string;
  /** The rendered resources with the origin of every value (Kustomize): fixes are carried to their sources. */
  resources?: readonly RenderedResource[];
}

export interface ViewInput {
  spec: ViewSpec;
  /** The plain files of the view. */
  files: readonly ParsedFile[];
  rendered: readonly RenderedText[];
  /** Problems of the renders themselves (at their sources). */
  problems: readonly Finding[];
  /** Every source URI the view reads: an edit to one of them changes the view. */
  reads: ReadonlySet<string>;
}

export interface ViewAnalysis {
  name: string;
  spec: ViewSpec;
  /** The analysis of the view's render (rendered texts under their own URIs). */
  analysis: Analysis;
  /** Its findings, each at its source. */
  findings: Finding[];
  /** The problems of its renders (among its findings). */
  problems: readonly Finding[];
  reads: ReadonlySet<string>;
  /** The rendered text's URI for each rendered source, with its tracer. */
  renderedUris: ReadonlyMap<string, RenderedText>;
  /** A place in the view's analysis (a rendered text, or a plain file) where a person edits it. */
  trace(uri: string, span: Span): { uri: string; span: Span };
}

/** The URI a view's n-th rendered text is analysed under (never a file: nothing is written there). */
export function renderedUri(view: string, n: number): string {
  return `egress-lens-view:/${encodeURIComponent(view)}/${n}.yaml`;
}

export function isRenderedUri(uri: string): boolean {
  return uri.startsWith('egress-lens-view:');
}

/**
 * A rendered text parsed: the kept parse while the text is the same, else read again (without parsing when
 * Egress Lens wrote it, parsed from its text otherwise: Helm's output).
 */
function parseRendered(uri: string, r: RenderedText, config: EngineConfig, kept: Map<string, ParsedFile>): ParsedFile {
  const text = r.tracer.text;
  const prev = kept.get(uri);
  if (prev && prev.text === text) return prev;
  const f = r.tracer.parsed ? r.tracer.parsed(uri, prev) : parseFile({ uri, text } satisfies SourceFile, { ...config, maxFileSize: Math.max(config.maxFileSize, text.length) }, prev);
  kept.set(uri, f);
  return f;
}

/**
 * Analyse one view: its render, with every finding at its source. `rendered` keeps the parsed rendered
 * texts between analyses (owned by the caller).
 */
export function analyzeView(input: ViewInput, config: EngineConfig, previous?: Analysis, rendered = new Map<string, ParsedFile>()): ViewAnalysis {
  const renderedUris = new Map<string, RenderedText>();
  const files: ParsedFile[] = [...input.files];
  input.rendered.forEach((r, n) => {
    const uri = renderedUri(input.spec.name, n);
    renderedUris.set(uri, r);
    files.push(parseRendered(uri, r, config, rendered));
  });
  const analysis = analyzeParsed(files, config, previous);
  const byUri = new Map(analysis.files.map((f) => [f.uri, f]));
  const place = (uri: string, span: Span): { uri: string; span: Span; via?: RenderedText } => {
    const r = renderedUris.get(uri);
    if (!r) return { uri, span };
    const file = byUri.get(uri);
    const hit = file ? r.tracer.trace(span, file) : undefined;
    return hit ? { uri: hit.uri, span: hit.span, via: r } : { ...r.home, via: r };
  };
  const findings: Finding[] = [...input.problems];
  for (const f of analysis.findings) {
    const at = place(f.uri, f.span);
    if (!at.via) {
      findings.push(f);
      continue;
    }
    const related: RelatedInfo[] | undefined = f.related?.map((x) => ({ ...x, ...strip(place(x.uri, x.span)) }));
    findings.push({
      ...f,
      message: at.via.label ? `${f.message} (${at.via.label})` : f.message,
      uri: at.uri,
      span: at.span,
      ...(related ? { related } : {}),
      data: { ...(f.data ?? {}), rendered: { uri: f.uri, span: f.span } },
    });
  }
  return { name: input.spec.name, spec: input.spec, analysis, findings, problems: input.problems, reads: input.reads, renderedUris, trace: (uri, span) => strip(place(uri, span)) };
}

const strip = (p: { uri: string; span: Span }) => ({ uri: p.uri, span: p.span });

const keyOf = (f: Finding) => `${f.ruleId}\u0000${f.uri}\u0000${f.span.start}\u0000${f.span.end}\u0000${f.message}`;

/**
 * The findings of every view, each once: where all the views that use its file agree, as it is; where they
 * differ, saying in which views it holds. `data.views` lists them in both cases.
 */
export function mergeViewFindings(views: readonly ViewAnalysis[]): Finding[] {
  if (views.length === 1) return views[0].findings;
  const found = new Map<string, { finding: Finding; views: string[] }>();
  for (const v of views) {
    for (const f of v.findings) {
      const k = keyOf(f);
      const hit = found.get(k);
      if (!hit) found.set(k, { finding: f, views: [v.name] });
      else if (!hit.views.includes(v.name)) hit.views.push(v.name);
    }
  }
  const out: Finding[] = [];
  for (const { finding, views: where } of found.values()) {
    const using = views.filter((v) => v.reads.has(finding.uri)).map((v) => v.name);
    const missing = using.filter((n) => !where.includes(n));
    const data = { ...(finding.data ?? {}), views: where };
    if (missing.length === 0) out.push({ ...finding, data });
    else out.push({ ...finding, message: `${finding.message} [in ${viewList(where)}; not in ${viewList(missing)}]`, data });
  }
  return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.span.start - b.span.start || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)));
}

function viewList(names: readonly string[]): string {
  const shown = names.slice(0, 4).join(', ');
  return `${names.length === 1 ? 'view' : 'views'} ${shown}${names.length > 4 ? ` and ${names.length - 4} more` : ''}`;
}
