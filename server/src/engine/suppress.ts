import type { Model } from './model/model';
import type { Resource } from './model/resources';
import type { ParsedFile } from './parse/parse';
import type { Finding, Span } from './types';

/** One `# egress-lens-ignore EL101, EL104: reason` comment, or the `egress-lens.io/ignore` annotation. */
export interface Suppression {
  uri: string;
  /** The directive's text, for findings about the directive itself. */
  span: Span;
  ids: string[];
  reason?: string;
  /** The source range it covers (a resource, or a whole document). */
  covers: Span;
}

export const ANNOTATION = 'egress-lens.io/ignore';
const DIRECTIVE = /#\s*egress-lens-ignore\b(.*)$/;

/** `EL101, EL104: reason` into ids and reason. */
export function parseDirectiveBody(body: string): { ids: string[]; reason?: string; bad?: string } {
  const colon = body.indexOf(':');
  const idsText = colon >= 0 ? body.slice(0, colon) : body;
  const reason = colon >= 0 ? body.slice(colon + 1).trim() : undefined;
  const tokens = idsText.split(/[\s,]+/).filter(Boolean);
  const bad = tokens.find((t) => !/^EL\d{3}$/.test(t));
  return { ids: tokens.filter((t) => /^EL\d{3}$/.test(t)), reason: reason || undefined, bad };
}

/** The start of `offset`'s line; LF, CRLF and a lone CR end lines, as in the editor. */
function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && !(text[i - 1] === '\r' && text[i] !== '\n')) i--;
  return i;
}

/** Directive comments in the block of comment lines right above `offset`'s line. */
function directivesAbove(file: ParsedFile, offset: number, covers: Span): Suppression[] {
  const out: Suppression[] = [];
  const text = file.text;
  let end = lineStart(text, offset);
  while (end > 0) {
    const start = lineStart(text, end - 1);
    const line = text.slice(start, end).replace(/\r?\n$|\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '---' || trimmed === '') {
      if (trimmed === '---') break;
      end = start;
      continue;
    }
    if (!trimmed.startsWith('#')) break;
    const m = DIRECTIVE.exec(line);
    if (m) {
      const { ids, reason } = parseDirectiveBody(m[1]);
      const at = start + line.indexOf('#');
      out.push({ uri: file.uri, span: { start: at, end: start + line.length }, ids, reason, covers });
    }
    end = start;
  }
  return out;
}

function resourceRange(r: Resource): Span {
  const node = (r.path.length === 0 ? r.doc.doc.contents : r.doc.doc.getIn(r.path, true)) as { range?: [number, number, number] } | null;
  return node?.range ? { start: node.range[0], end: node.range[2] } : r.doc.span;
}

/** Per parsed file, its suppressions and the resources they were found with (an unchanged file keeps both). */
const perFile = new WeakMap<ParsedFile, { resources: readonly Resource[]; list: Suppression[] }>();

/** The suppressions of one file: comments above its documents and resources, and annotations. */
function fileSuppressions(f: ParsedFile, resources: readonly Resource[], annotationSpan: (r: Resource) => Span): Suppression[] {
  const out: Suppression[] = [];
  const seen = new Set<string>();
  const add = (s: Suppression) => {
    const key = `${s.span.start}:${s.covers.start}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(s);
    }
  };
  // A file Egress Lens wrote has no comments (and its documents' nodes are read only when asked for).
  const comments = !f.written;
  if (comments) {
    for (const d of f.documents) {
      const contentStart = (d.doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? d.span.end;
      for (const s of directivesAbove(f, contentStart, d.span)) add(s);
    }
  }
  for (const r of resources) {
    const a = r.annotations[ANNOTATION];
    if (!comments && a === undefined) continue;
    const covers = resourceRange(r);
    if (comments && r.path.length > 0) for (const s of directivesAbove(f, covers.start, covers)) add(s);
    if (a !== undefined) {
      const { ids, reason } = parseDirectiveBody(a);
      add({ uri: r.uri, span: annotationSpan(r), ids, reason, covers });
    }
  }
  return out;
}

/** Every suppression of the workspace: comments above resources and documents, and annotations. */
const NONE: readonly Resource[] = [];

export function collectSuppressions(files: readonly ParsedFile[], model: Model, annotationSpan: (r: Resource) => Span): Suppression[] {
  const out: Suppression[] = [];
  for (const f of files) {
    const resources = model.resourcesByFile.get(f.uri) ?? NONE;
    let hit = perFile.get(f);
    // A file's resources come from its documents: other resources (other settings) find again.
    if (!hit || hit.resources !== resources) perFile.set(f, (hit = { resources, list: fileSuppressions(f, resources, annotationSpan) }));
    for (const s of hit.list) out.push(s);
  }
  return out;
}

/** Whether a finding is covered by a suppression naming its rule. */
export function isSuppressed(f: Finding, suppressions: readonly Suppression[]): boolean {
  return suppressions.some((s) => s.uri === f.uri && s.ids.includes(f.ruleId) && f.span.start >= s.covers.start && f.span.start <= s.covers.end);
}
