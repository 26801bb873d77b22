/**
 * Where a position of a document is, in the words of the YAML it holds: the resource, the path of keys
 * and indices inside it, and whether the position is on a key, on a value, or on a blank spot where a new
 * key of a map would go. Tolerates the half-typed YAML of an editor (a key without its colon, a key
 * without a value, a blank line).
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ParsedDocument, ParsedFile } from '../parse/parse';
import type { YamlPath } from '../parse/locate';
import type { Resource } from '../model/resources';
import type { Span } from '../types';

export type CursorRole =
  /** On a map key: the last path segment is that key. */
  | 'key'
  /** On a scalar value (or an empty value after `key:`): the path leads to it. */
  | 'value'
  /** Where a new key of the map at the path would go (a blank line, or a word without its colon). */
  | 'newKey';

export interface Cursor {
  resource: Resource;
  /** Path inside the resource (the resource's own path within a List is not part of it). */
  path: YamlPath;
  role: CursorRole;
  /** The text under the cursor that a completion replaces (empty span at the cursor when there is none). */
  word: { text: string; span: Span };
}

interface Hit {
  path: (string | number)[];
  role: CursorRole;
  node?: Node;
}

const inside = (n: Node | null | undefined, offset: number): boolean => !!n?.range && offset >= n.range[0] && offset <= n.range[1];

function keyText(k: unknown): string | undefined {
  return isScalar(k) ? String(k.value) : undefined;
}

/** The deepest key, value or item of a document's tree at an offset (end of a token included). */
function walk(node: Node | null | undefined, offset: number, path: (string | number)[]): Hit | undefined {
  if (!node) return undefined;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const k = keyText(key);
      if (k === undefined) continue;
      if (inside(key, offset)) return { path: [...path, k], role: 'key', node: key ?? undefined };
      const value = pair.value as Node | null;
      if (inside(value, offset)) {
        const deeper = walk(value, offset, [...path, k]);
        if (deeper) return deeper;
      }
    }
    return undefined;
  }
  if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const item = node.items[i] as Node | null;
      if (inside(item, offset)) {
        const deeper = walk(item, offset, [...path, i]);
        if (deeper) return deeper;
      }
    }
    return undefined;
  }
  if (isScalar(node)) return { path, role: 'value', node };
  return undefined;
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** Indentation of a line's content, counting `- ` markers as indentation (`  - port: 53` has its key at 4). */
function contentColumn(line: string): number {
  const m = /^([ -]*)/.exec(line)!;
  let col = m[1].length;
  // A trailing dash without its space is part of the content (`-1`), not a marker.
  while (col > 0 && line[col - 1] === '-') col--;
  return col;
}

/**
 * On a blank spot (only spaces before the cursor on its line): the map that a key typed here would join,
 * found by indentation as a person reads it: the nearest line above whose content starts at the cursor's
 * column is a sibling key; a shallower line ending with `key:` is the parent.
 */
function blankSpot(doc: ParsedDocument, text: string, offset: number): Hit | undefined {
  const start = lineStart(text, offset);
  if (!/^[ ]*$/.test(text.slice(start, offset))) return undefined;
  const col = offset - start;
  let end = start - 1;
  while (end > doc.span.start) {
    const ls = lineStart(text, end);
    const line = text.slice(ls, end).replace(/\r$/, '');
    end = ls - 1;
    if (/^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)/.test(line)) continue;
    const c = contentColumn(line);
    if (c > col) continue;
    const at = walk(doc.doc.contents as Node, ls + c, []);
    if (!at || at.role !== 'key') return undefined;
    if (c === col) return { path: at.path.slice(0, -1), role: 'newKey' };
    return /:\s*(#.*)?$/.test(line) ? { path: at.path, role: 'newKey' } : undefined;
  }
  return undefined;
}

/** The resource of a document that holds an offset (a List's item, or the document's object). */
function resourceAt(resources: readonly Resource[], doc: ParsedDocument, path: YamlPath): Resource | undefined {
  let best: Resource | undefined;
  for (const r of resources) {
    if (r.doc !== doc) continue;
    if (r.path.length > path.length || !r.path.every((seg, i) => path[i] === seg)) continue;
    if (!best || r.path.length > best.path.length) best = r;
  }
  return best;
}

/** What is at an offset of a parsed file, or undefined outside every resource. */
export function cursorAt(file: ParsedFile, resources: readonly Resource[], offset: number): Cursor | undefined {
  // Trailing blank lines lie after the last document's range: they belong to it.
  const doc = file.documents.find((d) => offset >= d.span.start && offset <= d.span.end) ?? file.documents.filter((d) => d.span.start <= offset).pop();
  if (!doc) return undefined;
  let hit = walk(doc.doc.contents as Node, offset, []) ?? blankSpot(doc, file.text, offset);
  if (!hit) return undefined;
  // `matchLabels:` followed by a word on the next line parses as a multi-line scalar: a key being typed.
  if (hit.role === 'value' && hit.node?.range && isScalar(hit.node) && typeof hit.node.value === 'string' && typeof hit.path[hit.path.length - 1] === 'string') {
    const first = /^[ ]*$/.test(file.text.slice(lineStart(file.text, hit.node.range[0]), hit.node.range[0]));
    if (first && !/[:\n]/.test(file.text.slice(hit.node.range[0], hit.node.range[1]))) hit = { ...hit, role: 'newKey' };
  }
  const r = resourceAt(resources, doc, hit.path);
  if (!r) return undefined;
  const node = hit.node;
  let word: Cursor['word'];
  if (node?.range && isScalar(node) && node.value !== null && node.range[1] > node.range[0]) {
    word = { text: file.text.slice(node.range[0], node.range[1]), span: { start: node.range[0], end: node.range[1] } };
  } else word = { text: '', span: { start: offset, end: offset } };
  return { resource: r, path: hit.path.slice(r.path.length), role: hit.role, word };
}

/** Whether a path starts with a prefix. */
export function startsWith(path: YamlPath, prefix: YamlPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}
