/**
 * `exclude` globs are untrusted (they come with the repository): a broken one is refused with EL006 at
 * the pattern, in the engine, the CLI and the language server, and no glob makes matching slow. The time
 * bounds are generous safety limits (the pathological cases below took minutes with regex-based
 * matching), not speed targets.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, checkExclude, isExcluded, MAX_EXCLUDE_PATTERNS, MAX_GLOB_EXPANSION, readConfigFile } from '../../server/src/engine';
import { LspClient } from '../support/lsp-client';
import { repoRoot } from '../support/workspace';
import { deployment } from '../support/manifests';

/** `*a*a*…*a*b`: with a backtracking regex, a name of many `a`s takes time exponential in the stars. */
const stars = (n: number) => `${'*a'.repeat(n)}*b`;
/** `**` followed by a name, many times: recursive `**` matching is exponential in their number on a deep path. */
const globstars = (n: number) => `${'**/a/'.repeat(n)}b`;

test('exclude globs keep their meaning: anywhere without a slash, anchored with a leading /, folders exclude their contents, braces, classes, dot files', () => {
  const yes: [string, string][] = [
    ['charts/web/templates/deploy.yaml', 'charts/**'],
    ['a/b/c.generated.yaml', '**/*.generated.yaml'],
    ['deep/kustomization.yaml', 'kustomization.yaml'],
    ['web.yaml', '/web.yaml'],
    ['env/prod.yaml', 'env/{prod,staging}.yaml'],
    ['env/staging.yaml', 'env\\{prod,staging}.yaml'],
    ['a/generated/x.yaml', 'generated'],
    ['charts/web/x.yaml', 'charts'],
    ['.github/workflows/ci.yaml', '.github/**'],
    ['x/.hidden.yaml', '*/*.yaml'],
    ['v3/app.yaml', 'v[0-9]/*.yaml'],
    ['n7.yaml', 'n{1..9}.yaml'],
    ['{x}.yaml', '[{]x[}].yaml'],
    ['#notes.yaml', '#notes.yaml'],
    ['!keep.yaml', '!keep.yaml'],
  ];
  for (const [p, g] of yes) assert.ok(isExcluded(p, [g]), `${g} excludes ${p}`);
  const no: [string, string][] = [
    ['apps/web.yaml', '/web.yaml'],
    ['apps/web.yaml', 'charts/**'],
    ['env/dev.yaml', 'env/{prod,staging}.yaml'],
    ['charts2/x.yaml', 'charts'],
    ['x/y/z.yaml', '*/*.yaml'],
    ['app.yaml', '../../**'],
    ['app.yaml', '/etc/**'],
  ];
  for (const [p, g] of no) assert.ok(!isExcluded(p, [g]), `${g} does not exclude ${p}`);
});

test('broken globs are refused with EL006 at the pattern, and the rest of the list still applies', () => {
  const text = 'exclude:\n  - "{?}"\n  - charts/**\n  - "templates/[abc"\n  - "{a}/x.yaml"\n  - "{a,b"\n';
  const { config, problems } = readConfigFile('file:///w/.egress-lens.yaml', text);
  assert.deepEqual(config.exclude, ['charts/**']);
  assert.deepEqual(
    problems.map((p) => [text.slice(p.span.start, p.span.end), p.message.replace(/:.*/s, '')]),
    [
      ['"{?}"', 'Configuration'],
      ['"templates/[abc"', 'Configuration'],
      ['"{a}/x.yaml"', 'Configuration'],
      ['"{a,b"', 'Configuration'],
    ],
  );
  assert.match(problems[0].message, /exclude\.0: "\{\?\}" has braces that expand to nothing/);
  assert.match(problems[1].message, /exclude\.2: "templates\/\[abc" has a \[ that is never closed/);
  // Through the engine: EL006 on the pattern, and the valid glob still excludes.
  const a = analyze(
    [
      { uri: 'file:///w/.egress-lens.yaml', text },
      { uri: 'file:///w/charts/x.yaml', text: deployment('x') },
      { uri: 'file:///w/apps/y.yaml', text: deployment('y') },
    ],
    { ...config, configProblems: problems, rootUri: 'file:///w/' },
  );
  assert.deepEqual(a.findings.filter((f) => f.ruleId === 'EL006').map((f) => text.slice(f.span.start, f.span.end)), ['"{?}"', '"templates/[abc"', '"{a}/x.yaml"', '"{a,b"']);
  assert.deepEqual(a.model.workloads.map((w) => w.name), ['y']);
  // A broken glob handed to the engine directly (not through the settings) matches nothing and throws nothing.
  assert.equal(isExcluded('{x}', ['{?}']), false);
  assert.doesNotThrow(() => analyze([{ uri: 'file:///w/a.yaml', text: deployment('a') }], { exclude: ['{?}', '[', '\\', '{', '}'], rootUri: 'file:///w/' }));
});

test('brace expansion is capped per glob and over the whole list', () => {
  const wide = '{a,b}'.repeat(7); // 128 patterns
  const ok = '{a,b}'.repeat(5); // 32 patterns (64 with the folder form)
  assert.ok(2 ** 7 > MAX_GLOB_EXPANSION && 2 ** 5 <= MAX_GLOB_EXPANSION);
  const one = checkExclude([wide, ok]);
  assert.deepEqual(one.valid, [ok]);
  assert.match(one.problems[0].message, /expands to more than 64 patterns/);
  // Many globs that each fit: those past the total are refused.
  const many = Array.from({ length: 40 }, (_, i) => `d${i}/${ok}`);
  const all = checkExclude(many);
  assert.equal(all.valid.length, MAX_EXCLUDE_PATTERNS / 64);
  assert.equal(all.problems.length, 40 - MAX_EXCLUDE_PATTERNS / 64);
  assert.match(all.problems[0].message, /expand to more than 1024 patterns together/);
  // A brace bomb (2^30 patterns) is refused at once, not expanded.
  const t = performance.now();
  assert.equal(checkExclude(['{a,b}'.repeat(30)]).valid.length, 0);
  assert.ok(performance.now() - t < 5_000, `took ${(performance.now() - t).toFixed(0)} ms`);
});

test('pathological globs match in bounded time: 25 stars on long names, 40 globstars on a deep path', () => {
  const started = performance.now();
  const longName = `${'a'.repeat(250)}.yaml`;
  const deep = `${'a/'.repeat(1000)}c.yaml`;
  const globs = [stars(25), `**/${stars(25)}`, globstars(40), `${'*/'.repeat(100)}**/b`, `**/${'?'.repeat(100)}*b`];
  const paths = [longName, `x/${longName}`, deep, `${'a'.repeat(200)}/`.repeat(10) + 'x.yaml'];
  for (const p of paths) for (const g of globs) assert.equal(isExcluded(p, [g]), false, `${g.slice(0, 30)}… on ${p.slice(0, 30)}…`);
  assert.ok(isExcluded(`${'a'.repeat(60)}b`, [stars(25)]), 'and they still match what they should');
  assert.ok(isExcluded(`${'a/'.repeat(40)}b`, [globstars(40)]));
  // Through the engine, as a workspace would meet them.
  const files = paths.map((p, i) => ({ uri: `file:///w/${p.replace(/\.yaml$/, `${i}.yaml`)}`, text: deployment(`w${i}`) }));
  const a = analyze(files, { exclude: globs, rootUri: 'file:///w/' });
  assert.equal(a.model.workloads.length, paths.length);
  const took = performance.now() - started;
  assert.ok(took < 10_000, `took ${took.toFixed(0)} ms`);
});

function workspaceWith(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-globs-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const hostileConfig = `exclude:\n  - "{?}"\n  - "${stars(25)}"\n  - charts/**\n`;
const hostileFiles = { '.egress-lens.yaml': hostileConfig, 'charts/x.yaml': deployment('x'), 'apps/y.yaml': deployment('y'), [`apps/${'a'.repeat(200)}.yaml`]: deployment('z') };

test('CLI: a broken glob in .egress-lens.yaml is EL006 at the pattern, not a crash; a pathological one does not hang', () => {
  const ws = workspaceWith(hostileFiles);
  try {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'check', '.', '--format', 'json'], { cwd: ws.dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stderr, '');
    const findings = JSON.parse(r.stdout) as { ruleId: string; file: string; message: string; range: { start: { line: number; character: number } } }[];
    const el006 = findings.filter((f) => f.ruleId === 'EL006');
    assert.deepEqual(el006.map((f) => [f.file, f.range.start]), [['.egress-lens.yaml', { line: 1, character: 4 }]]);
    assert.match(el006[0].message, /"\{\?\}" has braces that expand to nothing/);
    assert.deepEqual([...new Set(findings.filter((f) => f.ruleId === 'EL101').map((f) => f.file))].sort(), [`apps/${'a'.repeat(200)}.yaml`, 'apps/y.yaml'], 'charts/** still excludes');
    assert.equal(r.status, 1);
  } finally {
    ws.cleanup();
  }
});

test('language server: a broken glob in .egress-lens.yaml is EL006 at the pattern, the server stays up and analyses the rest', async (t) => {
  const ws = workspaceWith(hostileFiles);
  const client = new LspClient();
  t.after(async () => {
    await client.shutdown();
    ws.cleanup();
  });
  const uri = (rel: string) => pathToFileURL(path.join(ws.dir, rel)).toString();
  // The editor's egressLens.exclude setting with broken and pathological globs too: refused with a warning.
  client.settings = { exclude: ['{a}', stars(25), 'apps/y.yaml'] };
  const warnings: string[] = [];
  client.connection.onNotification('window/logMessage', (p: { message: string }) => {
    warnings.push(p.message);
  });
  await client.initialize(uri(''));
  const config = await client.waitForDiagnostics(uri('.egress-lens.yaml'), (p) => p.diagnostics.length > 0);
  assert.deepEqual(config.diagnostics.map((d) => [d.code, d.range.start]), [['EL006', { line: 1, character: 4 }]], JSON.stringify(config.diagnostics));
  await client.waitForDiagnostics(uri(`apps/${'a'.repeat(200)}.yaml`), (p) => p.diagnostics.some((d) => d.code === 'EL101'));
  assert.equal(client.latest(uri('charts/x.yaml')), undefined, 'charts/** (from the file) still excludes');
  assert.equal(client.latest(uri('apps/y.yaml')), undefined, 'apps/y.yaml (from the editor) excludes');
  assert.ok(warnings.some((w) => /egressLens setting ignored: .*"\{a\}" has braces that expand to nothing/.test(w)), warnings.join('\n'));
  // Still up and answering.
  const symbols = await client.connection.sendRequest('workspace/symbol', { query: '' });
  assert.ok(Array.isArray(symbols) && symbols.length > 0);
});
