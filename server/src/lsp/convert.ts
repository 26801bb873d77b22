import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver/node';
import { LineIndex, type Finding, type Severity, type Span } from '../engine';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toRange(lines: LineIndex, span: Span): Range {
  return { start: lines.position(span.start), end: lines.position(span.end) };
}

/** What a diagnostic carries back to us in code actions: enough to find its finding again. */
export interface DiagnosticData {
  ruleId: string;
  span: Span;
  data?: Record<string, unknown>;
}

export function toDiagnostic(f: Finding, lines: (uri: string) => LineIndex, docsBaseUrl: string): Diagnostic {
  const own = lines(f.uri);
  const data: DiagnosticData = { ruleId: f.ruleId, span: f.span, data: f.data };
  return {
    range: toRange(own, f.span),
    severity: SEVERITY[f.severity],
    code: f.ruleId,
    codeDescription: { href: `${docsBaseUrl}${f.ruleId}.md` },
    source: 'egress-lens',
    message: f.message,
    relatedInformation: f.related?.map((r) => ({ location: { uri: r.uri, range: toRange(lines(r.uri), r.span) }, message: r.message })),
    data,
  };
}
