import { isCollection, visit, type Alias, type Document } from 'yaml';
import { parsePieces } from './chunks';
import type { SourceFile, Span } from '../types';
import type { FileNotice, ParsedDocument, ParsedFile, ParseOptions, ParseProblem } from './document';
import { MAX_NESTING, nestingBeyond } from './depth';
import { aliasExpansion, ALIAS_EXPANSION_FLOOR } from './aliases';

export type { FileNotice, ParsedDocument, ParsedFile, ParseOptions, ParseProblem } from './document';

const TEMPLATE = /\{\{[-\s]*[\w.$/"('|]|\{\{-?\s*\}\}|\{\{-?\s*\/\*/;

/** True for files using Helm or Go template syntax, which are not YAML until rendered. */
export function isTemplated(text: string): boolean {
  return TEMPLATE.test(text);
}

function looksBinary(text: string): boolean {
  const sample = text.length > 8192 ? text.slice(0, 8192) : text;
  return sample.includes('\u0000');
}

/**
 * Text to documents with source ranges. Never throws: problems become data. A file whose `{{ }}` breaks its
 * YAML is a template (a notice, no documents). With the file's `previous`
 * parse (which it then owns), documents whose text did not change are kept, moved if need be.
 */
export function parseFile(file: SourceFile, options: ParseOptions, previous?: ParsedFile): ParsedFile {
  const base = { uri: file.uri, text: file.text, version: file.version };
  if (file.unreadable !== undefined) return { ...base, unreadable: file.unreadable, documents: [], notice: { code: 'unreadable', message: `File not analysed: ${file.unreadable}.` } };
  if (file.tooLarge !== undefined) {
    const message = `File not analysed: ${file.tooLarge} bytes is above the limit of ${options.maxFileSize} characters (setting maxFileSize); it was not read.`;
    return { ...base, tooLarge: file.tooLarge, documents: [], notice: { code: 'too-large', message } };
  }
  if (file.text.length > options.maxFileSize) {
    return {
      ...base,
      documents: [],
      notice: {
        code: 'too-large',
        message: `File not analysed: ${file.text.length} characters is above the limit of ${options.maxFileSize} (setting maxFileSize).`,
      },
    };
  }
  if (looksBinary(file.text)) {
    return { ...base, documents: [], notice: { code: 'binary', message: 'File not analysed: it contains NUL bytes and looks binary.' } };
  }
  const deep = nestingBeyond(file.text);
  if (deep >= 0) {
    return {
      ...base,
      documents: [],
      notice: { code: 'too-deep', at: deep, message: `File not analysed: it nests more than ${MAX_NESTING} levels deep here (no Kubernetes manifest does); the YAML parser could not read it reliably.` },
    };
  }
  // A lone CR ends a line in YAML 1.2 and in the editor, but not in the parser: read it as LF (same offsets).
  const source = file.text.includes('\r') ? file.text.replace(/\r(?!\n)/g, '\n') : file.text;
  let documents: ParsedDocument[];
  try {
    // Aliases are written with "*": a file without one has none to count.
    const mayAlias = file.text.includes('*');
    documents = parsePieces(source, file.text, previous, (doc, index) => toParsedDocument(doc, index, file.text, options, mayAlias));
  } catch (e) {
    return {
      ...base,
      documents: [],
      notice: { code: 'binary', message: `File not analysed: the YAML parser failed (${(e as Error).message}).` },
    };
  }
  // `{{ }}` makes a template only where it breaks the YAML: valid YAML whose strings hold braces is analysed.
  if (isTemplated(file.text) && documents.some(brokenByBraces)) return { ...base, documents: [], notice: TEMPLATE_NOTICE };
  return { ...base, documents };
}

const TEMPLATE_NOTICE: FileNotice = {
  code: 'template',
  message: 'File not analysed: it uses Helm or Go template syntax ({{ }}); render it first to check it.',
};

/** A file under a Helm chart's templates/ folder is a template, whatever its text. */
export function asTemplate(file: ParsedFile): ParsedFile {
  return { uri: file.uri, text: file.text, version: file.version, documents: [], notice: TEMPLATE_NOTICE };
}

/**
 * A document the braces broke: YAML errors, or a map key that is itself a map or a list (`name: {{ x }}`
 * reads as a map keyed by a map, which no Kubernetes object has and Kubernetes' own parser rejects).
 */
function brokenByBraces(d: ParsedDocument): boolean {
  if (d.errors.length > 0) return true;
  let broken = false;
  visit(d.doc, {
    Pair(_, pair) {
      if (isCollection(pair.key)) {
        broken = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return broken;
}

function toParsedDocument(doc: Document.Parsed, index: number, text: string, options: ParseOptions, mayAlias = true): ParsedDocument {
  // The parser gives up on very deep nesting with one or more stack errors: say so once, in words.
  const exhausted = doc.errors.find((e) => e.code === 'RESOURCE_EXHAUSTION');
  const rest = exhausted ? doc.errors.filter((e) => e.code !== 'RESOURCE_EXHAUSTION') : doc.errors;
  const errors: ParseProblem[] = rest.map((e) => {
    const opener = /end with a ([\]}])/.exec(e.message);
    const open = opener ? unclosedOpener(text, doc.range[0], e.pos[0], opener[1] === ']' ? '[' : '{') : -1;
    if (open >= 0) {
      const name = opener![1] === ']' ? 'Flow sequence' : 'Flow map';
      return {
        span: { start: open, end: open + 1 },
        message: `${name} opened here is never closed with "${opener![1]}" (or its items are not indented enough).`,
        code: e.code,
      };
    }
    return { span: errorSpan(text, e.pos[0], e.pos[1]), message: e.message, code: e.code };
  });
  if (exhausted) {
    errors.unshift({
      span: errorSpan(text, exhausted.pos[0], exhausted.pos[1]),
      message: 'The YAML nests too deeply to be read from here on (the parser ran out of stack); flatten it, or split the document.',
      code: 'RESOURCE_EXHAUSTION',
    });
  }
  const expansion = mayAlias ? aliasExpansion(doc) : undefined;
  if (expansion?.over) {
    const r = expansion.over.range;
    errors.push({
      span: r ? { start: r[0], end: r[1] } : { start: doc.range[0], end: doc.range[0] },
      message: `Too many alias expansions (more than ${Math.max(expansion.own, ALIAS_EXPANSION_FLOOR)} nodes added: this document of ${expansion.own} nodes would become ${expansion.expanded > 1e9 ? 'over a billion' : expansion.expanded}): it looks like an alias bomb and is not analysed.`,
      code: 'ALIAS_LIMIT',
    });
    return { index, span: { start: doc.range[0], end: doc.range[2] }, doc, value: undefined, errors };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: options.maxAliasCount });
  } catch (e) {
    value = undefined;
    errors.push(aliasProblem(doc, String((e as Error).message ?? e), options.maxAliasCount));
  }
  return { index, span: { start: doc.range[0], end: doc.range[2] }, doc, value, errors };
}

/** Explain why a document could not be built: an alias bomb, or an alias without its anchor. */
function aliasProblem(doc: Document.Parsed, message: string, maxAliasCount: number): ParseProblem {
  let bad: Alias | undefined;
  const unresolved = /Unresolved alias[^:]*:\s*(.+)$/.exec(message);
  visit(doc, {
    Alias(_, node) {
      if (!unresolved || node.source === unresolved[1].trim()) {
        bad = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const span = bad?.range ? { start: bad.range[0], end: bad.range[1] } : { start: doc.range[0], end: Math.min(doc.range[1], doc.range[0] + 1) };
  if (/Excessive alias count/i.test(message)) {
    return {
      span,
      message: `Too many alias expansions (more than ${maxAliasCount}): the document looks like an alias bomb and is not analysed.`,
      code: 'ALIAS_LIMIT',
    };
  }
  if (unresolved) {
    const name = unresolved[1].trim();
    return { span, message: `Alias *${name} has no anchor &${name} before it in this document (anchors do not cross "---").`, code: 'UNRESOLVED_ALIAS' };
  }
  if (/call stack/i.test(message)) {
    return { span, message: 'The YAML nests too deeply to be read (the parser ran out of stack); flatten it, or split the document.', code: 'RESOURCE_EXHAUSTION' };
  }
  return { span, message: `The document could not be read: ${message}`, code: 'UNREADABLE' };
}

/** The last bracket of the given kind opened between `from` and `to` and not closed before `to`. */
function unclosedOpener(text: string, from: number, to: number, open: '[' | '{'): number {
  const close = open === '[' ? ']' : '}';
  const stack: number[] = [];
  let quote = '';
  for (let i = from; i < to && i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = '';
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if ((c === '"' || c === "'") && stack.length > 0) quote = c;
    else if (c === open) stack.push(i);
    else if (c === close) stack.pop();
  }
  return stack.length > 0 ? stack[stack.length - 1] : -1;
}

/**
 * Widen a parser position to the token it points at, so the squiggle is visible: on a visible token,
 * never on indentation, past the end, or inside a line break.
 */
export function errorSpan(text: string, start: number, end: number): Span {
  let s = Math.max(0, Math.min(start, text.length));
  // Pointing at indentation: move to the token that starts after it on the same line.
  if (end - start <= 1) while (s < text.length && (text[s] === ' ' || text[s] === '\t')) s++;
  // At the very end of the text, point at the last visible character instead.
  if (s >= text.length && s > 0) {
    let i = text.length - 1;
    while (i > 0 && /\s/.test(text[i])) i--;
    return { start: i, end: i + 1 };
  }
  // Pointing at a line break: point at the last visible character before it instead.
  if (text[s] === '\r' || text[s] === '\n') {
    let i = s - 1;
    if (text[s] === '\n' && text[i] === '\r') i--;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
    return i >= 0 && text[i] !== '\n' && text[i] !== '\r' ? { start: i, end: i + 1 } : { start: s, end: s };
  }
  let e = Math.max(s, Math.min(end, text.length));
  if (e < s) e = s;
  if (e - s <= 1) {
    let i = s;
    while (i < text.length && /[^\s,:[\]{}#]/.test(text[i])) i++;
    if (i > e) e = i;
  }
  // Never end inside a line break (between CR and LF, or on it).
  while (e > s && (text[e - 1] === '\r' || text[e - 1] === '\n')) e--;
  return { start: s, end: e };
}
