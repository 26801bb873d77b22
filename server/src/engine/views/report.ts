/** What a report (text, JSON, SARIF) of one analysis or of cluster views reads: findings, texts and fixes. */
import { fixesFor, type Analysis } from '../analyze';
import type { Finding, Fix } from '../types';
import { mergeViewFindings, type ViewAnalysis } from './analyze-views';
import { tracedFixes } from './fixes';

/** Findings with their texts and fixes: what a report (text, JSON, SARIF) needs, for one analysis or for views. */
export interface Report {
  /** The texts of the files findings are in. */
  files: readonly { uri: string; text: string }[];
  findings: readonly Finding[];
  fixes(finding: Finding): Fix[];
}

export function reportOf(a: Analysis): Report {
  return { files: a.files, findings: a.findings, fixes: (f) => fixesFor(a, f) };
}

/**
 * The merged findings of views. A finding of a plain file is fixed in the view it came from; a finding
 * traced from a Kustomize render is fixed in the file that owns what the fix changes (not safe when other
 * views read that file too); one traced from a Helm render has no fix (templates are not edited).
 */
export function viewsReport(views: readonly ViewAnalysis[], texts: readonly { uri: string; text: string }[], sourceText: (uri: string) => string | undefined = () => undefined, all: readonly ViewAnalysis[] = views): Report {
  const byName = new Map(views.map((v) => [v.name, v]));
  return {
    files: texts,
    findings: mergeViewFindings(views),
    fixes(f) {
      const name = (f.data?.views as string[] | undefined)?.[0];
      const v = name !== undefined ? byName.get(name) : views[0];
      if (!v) return [];
      if (!f.data?.rendered) return fixesFor(v.analysis, f);
      const others = (uri: string) => all.filter((o) => o !== v && o.reads.has(uri)).map((o) => o.name);
      return tracedFixes(v, f, (u) => v.renderedUris.get(u)?.resources, sourceText, others);
    },
  };
}
