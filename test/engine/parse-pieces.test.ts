// Parsing document by document (and keeping unchanged documents across edits) must give exactly what the
// yaml package gives for the whole stream: the same documents, ranges of every node, comments, errors and
// values, on every YAML file of the fixtures, the examples and the corpus, and after random edits of them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import { resolveConfig } from '../../server/src/engine';
import { parseFile } from '../../server/src/engine/parse/parse';
import { PARSE_OPTIONS, pieceStarts } from '../../server/src/engine/parse/chunks';
import { corpusDir } from '../conformance/corpus';
import { int, rng } from '../support/random';

const root = path.join(__dirname, '../../..');
const config = resolveConfig({});

function yamlFiles(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(n)) out.push(p);
  }
  return out;
}

/** Everything of a parsed stream that the engine can observe, as text. */
function shape(docs: readonly Document[]): string {
  return JSON.stringify(
    docs.map((d) => {
      const nodes: unknown[] = [];
      visit(d, {
        Node(_, n) {
          nodes.push([n.range, n.comment, n.commentBefore, n.spaceBefore, isScalar(n) ? [n.type, n.source] : undefined]);
        },
      });
      let value: unknown;
      try {
        value = d.toJS({ maxAliasCount: 100 });
      } catch (e) {
        value = `throws ${(e as Error).message}`;
      }
      return { range: d.range, errors: d.errors.map((e) => [e.code, e.pos, e.message]), warnings: d.warnings.map((e) => [e.code, e.pos]), comment: d.comment, commentBefore: d.commentBefore, nodes, value };
    }),
  );
}

/** Equal, or a message that shows where they first differ. */
function same(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  assert.fail(`${what}: differs at ${i}:\n  got      ${actual.slice(Math.max(0, i - 150), i + 150)}\n  expected ${expected.slice(Math.max(0, i - 150), i + 150)}`);
}

function whole(text: string): Document[] {
  const parsed = parseAllDocuments(text.replace(/\r(?!\n)/g, '\n'), PARSE_OPTIONS);
  return Array.isArray(parsed) ? parsed : [];
}

/** A file's documents as the rest of the engine reads them. */
function parsed(f: ReturnType<typeof parseFile>): string {
  return JSON.stringify({ notice: f.notice, docs: f.documents.map((d) => ({ index: d.index, span: d.span, errors: d.errors, value: d.value })) });
}

const files = [...yamlFiles(path.join(root, 'test/fixtures')), ...yamlFiles(path.join(root, 'examples')), ...yamlFiles(corpusDir)];

test('document by document parsing equals parsing the whole stream', () => {
  assert.ok(files.length > 100, `only ${files.length} YAML files found`);
  let pieces = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const f = parseFile({ uri: 'file:///t.yaml', text }, config);
    if (f.notice) continue;
    pieces += pieceStarts(text)?.length ?? 0;
    same(shape(f.documents.map((d) => d.doc)), shape(whole(text)), file);
  }
  assert.ok(pieces > files.length, 'multi-document files were cut into pieces');
});

/** A random edit of the kind people make: type or delete a few characters, add or remove a document marker, break a bracket or a quote. */
function mutate(r: () => number, text: string): string {
  const at = int(r, 0, text.length);
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  switch (int(r, 0, 7)) {
    case 0:
      return text.slice(0, at) + 'x'.repeat(int(r, 1, 3)) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + int(r, 1, 12)));
    case 2:
      return `${text.slice(0, lineStart)}---\n${text.slice(lineStart)}`;
    case 3:
      return text.replace(/^---\n/m, '');
    case 4:
      return text.slice(0, at) + ['[', '{', '"', "'", ']', ':', '- ', '#'][int(r, 0, 7)] + text.slice(at);
    case 5:
      return `${text.slice(0, lineStart)}# comment\n${text.slice(lineStart)}`;
    case 6:
      return text.slice(0, lineStart) + '  ' + text.slice(lineStart);
    default:
      return `${text}\n---\nkind: ConfigMap\n`;
  }
}

test('re-parsing after an edit keeps unchanged documents and equals a fresh parse', () => {
  const r = rng(7);
  const multi = files.map((f) => readFileSync(f, 'utf8')).filter((t) => (pieceStarts(t)?.length ?? 0) > 2);
  assert.ok(multi.length > 10, 'multi-document files to edit');
  let kept = 0;
  let moved = 0;
  for (let i = 0; i < 200; i++) {
    let text = multi[int(r, 0, multi.length - 1)];
    let previous = parseFile({ uri: 'file:///t.yaml', text }, config);
    for (let step = 0; step < 5; step++) {
      text = mutate(r, text);
      const before = new Map(previous.documents.map((d) => [d, d.span.start]));
      const next = parseFile({ uri: 'file:///t.yaml', text }, config, previous);
      const fresh = parseFile({ uri: 'file:///t.yaml', text }, config);
      assert.equal(parsed(next), parsed(fresh), `edit ${i}.${step}`);
      if (!next.notice) same(shape(next.documents.map((d) => d.doc)), shape(whole(text)), `edit ${i}.${step}`);
      for (const d of next.documents) {
        if (!before.has(d)) continue;
        kept++;
        if (before.get(d) !== d.span.start) moved++;
      }
      previous = next;
    }
  }
  assert.ok(kept > 500 && moved > 50, `documents kept across edits: ${kept}, of which moved: ${moved}`);
});
