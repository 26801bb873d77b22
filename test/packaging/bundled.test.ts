// What runs is what is bundled: package.json declares no run-time dependencies (nothing is installed with the
// extension or the npm package, so `npm audit --omit=dev` has nothing to audit), and the third-party
// packages inside the bundles in dist/ (read from their source maps) are exactly those docs/security.md
// lists, at the versions package-lock.json pins. The list is what a dependency audit has to look at.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

const dist = path.join(repoRoot, 'dist');

/** `name version` -> the bundles (paths below dist/) that hold code of it. */
function bundledPackages(): Map<string, Set<string>> {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length >= 4, `bundles with source maps in dist/ (build first): ${maps.join(', ')}`);
  const out = new Map<string, Set<string>>();
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(path.join(dist, map), 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const at = source.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const parts = source.slice(at + 'node_modules/'.length).split('/');
      const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
      // The package's folder as the lockfile names it (nested ones included).
      const folder = source.slice(source.indexOf('node_modules/'), at) + `node_modules/${name}`;
      const version = lock.packages[folder]?.version;
      assert.ok(version, `${folder} is in package-lock.json`);
      const key = `${name} ${version}`;
      if (!out.has(key)) out.set(key, new Set());
      out.get(key)!.add(map.replace(/\.map$/, '').split(path.sep).join('/'));
    }
  }
  return out;
}

/** The rows of the table under "### Bundled packages" in docs/security.md: `name version` -> bundles. */
function listedPackages(): Map<string, Set<string>> {
  const doc = readFileSync(path.join(repoRoot, 'docs/security.md'), 'utf8');
  const section = doc.split(/^### Bundled packages$/m)[1]?.split(/^#/m)[0];
  assert.ok(section, 'docs/security.md has a "### Bundled packages" section');
  const out = new Map<string, Set<string>>();
  for (const m of section.matchAll(/^\| `([^`]+)` \| ([^ |]+) \| ([^|]+) \|/gm)) {
    out.set(`${m[1]} ${m[2]}`, new Set(m[3].split(',').map((s) => s.trim().replace(/`/g, ''))));
  }
  return out;
}

const sorted = (m: Map<string, Set<string>>) => [...m].map(([k, v]) => `${k} in ${[...v].sort().join(', ')}`).sort();

test('nothing is installed at run time: package.json has no dependencies of any kind but devDependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
    assert.equal(pkg[field], undefined, `package.json declares ${field}`);
  }
});

test('the packages bundled into dist/ are exactly those docs/security.md lists, at the locked versions', () => {
  assert.ok(existsSync(path.join(dist, 'server.js.map')), 'build first: npm run build');
  assert.deepEqual(sorted(listedPackages()), sorted(bundledPackages()));
});
