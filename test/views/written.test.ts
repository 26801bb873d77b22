// A view's rendered text, written by Egress Lens and read back without parsing: the writer's YAML reads back
// as the data it was written from; documents are parsed only when read, with the ranges a parse of the whole
// text gives; an analysis of the written file says what an analysis of its parsed text says.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Composer, parseAllDocuments, Parser, type Document, type Node, visit } from 'yaml';
import { writeStream, writtenFile, writeYaml } from '../../server/src/engine/parse/written';
import { PARSE_OPTIONS } from '../../server/src/engine/parse/chunks';
import { parseFile, type ParsedFile } from '../../server/src/engine/parse/parse';
import { analyzeParsed, resolveConfig } from '../../server/src/engine';
import { renderFromDisk } from '../../server/src/host/kustomize';
import { findManifests } from '../../server/src/host/files';
import { generateWorkspace } from '../bench/generator';
import { repoRoot } from '../support/workspace';

const config = resolveConfig({});

/** The YAML read back as data (no errors allowed). */
function readBack(text: string): unknown[] {
  const docs = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  for (const d of docs) assert.deepEqual(d.errors, [], `${text}`);
  return docs.map((d) => d.toJS());
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '  lead',
  'trail ',
  'a: b',
  'a:b',
  'a:',
  'a #b',
  'a#b',
  '#x',
  '- x',
  '-',
  '-x',
  '?',
  '? x',
  ':',
  'true',
  'True',
  'TRUE',
  'false',
  'null',
  'Null',
  '~',
  'yes',
  'no',
  'on',
  '1',
  '-1',
  '+1',
  '1.5',
  '.5',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '-.inf',
  '.nan',
  '.NaN',
  '8080',
  '10.0.0.0/8',
  '1.2.3.4',
  '\n',
  'line1\nline2',
  'tab\there',
  '\t',
  '"q"',
  "'q'",
  "it's",
  'say "hi"',
  '\u2028',
  '\u0085',
  '\ufeff',
  '\ud800',
  'é',
  'ünïcödé key',
  '日本',
  '*a',
  '&a',
  '!t',
  '%x',
  '@x',
  '`x',
  '{a}',
  '[a]',
  '|',
  '>',
  'a,b',
  '<<',
  'back\\slash',
  '/healthz',
  '_x',
  'x'.repeat(2000),
  '---',
  '...',
  'a\r\nb',
  '\u0000',
  '\u001b[31m',
];

test('the writer: every hostile string, as a value, a key, and in lists, reads back as itself', () => {
  for (const s of HOSTILE_STRINGS) {
    const value = {
      [s]: s,
      list: [s, [s], { [s]: [s] }],
      nested: { deeper: { [s]: s } },
    };
    assert.deepEqual(readBack(writeYaml(value)), [value], JSON.stringify(s));
    assert.deepEqual(readBack(writeYaml(s)), [s], JSON.stringify(s));
  }
});

test('the writer: numbers, booleans, null, empty and nested collections, long keys, as YAML reads them', () => {
  const values: unknown[] = [
    {
      n: [0, -1, 1.5, 1e21, 1.5e-7, 2 ** 53, -0.25],
      b: [true, false],
      z: null,
    },
    { inf: Infinity, ninf: -Infinity },
    { empty: {}, list: [], nested: [[], {}, [[1, 2], [3]], [{ a: {} }]] },
    [],
    {},
    [[['deep']]],
    'plain',
    42,
    null,
    {
      ['k'.repeat(1500)]: { a: 1 },
      ['j'.repeat(1100)]: 'v',
      ['l'.repeat(1200)]: [1],
    },
  ];
  for (const v of values) assert.deepEqual(readBack(writeYaml(v)), [v], JSON.stringify(v).slice(0, 80));
  const nan = readBack(writeYaml({ x: NaN }))[0] as { x: number };
  assert.ok(Number.isNaN(nan.x));
  // Plain where it reads back the same, quoted otherwise.
  assert.equal(writeYaml({ name: 'svc-1', port: '8080', image: 'nginx:1.25', on: 'true' }), 'name: svc-1\nport: "8080"\nimage: nginx:1.25\non: "true"\n');
});

test("the writer: a frozen subtree (a render's shared data) written at several depths and positions reads back right everywhere", () => {
  const deepFreeze = <T>(o: T): T => {
    if (o && typeof o === 'object') {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  };
  const shared = deepFreeze({
    containers: [{ name: 'app', ports: [{ containerPort: 80 }], env: [] }],
    labels: { a: 'b' },
  });
  const list = deepFreeze([shared, [shared]]);
  const value = {
    top: shared,
    nested: { deeper: { here: shared } },
    items: [shared, { x: shared }],
    list,
    again: list,
  };
  for (let i = 0; i < 3; i++) assert.deepEqual(readBack(writeYaml(value)), [value]);
  assert.deepEqual(readBack(writeYaml(shared)), [shared]);
  assert.deepEqual(readBack(writeYaml([shared, list])), [[shared, list]]);
});

/** Every node's range, by path, in a parsed document. */
function ranges(doc: Document): string[] {
  const out: string[] = [];
  visit(doc, {
    Node(_, n) {
      const r = (n as Node).range;
      if (r) out.push(`${(n as { constructor: { name: string } }).constructor.name} ${r.join(',')}`);
    },
  });
  return out;
}

/** The rendered resources of every Kustomize fixture root (the shop and the real repository among them). */
async function renderedFixtures(): Promise<{ root: string; values: unknown[] }[]> {
  const roots = new Set<string>();
  for (const f of await findManifests(path.join(repoRoot, 'test'))) if (/\/kustomization\.ya?ml$/.test(f)) roots.add(path.dirname(f));
  const out: { root: string; values: unknown[] }[] = [];
  for (const root of [...roots].sort()) {
    const r = await renderFromDisk(root);
    if (r.resources.length > 0) out.push({ root, values: r.resources.map((x) => x.object) });
  }
  return out;
}

test('every rendered fixture: written, read back as the same data; each document parsed alone gives the ranges the whole text gives', async () => {
  const fixtures = await renderedFixtures();
  assert.ok(fixtures.length >= 20, `${fixtures.length} rendered roots`);
  for (const { root, values } of fixtures) {
    const stream = writeStream(values);
    assert.deepEqual(readBack(stream.text), values, root);
    const file = writtenFile('egress-lens-view:/x/0.yaml', stream);
    const whole = parseFile({ uri: 'egress-lens-view:/x/0.yaml', text: stream.text }, config);
    assert.equal(file.documents.length, whole.documents.length, root);
    file.documents.forEach((d, i) => {
      const w = whole.documents[i];
      assert.deepEqual(d.span, w.span, `${root} #${i}`);
      assert.equal(d.value, values[i]);
      assert.deepEqual(d.errors, []);
      assert.equal((d as unknown as { parsed: boolean }).parsed, false);
      assert.deepEqual(ranges(d.doc), ranges(w.doc), `${root} #${i}`);
      assert.equal((d as unknown as { parsed: boolean }).parsed, true);
    });
  }
});

test('a written file read again keeps the documents whose text did not change (the same objects, moved); the others are new', () => {
  const a = { kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } };
  const b = { kind: 'ConfigMap', metadata: { name: 'b' }, data: { x: '2' } };
  const c = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '3' } };
  const first = writtenFile('egress-lens-view:/v/0.yaml', writeStream([a, b, c]));
  void first.documents[2].doc;
  const b2 = { ...b, data: { x: 'changed, and longer' } };
  const second = writtenFile('egress-lens-view:/v/0.yaml', writeStream([a, b2, c]), first);
  assert.equal(second.documents[0], first.documents[0]);
  assert.notEqual(second.documents[1], first.documents[1]);
  assert.equal(second.documents[1].value, b2);
  assert.equal(second.documents[2], first.documents[2]);
  // Moved: its span, and its nodes (parsed again), are where the new text has it.
  const whole = parseFile({ uri: 'x', text: second.text }, config);
  assert.deepEqual(second.documents[2].span, whole.documents[2].span);
  assert.deepEqual(ranges(second.documents[2].doc), ranges(whole.documents[2].doc));
  assert.deepEqual(
    second.documents.map((d) => d.index),
    [0, 1, 2],
  );
  // A document put before the first: the first moves past its `---` line, and is still kept.
  const third = writtenFile('egress-lens-view:/v/0.yaml', writeStream([c, a, b2]), second);
  assert.equal(third.documents[1], first.documents[0]);
  assert.equal(third.documents[0], first.documents[2]);
  const wholeThird = parseFile({ uri: 'x', text: third.text }, config);
  third.documents.forEach((d, k) => assert.deepEqual(ranges(d.doc), ranges(wholeThird.documents[k].doc)));
});

/** A workspace of 6 namespaces, with probes and Istio egress. */
const generatedWorkspace = () => generateWorkspace({ namespaces: 6, workloadsPerNamespace: 6, files: 3, probes: true, istio: true, seed: 7 });

/** Findings without the file's identity (the written and the parsed file have the same URI). */
const plainFindings = (files: ParsedFile[]) => analyzeParsed(files, config).findings.map((f) => ({ ...f, data: undefined }));

test('an analysis of written files says what an analysis of their parsed text says (findings, spans, related places)', async () => {
  // The rules' fixtures (each rule's findings), a generated workspace, and the Kustomize fixtures' files.
  const sources = generatedWorkspace();
  for (const f of await findManifests(path.join(repoRoot, 'test/fixtures')))
    sources.push({
      uri: pathToFileURL(f).toString(),
      text: readFileSync(f, 'utf8'),
    });
  const written: ParsedFile[] = [];
  const parsed: ParsedFile[] = [];
  for (const s of sources) {
    const p = parseFile(s, config);
    if (p.notice || p.documents.length === 0 || p.documents.some((d) => d.errors.length > 0 || d.value === undefined)) continue;
    const w = writtenFile(s.uri, writeStream(p.documents.map((d) => d.value)));
    written.push(w);
    parsed.push(parseFile({ uri: s.uri, text: w.text }, config));
  }
  const fromParsed = plainFindings(parsed);
  assert.ok(fromParsed.length > 100, `${fromParsed.length} findings`);
  assert.ok(new Set(fromParsed.map((f) => f.ruleId)).size > 30, 'findings of many rules');
  assert.deepEqual(plainFindings(written), fromParsed);
});

test('an analysis of a generated workspace, written, parses only the documents it has something to say about', () => {
  const sources = generatedWorkspace();
  const written = sources.map((s) => writtenFile(s.uri, writeStream(parseFile(s, config).documents.map((d) => d.value))));
  const a = analyzeParsed(written, config);
  const docs = written.flatMap((f) => f.documents);
  const read = docs.filter((d) => (d as unknown as { parsed: boolean }).parsed).length;
  assert.ok(docs.length > 100 && a.findings.length > 0);
  // The documents of its findings (and of their related places), a handful.
  assert.ok(read <= 3 * a.findings.length && read < docs.length / 10, `${read} of ${docs.length} documents parsed, ${a.findings.length} findings`);
});

test('a parse of one written document alone never reads past it', () => {
  const stream = writeStream([{ a: 1 }, { b: [1, 2] }, { c: { d: 'e' } }]);
  const file = writtenFile('egress-lens-view:/v/0.yaml', stream);
  const parser = new Parser();
  const docs = [...new Composer(PARSE_OPTIONS).compose(parser.parse(stream.text))];
  assert.equal(docs.length, 3);
  file.documents.forEach((d, i) => assert.deepEqual(d.doc.toJS(), docs[i].toJS()));
});
