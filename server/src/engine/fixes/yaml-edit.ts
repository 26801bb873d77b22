import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ParsedFile } from '../parse/parse';
import type { TextEdit } from '../types';
import { detectStyle } from './style';

function lineStartAt(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

function lineEndAt(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  return i;
}

/** The end of the last line with content at or before `offset` (a block node's range runs on past its newline). */
function contentLineEnd(text: string, offset: number): number {
  let i = Math.min(offset, text.length);
  while (i > 0 && /\s/.test(text[i - 1])) i--;
  return lineEndAt(text, i);
}

/** A value as block YAML lines (no trailing newline), in the file's indentation style. */
function blockLines(file: ParsedFile, value: unknown): string[] {
  const style = detectStyle(file.text);
  return new Document(value).toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0 }).replace(/\n$/, '').split('\n');
}

/** A value as one line of flow YAML: `{to: [...], ports: [...]}`. */
function flowText(value: unknown): string {
  return new Document(value).toString({ collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim();
}

/**
 * Append an item (scalar or map) to an existing sequence, in its own style: a flow list gets `, item`, a
 * block list a new `- item` under its last item (after any comment on that line).
 */
export function appendItem(file: ParsedFile, seq: Node, value: unknown): TextEdit | undefined {
  if (!isSeq(seq) || !seq.range) return undefined;
  const text = file.text;
  const eol = detectStyle(text).eol;
  const items = seq.items as Node[];
  const last = items[items.length - 1];
  // A string follows the quoting of the item before it.
  const quote = typeof value === 'string' && last && isScalar(last) ? (last.type === 'QUOTE_DOUBLE' ? '"' : last.type === 'QUOTE_SINGLE' ? "'" : '') : '';
  const item = (text: string) => (quote ? `${quote}${value}${quote}` : text);
  if (seq.flow) {
    if (!last?.range) {
      const open = text.indexOf('[', seq.range[0]);
      return { uri: file.uri, start: open + 1, end: open + 1, newText: item(flowText(value)) };
    }
    return { uri: file.uri, start: last.range[1], end: last.range[1], newText: `, ${item(flowText(value))}` };
  }
  if (!last?.range) return undefined;
  const prefix = text.slice(lineStartAt(text, last.range[0]), last.range[0]);
  // `  - ` for the first line; the same width of spaces for the lines under it.
  const dash = /^(\s*)-\s+/.exec(prefix)?.[0] ?? prefix;
  const pad = ' '.repeat(dash.length);
  const lines = quote ? [item('')] : blockLines(file, value);
  const body = lines.map((l, i) => (i === 0 ? dash.replace(/[^\s-]/g, ' ') + l : pad + l)).join(eol);
  const at = contentLineEnd(text, last.range[1]);
  return { uri: file.uri, start: at, end: at, newText: eol + body };
}

/** Replace a value node (e.g. `egress: []` or `egress:` with nothing) by a block sequence of one item. */
export function replaceWithList(file: ParsedFile, keyNode: Node, valueNode: Node | null | undefined, item: unknown): TextEdit | undefined {
  if (!keyNode.range) return undefined;
  const text = file.text;
  const eol = detectStyle(text).eol;
  const style = detectStyle(text);
  const keyCol = keyNode.range[0] - lineStartAt(text, keyNode.range[0]);
  const indent = ' '.repeat(keyCol + (style.indentSeq ? style.indent : 0));
  const lines = blockLines(file, [item]).map((l) => indent + l);
  const start = keyNode.range[1];
  const end = valueNode?.range ? valueNode.range[1] : start;
  // From right after the key: `:` then the new block.
  const colon = text.indexOf(':', start);
  return { uri: file.uri, start: colon + 1, end: Math.max(end, colon + 1), newText: eol + lines.join(eol) };
}

/** Add `key: value` as the last entry of a block map. */
export function addKey(file: ParsedFile, map: Node, key: string, value: unknown): TextEdit | undefined {
  if (!isMap(map) || !map.range) return undefined;
  const text = file.text;
  const eol = detectStyle(text).eol;
  if (map.flow) {
    const close = text.lastIndexOf('}', map.range[1]);
    const sep = map.items.length > 0 ? ', ' : '';
    return { uri: file.uri, start: close, end: close, newText: `${sep}${key}: ${flowText(value)}` };
  }
  const first = map.items[0]?.key as Node | undefined;
  const lastPair = map.items[map.items.length - 1];
  const lastNode = (lastPair?.value ?? lastPair?.key) as Node | undefined;
  if (!first?.range || !lastNode?.range) return undefined;
  const indent = ' '.repeat(first.range[0] - lineStartAt(text, first.range[0]));
  const lines = blockLines(file, { [key]: value }).map((l) => indent + l);
  const at = contentLineEnd(text, lastNode.range[1]);
  return { uri: file.uri, start: at, end: at, newText: eol + lines.join(eol) };
}

/** Replace a plain or quoted scalar at `span` with `value`, keeping its quotes (the value needs no escaping). */
export function replaceScalar(file: Pick<ParsedFile, 'uri' | 'text'>, span: { start: number; end: number }, value: string): TextEdit {
  const raw = file.text.slice(span.start, span.end);
  const q = raw.startsWith('"') ? '"' : raw.startsWith("'") ? "'" : '';
  return { uri: file.uri, start: span.start, end: span.end, newText: `${q}${value}${q}` };
}
