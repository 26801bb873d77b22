// The VS Code extension package: what dist/egress-lens.vsix holds, and the metadata that the VS Code
// Marketplace and Open VSX read from it (Open VSX's server-side checks: ExtensionValidator of eclipse/openvsx;
// its `ovsx` client also requires a licence).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';
import { readZip, type ZipEntry } from './zip';

const vsixPath = path.join(repoRoot, 'dist/egress-lens.vsix');

/** The newest modification time among files and folders (recursively) that go into the .vsix. */
function newestInput(): number {
  let newest = 0;
  const visit = (p: string): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['package.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'images', 'docs', 'syntaxes', 'schemas', 'client/src', 'server/src', 'esbuild.mjs']) {
    visit(path.join(repoRoot, p));
  }
  return newest;
}

/** The packaged .vsix, rebuilt with `npm run package` unless it is newer than everything that goes into it. */
function packagedVsix(): Buffer {
  if (!existsSync(vsixPath) || statSync(vsixPath).mtimeMs < newestInput()) {
    const r = spawnSync('npm', ['run', '-s', 'package'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
  }
  return readFileSync(vsixPath);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'not a PNG');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The lowest version a `^1.2.3` / `>=1.2.3` range accepts, as comparable numbers. */
function minVersion(range: string): number[] {
  const m = /^(?:\^|>=|~)?\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  assert.ok(m, `unsupported version range ${range}`);
  return m.slice(1).map(Number);
}
const atLeast = (a: number[], b: number[]): boolean => a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] >= b[2])));

// Characters Open VSX rejects in metadata: control, format, unassigned, private use, line/paragraph separators.
const INVALID_CHARS = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\u2028\u2029]/u;
const OPEN_VSX_NAME = /^[\w\-+$~]+$/;
const VSCODE_CATEGORIES = [
  'AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters',
  'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization',
];

interface Manifest {
  name?: string;
  publisher?: string;
  version?: string;
  displayName?: string;
  description?: string;
  license?: string;
  engines?: { vscode?: string };
  icon?: string;
  galleryBanner?: { color?: string; theme?: string };
  categories?: string[];
  keywords?: string[];
  main?: string;
}

test('the .vsix: small, bundled, with the metadata Open VSX and the Marketplace need', async (t) => {
  const zip = packagedVsix();
  const entries = readZip(zip);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const names = entries.map((e) => e.name).sort();
  const unpacked = entries.reduce((n, e) => n + e.size, 0);
  console.log(`egress-lens.vsix: ${(zip.length / 1024).toFixed(1)} KiB, ${entries.length} files, ${(unpacked / 1024).toFixed(1)} KiB unpacked`);
  const manifest = JSON.parse(byName.get('extension/package.json')!.read().toString('utf8')) as Manifest;

  await t.test('a short list of files: bundles, rule pages, images, readme, changelog, licence', () => {
    assert.ok(entries.length <= 100, `${entries.length} files`);
    assert.ok(zip.length < 5 * 1024 * 1024, `${zip.length} bytes`);
    const unwanted = names.filter(
      (n) =>
        /(^|\/)node_modules\//.test(n) ||
        /\.(ts|map|tsbuildinfo|vsix|tgz)$/.test(n) ||
        /^extension\/(test|out|server|client|\.cache|\.git|\.ci)\//.test(n) ||
        /^extension\/(package-lock\.json|tsconfig\.json|esbuild\.mjs|\.vscodeignore|\.npmignore|\.gitignore)$/.test(n),
    );
    assert.deepEqual(unwanted, [], 'sources, tests, dependencies or build files in the .vsix');
    const rulePages = readdirSync(path.join(repoRoot, 'docs/rules')).filter((f) => f.endsWith('.md'));
    assert.ok(rulePages.length > 0);
    const required = [
      'extension.vsixmanifest',
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/server.js',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
      'extension/images/icon.png',
      ...rulePages.map((f) => `extension/docs/rules/${f}`),
    ];
    assert.deepEqual(required.filter((n) => !byName.has(n)), [], 'missing from the .vsix');
    assert.equal(`extension/${path.posix.normalize((manifest.main ?? '').replace(/^\.\//, ''))}`, 'extension/dist/extension.js');
  });

  await t.test('package.json: the fields Open VSX requires and validates', () => {
    for (const field of ['name', 'publisher', 'version', 'displayName', 'description', 'license'] as const) {
      const v = manifest[field];
      assert.ok(typeof v === 'string' && v.trim().length > 0, `${field} is missing`);
      assert.ok(!INVALID_CHARS.test(v), `${field} has a character Open VSX rejects`);
      assert.ok(v.length <= (field === 'description' ? 2048 : 255), `${field} is too long`);
    }
    assert.match(manifest.name!, OPEN_VSX_NAME, 'extension name');
    assert.match(manifest.publisher!, OPEN_VSX_NAME, 'publisher (the Open VSX namespace)');
    assert.match(manifest.version!, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'version');
    assert.equal(manifest.license, 'Apache-2.0');
    for (const list of [manifest.categories, manifest.keywords]) {
      assert.ok(Array.isArray(list) && list.length > 0);
      for (const v of list) assert.ok(!INVALID_CHARS.test(v) && v.length <= 255, v);
    }
    assert.deepEqual(manifest.categories!.filter((c) => !VSCODE_CATEGORIES.includes(c)), [], 'categories VS Code does not know');
    assert.ok(manifest.categories!.includes('Linters'));
  });

  await t.test('engines.vscode: at least what vscode-languageclient needs', () => {
    const client = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/vscode-languageclient/package.json'), 'utf8')) as { engines: { vscode: string } };
    const ours = manifest.engines?.vscode;
    assert.ok(ours, 'engines.vscode is missing');
    assert.ok(atLeast(minVersion(ours), minVersion(client.engines.vscode)), `engines.vscode ${ours} is below vscode-languageclient's ${client.engines.vscode}`);
  });

  await t.test('icon: a 128x128 PNG inside the package; gallery banner with a colour and a theme', () => {
    assert.ok(manifest.icon, 'icon is missing');
    const entry = byName.get(`extension/${path.posix.normalize(manifest.icon)}`);
    assert.ok(entry, `${manifest.icon} is not in the .vsix`);
    assert.deepEqual(pngSize(entry.read()), { width: 128, height: 128 });
    const banner = manifest.galleryBanner;
    assert.ok(banner, 'galleryBanner is missing');
    assert.match(banner.color ?? '', /^#[0-9a-fA-F]{6}$/);
    assert.ok(['dark', 'light'].includes(banner.theme ?? ''), `galleryBanner.theme ${banner.theme}`);
    const vsixManifest = byName.get('extension.vsixmanifest')!.read().toString('utf8');
    assert.match(vsixManifest, new RegExp(`<Icon>extension/${manifest.icon.replace(/\./g, '\\.')}</Icon>`));
    assert.match(vsixManifest, new RegExp(`Branding\\.Color" Value="${banner.color}"`));
    assert.match(vsixManifest, new RegExp(`Branding\\.Theme" Value="${banner.theme}"`));
    assert.match(vsixManifest, /<License>extension\/LICENSE\.txt<\/License>/);
  });
});
