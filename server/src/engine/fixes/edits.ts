import { isSeq, isScalar, type Node } from 'yaml';
import type { ParsedDocument, ParsedFile } from '../parse/parse';
import type { TextEdit } from '../types';
import { detectStyle } from './style';

/** Insert a new YAML document right after `doc` (as `---` + text), leaving every other byte alone. */
export function insertDocumentAfter(file: ParsedFile, doc: ParsedDocument, yamlText: string): TextEdit {
  const { eol } = detectStyle(file.text);
  const at = doc.span.end;
  const before = file.text.slice(0, at);
  const needsBreak = before.length > 0 && !before.endsWith('\n');
  const body = yamlText.endsWith(eol) ? yamlText : yamlText + eol;
  return { uri: file.uri, start: at, end: at, newText: `${needsBreak ? eol : ''}---${eol}${body}` };
}

function lineEndAt(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

function lineStartAt(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/**
 * Append a scalar to an existing sequence node, in its own style:
 * `[a]` becomes `[a, b]`; a block list gets a new `- b` line under the last item.
 */
export function appendToSequence(file: ParsedFile, seq: Node, value: string): TextEdit | undefined {
  if (!isSeq(seq) || !seq.range) return undefined;
  const text = file.text;
  const items = seq.items as Node[];
  const last = items[items.length - 1];
  const quote = last && isScalar(last) && (last.type === 'QUOTE_DOUBLE' ? '"' : last.type === 'QUOTE_SINGLE' ? "'" : '');
  const item = `${quote || ''}${value}${quote || ''}`;
  if (seq.flow) {
    if (!last || !last.range) {
      const open = text.indexOf('[', seq.range[0]);
      return { uri: file.uri, start: open + 1, end: open + 1, newText: item };
    }
    return { uri: file.uri, start: last.range[1], end: last.range[1], newText: `, ${item}` };
  }
  if (!last || !last.range) return undefined;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const prefix = text.slice(lineStartAt(text, last.range[0]), last.range[0]);
  const at = lineEndAt(text, last.range[1]);
  return { uri: file.uri, start: at, end: at, newText: `${eol}${prefix.replace(/[^\s-]/g, ' ')}${item}` };
}

/** Apply edits (of one file) to its text; edits must not overlap. */
export function applyEdits(text: string, edits: readonly Pick<TextEdit, 'start' | 'end' | 'newText'>[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
