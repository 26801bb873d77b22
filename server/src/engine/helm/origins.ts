/**
 * Where the output of `helm template` comes from. Helm names each rendered document's template in a
 * `# Source: CHART/templates/FILE` comment; which template line wrote a rendered line is found by aligning
 * the rendered lines with the template's lines: a literal template line (text around its `{{ … }}`
 * actions) matches the rendered lines it can produce, action-only lines (`{{- toYaml . | nindent 4 }}`,
 * `{{ include … }}`) may produce any number of lines, control lines (`{{- if … }}`, `{{- end }}`) none.
 * Pure: text in, line numbers out.
 */

import { TextMemo } from '../memo';
import { LineIndex } from '../text/lines';

/** One document of helm's output stream. */
export interface RenderedDocument {
  /** The template path as helm prints it after `# Source: ` (`shop/templates/api.yaml`), or '' when absent. */
  source: string;
  /** The document's text (without the `---` line). */
  text: string;
  /** Offset of `text` in the whole output. */
  offset: number;
}

/** How a rendered line came to be. */
export type LineOrigin =
  /** Written by a template line whose text around its actions matches: the line's keys are literal there. */
  | { kind: 'literal'; line: number }
  /** Produced by an action line (toYaml, include, tpl…): its keys are not in the template's text. */
  | { kind: 'action'; line: number }
  /** Not found in the template. */
  | { kind: 'unknown' };

/** Split `helm template` output into documents, each with the template it came from. */
export function splitRendered(output: string): RenderedDocument[] {
  const docs: RenderedDocument[] = [];
  const marker = /^---[ \t]*(?:#.*)?$/gm;
  let start = 0;
  const push = (from: number, to: number) => {
    const text = output.slice(from, to);
    if (text.trim() === '') return;
    const m = /^# Source: (.+?)[ \t]*$/m.exec(text);
    docs.push({ source: m ? m[1] : '', text, offset: from });
  };
  for (let m = marker.exec(output); m; m = marker.exec(output)) {
    push(start, m.index);
    start = m.index + m[0].length + (output[m.index + m[0].length] === '\r' ? 1 : 0) + (output[m.index + m[0].length] === '\n' || output[m.index + m[0].length + 1] === '\n' ? 1 : 0);
  }
  push(start, output.length);
  return docs;
}

/** The file a `# Source:` path names, relative to the chart folder (`templates/api.yaml`), for the chart itself or a subchart. */
export function templatePath(source: string, chartName: string): string | undefined {
  const parts = source.split('/');
  if (parts[0] !== chartName || parts.length < 3) return undefined;
  // Subcharts print CHART/charts/SUB/templates/FILE: the path below the top chart folder.
  return parts.slice(1).join('/');
}

type TemplateLine =
  | { kind: 'control' }
  | { kind: 'action' }
  | { kind: 'literal'; pattern: RegExp; indent: number; weight: number }
  | { kind: 'blank' };

const ACTION = /\{\{-?[\s\S]*?-?\}\}/g;
/** Actions that write nothing: control flow, comments, variable assignments. */
const CONTROL = /^\{\{-?\s*(?:(?:if|else|end|range|with|define|block|break|continue)\b|\/\*|\$\w*\s*(?:,\s*\$\w+\s*)?:?=)/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function classify(line: string): TemplateLine {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'blank' };
  const withoutActions = line.replace(ACTION, '');
  if (withoutActions.trim() === '') {
    // Only actions on the line: control flow writes nothing; anything else (toYaml, include, a value) may write lines.
    const actions = line.match(ACTION) ?? [];
    const writes = actions.some((a) => !CONTROL.test(a));
    return writes ? { kind: 'action' } : { kind: 'control' };
  }
  const parts = line.split(ACTION);
  // How much a match says: a line without actions matches only itself; `{{ .k }}: {{ .v }}` matches any pair.
  const letters = parts.join('').replace(/[^A-Za-z0-9]/g, '').length;
  const weight = parts.length === 1 ? 3 : letters >= 2 ? 2 : 1;
  // A leading `{{-` trims the whitespace before it, so compare without the line's leading and trailing spaces.
  const body = parts.map((p) => escapeRegExp(p)).join('.*?');
  const indent = line.length - line.trimStart().length;
  // Helm keeps a literal line's indentation, unless the line starts with `{{-`, which trims what precedes it.
  const lead = /^\s*\{\{-/.test(line) ? '\\s*' : `[ \\t]{${indent}}(?=\\S)`;
  return { kind: 'literal', pattern: new RegExp(`^${lead}${body.trim()}\\s*$`), indent, weight };
}

const lines = new TextMemo<TemplateLine[]>('Helm template lines, classified', 256);

function templateLines(template: string): TemplateLine[] {
  return lines.get(template, () => template.split(/\r?\n|\r/).map(classify));
}

/**
 * For each line of a rendered document, the template line that wrote it. An alignment in order (the
 * template is read top to bottom) that matches as many rendered lines to literal template lines as it can;
 * rendered lines between two matches are given to the action line between them, if any. Lines of a
 * `range` loop's second and later turns, which an in-order alignment cannot reach again, are matched to the
 * nearest earlier literal line of the same text.
 */
export function alignRendered(template: string, rendered: string): LineOrigin[] {
  const t = templateLines(template);
  const r = rendered.split(/\r?\n|\r/);
  const n = r.length;
  const m = t.length;
  const matches = (i: number, j: number): boolean => {
    const tl = t[j];
    return tl.kind === 'literal' && r[i].trim() !== '' && tl.pattern.test(r[i]);
  };
  // score[i][j]: the most matches aligning rendered lines i.. with template lines j.. (in order).
  const width = m + 1;
  const score = new Int32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      let best = Math.max(score[(i + 1) * width + j], score[i * width + j + 1]);
      if (matches(i, j)) {
        const w = (t[j] as { weight: number }).weight;
        best = Math.max(best, w + score[(i + 1) * width + j + 1]);
      }
      score[i * width + j] = best;
    }
  }
  const out: LineOrigin[] = new Array(n).fill(undefined).map(() => ({ kind: 'unknown' }) as LineOrigin);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const here = score[i * width + j];
    if (matches(i, j)) {
      const w = (t[j] as { weight: number }).weight;
      if (here === w + score[(i + 1) * width + j + 1]) {
        out[i] = { kind: 'literal', line: j };
        i++;
        j++;
        continue;
      }
    }
    if (here === score[(i + 1) * width + j]) {
      i++;
    } else {
      j++;
    }
  }
  // Unmatched rendered lines: the action line that produced them (the last action line before the next
  // matched template line, after the previous one), or a repeated literal line of a loop.
  let prevT = -1;
  for (let k = 0; k < n; k++) {
    const o = out[k];
    if (o.kind === 'literal') {
      prevT = o.line;
      continue;
    }
    if (r[k].trim() === '') continue;
    let nextT = m;
    for (let q = k + 1; q < n; q++) {
      const oq = out[q];
      if (oq.kind === 'literal') {
        nextT = oq.line;
        break;
      }
    }
    let action = -1;
    for (let q = Math.min(nextT, m) - 1; q > prevT; q--) {
      if (t[q].kind === 'action') {
        action = q;
        break;
      }
    }
    if (action >= 0) {
      out[k] = { kind: 'action', line: action };
      continue;
    }
    // A loop's later turns: the literal line of the same text nearest to where the alignment is.
    let best = -1;
    for (let q = 0; q < m; q++) {
      if (matches(k, q) && (best < 0 || Math.abs(q - prevT) < Math.abs(best - prevT))) best = q;
    }
    if (best >= 0) out[k] = { kind: 'literal', line: best };
  }
  return out;
}

function lineEnd(text: string, start: number): number {
  let e = start;
  while (e < text.length && text[e] !== '\n' && text[e] !== '\r') e++;
  return e;
}

/** A rendered document of one template, aligned with it: spans of the rendered text to spans of the template. */
export class TemplateMap {
  private readonly origins: LineOrigin[];
  private readonly renderedLines: LineIndex;
  private readonly templateLines: LineIndex;

  constructor(
    readonly template: string,
    readonly rendered: string,
  ) {
    this.origins = alignRendered(template, rendered);
    this.renderedLines = new LineIndex(rendered);
    this.templateLines = new LineIndex(template);
  }

  /** How the rendered line at an offset came to be. */
  originAt(offset: number): LineOrigin {
    return this.origins[this.renderedLines.position(offset).line] ?? { kind: 'unknown' };
  }

  /**
   * The template span that wrote a rendered span: the same text on the template line when it is literal
   * there (a key, or a value written as is), the template line's text otherwise; undefined when an action
   * produced it (toYaml, include) or the line is not found.
   */
  templateSpan(span: { start: number; end: number }): { start: number; end: number; exact: boolean } | undefined {
    const o = this.originAt(span.start);
    if (o.kind !== 'literal') return undefined;
    const { line: rLine, character: column } = this.renderedLines.position(span.start);
    const rEnd = lineEnd(this.rendered, this.renderedLines.lineStart(rLine));
    const wanted = this.rendered.slice(span.start, Math.min(span.end, rEnd));
    const tStart = this.templateLines.lineStart(o.line);
    const tEnd = lineEnd(this.template, tStart);
    const tLine = this.template.slice(tStart, tEnd);
    if (wanted.trim() !== '') {
      // The same text outside the line's actions, at the column nearest the rendered one.
      const outside = tLine.replace(ACTION, (a) => '\u0000'.repeat(a.length));
      let best = -1;
      for (let at = outside.indexOf(wanted); at >= 0; at = outside.indexOf(wanted, at + 1)) {
        if (best < 0 || Math.abs(at - column) < Math.abs(best - column)) best = at;
      }
      if (best >= 0) return { start: tStart + best, end: tStart + best + wanted.length, exact: true };
    }
    const lead = tLine.length - tLine.trimStart().length;
    return { start: tStart + lead, end: tStart + tLine.trimEnd().length, exact: false };
  }
}
