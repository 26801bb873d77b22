// What a new user meets first: the README's two commands on a fresh clone. CI runs exactly those commands
// (`.ci/run`); these tests keep the pieces behind them honest: the install environment of code-server, the
// copy of examples/ the editor opens, one Node requirement, and CI doing nothing the commands do not.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as semver from 'semver';
import { repoRoot } from '../support/workspace';

const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, (...a: never[]) => unknown>>;
const tool = (name: string) => importModule(new URL(`file://${path.join(repoRoot, 'client/tools', name)}`).href);
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

test('code-server is installed with an npm environment of its own: nothing of the outer npm (which names Node 20) leaks in', async () => {
  const { cleanNpmEnv } = (await tool('code-server.mjs')) as unknown as { cleanNpmEnv: (extra: Record<string, string>) => Record<string, string> };
  const saved = { ...process.env };
  try {
    Object.assign(process.env, {
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_node_execpath: '/usr/local/bin/node',
      npm_lifecycle_event: 'start',
      npm_package_name: 'egress-lens',
      INIT_CWD: repoRoot,
      HOME_FOR_TEST: 'kept',
    });
    const env = cleanNpmEnv({ PATH: '/opt/node24/bin:/usr/bin', npm_config_nodedir: '/opt/node24' });
    assert.deepEqual(Object.keys(env).filter((k) => /^npm_/i.test(k)), ['npm_config_nodedir']);
    assert.equal(env.INIT_CWD, undefined);
    assert.equal(env.PATH, '/opt/node24/bin:/usr/bin');
    assert.equal(env.HOME_FOR_TEST, 'kept', 'the rest of the environment is kept');
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('npm start opens a copy of examples/: the repository is never written, edits in the copy are never lost', async () => {
  const { workspaceCopy } = (await tool('workspace-copy.mjs')) as unknown as { workspaceCopy: (s: string, c: string, now?: Date) => { folder: string; kept?: string } };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-copy-'));
  try {
    const source = path.join(tmp, 'examples');
    mkdirSync(path.join(source, 'shop'), { recursive: true });
    writeFileSync(path.join(source, 'shop/a.yaml'), 'kind: A\n');
    const copy = path.join(tmp, 'cache/start/examples');

    const first = workspaceCopy(source, copy);
    assert.equal(first.folder, copy);
    assert.notEqual(first.folder, source);
    assert.equal(readFileSync(path.join(copy, 'shop/a.yaml'), 'utf8'), 'kind: A\n');

    // The editor auto-saves into the copy; the next start keeps it, and the source is untouched.
    writeFileSync(path.join(copy, 'shop/a.yaml'), 'kind: Edited\n');
    assert.equal(workspaceCopy(source, copy).kept, undefined);
    assert.equal(readFileSync(path.join(copy, 'shop/a.yaml'), 'utf8'), 'kind: Edited\n');
    assert.equal(readFileSync(path.join(source, 'shop/a.yaml'), 'utf8'), 'kind: A\n');

    // examples/ changes (a pull): a fresh copy, and the edited one is kept aside.
    writeFileSync(path.join(source, 'shop/b.yaml'), 'kind: B\n');
    const after = workspaceCopy(source, copy, new Date('2026-12-04T10:00:00Z'));
    assert.ok(after.kept && existsSync(after.kept), 'the edited copy is kept');
    assert.equal(readFileSync(path.join(after.kept!, 'shop/a.yaml'), 'utf8'), 'kind: Edited\n');
    assert.deepEqual(readdirSync(path.join(copy, 'shop')).sort(), ['a.yaml', 'b.yaml']);
    assert.equal(readFileSync(path.join(copy, 'shop/a.yaml'), 'utf8'), 'kind: A\n');

    // An unedited copy is simply replaced when the source changes.
    writeFileSync(path.join(source, 'shop/b.yaml'), 'kind: B2\n');
    assert.equal(workspaceCopy(source, copy).kept, undefined);
    assert.equal(readFileSync(path.join(copy, 'shop/b.yaml'), 'utf8'), 'kind: B2\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('one Node requirement: engines, the README and every locked package agree', () => {
  const range: string = pkg.engines.node;
  const floor = semver.minVersion(range);
  assert.ok(floor, `engines.node ${range} has a lowest version`);
  const short = `${floor.major}.${floor.minor}`;
  const named = [...readme.matchAll(/Node (\d+(?:\.\d+)?) or later/g)].map((m) => m[1]);
  assert.ok(named.length > 0, 'the README names the Node it needs');
  assert.deepEqual([...new Set(named)], [short], `the README says Node ${short} or later wherever it names one`);
  assert.ok(semver.satisfies(process.version, range), `this Node (${process.version}) is one the project supports`);
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
  const refused: string[] = [];
  for (const [where, entry] of Object.entries<{ engines?: { node?: string } }>(lock.packages)) {
    const wants = entry.engines?.node;
    if (!where || !wants) continue;
    if (!semver.satisfies(floor, wants)) refused.push(`${where.replace(/^.*node_modules\//, '')} wants Node ${wants}`);
  }
  assert.deepEqual(refused, [], `every package installs without an engine warning on Node ${floor}`);
});

test('CI runs exactly the README\'s two commands, and nothing that installs for them', () => {
  const quick = readme.match(/```sh\n([\s\S]*?)```/);
  assert.ok(quick, 'the README starts with a quick start');
  const commands = quick[1].split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  assert.deepEqual(commands, ['npm start', 'npm test']);
  const ci = readFileSync(path.join(repoRoot, '.ci/run'), 'utf8');
  const steps = ci.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('echo') && !/^(set|cd) /.test(l));
  assert.deepEqual(steps, ['EGRESS_LENS_SMOKE=1 npm start', 'npm test']);
  assert.doesNotMatch(ci, /apt-get|npm (ci|install)|code-server\.mjs/, 'no step pre-installs what the commands install themselves');
});

test('everything a test reads is in the repository: no test names a folder beside it, each vendored source has its SOURCE note and licence', () => {
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['data', 'fixtures', 'artifacts'].includes(e.name)) walk(p);
      } else if (/\.(ts|mjs|js|sh|lua)$/.test(e.name)) sources.push(p);
    }
  };
  walk(path.join(repoRoot, 'test'));
  assert.ok(sources.length > 50, `${sources.length} test sources`);
  // A path that leaves the repository: `../shared`, or a join that climbs above the root into a sibling folder.
  const outside = /\.\.\/shared\b|['"]\.\.['"]\s*,\s*['"]shared['"]|\/work\/shared|shared\/corpus/;
  const self = path.join(repoRoot, 'test/packaging/first-run.test.ts'); // holds the pattern itself
  const offenders = sources.filter((f) => f !== self && outside.test(readFileSync(f, 'utf8'))).map((f) => path.relative(repoRoot, f));
  assert.deepEqual(offenders, []);
  const corpus = path.join(repoRoot, 'test/data/corpus');
  for (const source of readdirSync(corpus, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const dir = path.join(corpus, source.name);
    // A note and a licence for the whole source, or one in each of its parts (real-repos/<repo>).
    const has = (d: string, name: RegExp) => readdirSync(d).some((n) => name.test(n));
    const parts = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
    const covered = (name: RegExp) => has(dir, name) || (parts.length > 0 && parts.every((d) => has(d, name)));
    assert.ok(covered(/^SOURCE\.md$/), `${source.name}: SOURCE.md`);
    assert.ok(covered(/^(LICEN[CS]E|COPYING)/i), `${source.name}: a LICENSE`);
  }
});
