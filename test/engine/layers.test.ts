/**
 * The engine's layering (docs/ARCHITECTURE.md): every import of `server/src/engine` points to a lower layer
 * or within its own, no two files import each other in a loop, and the engine imports nothing of the host,
 * the server or the CLI. A new folder must be given its layer here.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

const ENGINE = path.join(repoRoot, 'server', 'src', 'engine');

/** Top to bottom. A file's layer is the entry of the longest prefix of its path inside the engine. */
export const LAYERS: readonly (readonly string[])[] = [
  ['index.ts'],
  ['views/'],
  ['lang/'],
  ['fix-all/'],
  ['diff/', 'exposure/'],
  ['analyze.ts'],
  ['rules/'],
  ['flows/'],
  ['scaffold/'],
  ['fixes/'],
  ['policy/'],
  ['mesh/'],
  ['reach/'],
  ['kustomize/', 'helm/', 'suppress.ts', 'config-file.ts'],
  ['schema/'],
  ['model/'],
  ['parse/'],
  ['config.ts', 'exclude.ts'],
  ['sets/', 'text/', 'text.ts', 'types.ts', 'memo.ts'],
];

function layerOf(rel: string): number {
  let best = -1;
  let bestLen = -1;
  LAYERS.forEach((entries, i) => {
    for (const e of entries) {
      const hit = e.endsWith('/') ? rel.startsWith(e) : rel === e;
      if (hit && e.length > bestLen) {
        best = i;
        bestLen = e.length;
      }
    }
  });
  return best;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module a file names in an import or export (`import type` included: a type is a dependency too). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'|^\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) {
    try {
      if (statSync(c).isFile()) return c;
    } catch {
      /* next candidate */
    }
  }
  return spec.endsWith('.json') ? base : undefined;
}

const files = sources(ENGINE);
const graph = new Map<string, string[]>();
for (const f of files) {
  const deps: string[] = [];
  for (const spec of importsOf(readFileSync(f, 'utf8'))) {
    const target = resolve(f, spec);
    if (target) deps.push(target);
    else if (spec.startsWith('.')) assert.fail(`${path.relative(repoRoot, f)}: import '${spec}' resolves to no file`);
  }
  graph.set(f, deps);
}
const rel = (f: string) => path.relative(ENGINE, f).split(path.sep).join('/');

test('importsOf reads import, import type, export from, side-effect and dynamic imports', () => {
  const text = `import { a } from './a';\nimport type { B } from '../b';\nexport { c } from './c';\nexport * as d from './d';\nimport './e';\nconst f = await import('./f');\nimport {\n  g,\n  type H,\n} from './g';\n// from './not-an-import'\n`;
  assert.deepEqual(importsOf(text), ['./a', '../b', './c', './d', './e', './f', './g']);
});

test('every engine file has a layer', () => {
  const missing = files.map(rel).filter((r) => layerOf(r) < 0);
  assert.deepEqual(missing, [], 'give these files a layer in LAYERS (test/engine/layers.test.ts) and in docs/ARCHITECTURE.md');
});

test('the engine imports nothing outside it but schemas (no host, server or CLI)', () => {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      const r = path.relative(ENGINE, d);
      if (r.startsWith('..') && !path.relative(repoRoot, d).startsWith('schemas')) out.push(`${rel(f)} -> ${path.relative(repoRoot, d)}`);
    }
  }
  assert.deepEqual(out, []);
});

test('no import runs up a layer', () => {
  const up: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      if (path.relative(ENGINE, d).startsWith('..')) continue;
      const from = layerOf(rel(f));
      const to = layerOf(rel(d));
      if (to < from) up.push(`${rel(f)} (${LAYERS[from].join(' ')}) -> ${rel(d)} (${LAYERS[to].join(' ')})`);
    }
  }
  assert.deepEqual(up, []);
});

test('no two engine files import each other, directly or in a loop', () => {
  const state = new Map<string, 'open' | 'done'>();
  const loops: string[] = [];
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      const s = state.get(d);
      if (s === 'open') loops.push(stack.slice(stack.indexOf(d)).concat(d).map(rel).join(' -> '));
      else if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(loops, []);
});
