/**
 * What check, reach, explain and render analyse: the files as one cluster when the workspace has no
 * Kustomize root, chart or declared cluster; otherwise every view (or the one `--cluster NAME` names),
 * each on its render.
 */
import { promises as fs } from 'fs';
import { analyze, resolveConfig, type Analysis, type EngineConfig } from '../engine';
import { parseFile } from '../engine/parse/parse';
import { PLAIN_VIEW, reportOf, viewsReport, type Report, type ViewAnalysis } from '../engine/views';
import { suggestion } from '../engine/schema/validate';
import { hasViews, ViewRenders } from '../host/views';
import { uriToPath } from '../host/files';
import { load, UsageError, type Io } from './common';

/** A view's analysis, and where a place in it was written. */
export interface AnalysedView {
  name: string;
  analysis: Analysis;
  trace: (uri: string, span: { start: number; end: number }) => { uri: string; span: { start: number; end: number } };
}

export interface Analysed {
  /** The views analysed (one, named PLAIN_VIEW, when the workspace has none). */
  views: (AnalysedView & Partial<Pick<ViewAnalysis, 'problems'>>)[];
  report: Report;
  config: EngineConfig;
  /** The files form cluster views (renders), even when only one of them was asked for. */
  viewMode: boolean;
}

/** Load the files and settings of the command line and analyse them, per view. */
export async function analyzeViews(paths: string[], options: Map<string, string>, io: Io): Promise<Analysed> {
  const { sources, config: partial } = await load(paths, options, io);
  const config = resolveConfig(partial);
  const wanted = options.get('cluster');
  if (!hasViews(sources.map((s) => s.uri), config)) {
    if (wanted !== undefined && wanted !== PLAIN_VIEW) throw new UsageError(`--cluster "${wanted}": the files form one view, ${PLAIN_VIEW}`);
    const analysis = analyze(sources, config);
    return { views: [{ name: PLAIN_VIEW, analysis, trace: (uri, span) => ({ uri, span }) }], report: reportOf(analysis), config, viewMode: false };
  }
  const parsed = sources.map((s) => parseFile(s, config));
  const all = await new ViewRenders().analyze(parsed, config, { trusted: true, helm: config.helm });
  let views: ViewAnalysis[] = all;
  if (wanted !== undefined) {
    views = all.filter((v) => v.name === wanted);
    if (views.length === 0) {
      const names = all.map((v) => v.name);
      throw new UsageError(`--cluster "${wanted}": no such view.${suggestion(wanted, names).replace(' Known fields:', '') || ''} Views: ${names.join(', ')}`);
    }
  }
  const texts = new Map<string, string>();
  for (const s of sources) texts.set(s.uri, s.text);
  const report = viewsReport(views, [], (uri) => texts.get(uri), all);
  // Findings may be in files the renders read beyond the paths given (a base above an overlay).
  for (const f of report.findings) {
    for (const uri of [f.uri, ...(f.related ?? []).map((r) => r.uri)]) {
      if (texts.has(uri)) continue;
      const p = uriToPath(uri);
      texts.set(uri, p ? await fs.readFile(p, 'utf8').catch(() => '') : '');
    }
  }
  return { views, report: { ...report, files: [...texts].map(([uri, text]) => ({ uri, text })) }, config, viewMode: true };
}
