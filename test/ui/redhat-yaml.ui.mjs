// Egress Lens side by side with Red Hat's YAML language support, in VS Code (code-server).
//
// Red Hat's YAML extension (redhat.vscode-yaml) is published to the VS Code Marketplace and Open VSX only,
// which this machine cannot reach, and no npm package ships it. Its language server is on npm
// (yaml-language-server, the server the extension runs): this test installs it into .cache/, wraps it in a
// minimal extension that starts it for YAML files as the Red Hat extension does, packages that with vsce,
// and installs it into code-server next to egress-lens.vsix. Then, in one editor:
// - both sets of diagnostics appear for the same file (the YAML server's and ours);
// - completion in a selector lists our label values once each (no duplicates between the two servers).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { ensureCodeServer, installExtension, launchChromium, repoRoot, startCodeServer, writeUserSettings } from '../../client/tools/code-server.mjs';
import { createHarness, screenshot } from './harness.mjs';
import { filterProblems, goToLine, openFile, showProblems, problemRow, suggest } from './workbench.mjs';

const T = 30_000;
const YAML_LS_VERSION = '1.25.0';
const cache = path.join(repoRoot, '.cache/yaml-language-server');
const bin = path.join(cache, 'node_modules/yaml-language-server/bin/yaml-language-server');
if (!existsSync(bin)) {
  console.log(`# installing yaml-language-server ${YAML_LS_VERSION} into .cache/`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', cache, `yaml-language-server@${YAML_LS_VERSION}`], { stdio: 'inherit' });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-redhat-'));
// The wrapper extension: package.json, and the client bundled with vscode-languageclient from our node_modules.
const wrapper = path.join(tmp, 'yaml-wrapper');
mkdirSync(wrapper);
writeFileSync(
  path.join(wrapper, 'package.json'),
  JSON.stringify({ name: 'yaml-server-side-by-side', publisher: 'egress-lens-tests', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.91.0' }, main: './extension.js', activationEvents: ['onLanguage:yaml'] }),
);
writeFileSync(path.join(wrapper, 'README.md'), 'Starts yaml-language-server for YAML files (tests only).\n');
writeFileSync(
  path.join(tmp, 'wrapper.js'),
  `const { LanguageClient } = require('vscode-languageclient/node');
exports.activate = () => {
  const client = new LanguageClient('yamlServer', 'YAML (yaml-language-server)',
    { command: process.execPath, args: [${JSON.stringify(bin)}, '--stdio'] },
    { documentSelector: [{ language: 'yaml' }], synchronize: { configurationSection: ['yaml'] } });
  return client.start();
};`,
);
await build({ entryPoints: [path.join(tmp, 'wrapper.js')], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], outfile: path.join(wrapper, 'extension.js'), nodePaths: [path.join(repoRoot, 'node_modules')], logLevel: 'warning' });
execFileSync(path.join(repoRoot, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', path.join(tmp, 'wrapper.vsix')], { cwd: wrapper, stdio: 'pipe' });

const cs = ensureCodeServer();
const ws = path.join(tmp, 'workspace');
cpSync(path.join(repoRoot, 'examples'), ws, { recursive: true });
const userDataDir = path.join(tmp, 'user-data');
const extensionsDir = path.join(tmp, 'extensions');
writeUserSettings(userDataDir);
installExtension(cs, path.join(repoRoot, 'dist/egress-lens.vsix'), extensionsDir, userDataDir);
installExtension(cs, path.join(tmp, 'wrapper.vsix'), extensionsDir, userDataDir);
const server = await startCodeServer(cs, { folder: ws, userDataDir, extensionsDir });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const h = createHarness('redhat-yaml', () => page);
try {
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  await h.test('both servers report on one file: the YAML server and egress-lens', async () => {
    await openFile(page, 'typos.yaml');
    await showProblems(page);
    await filterProblems(page, 'typos');
    // yaml-language-server (source "YAML"): the unclosed flow sequence; egress-lens: the schema typo and its own EL001.
    await problemRow(page, 'Flow sequence in block collection').first().waitFor({ timeout: T });
    await problemRow(page, 'Unknown field "egres" in spec').first().waitFor({ timeout: T });
    const rows = (await page.locator('.markers-panel .monaco-list-rows .monaco-list-row').allInnerTexts()).join('\n');
    if (!/YAML/.test(rows) || !/egress-lens/.test(rows)) throw new Error(`sources in Problems:\n${rows}`);
    await screenshot(page, 'redhat-1-problems.png');
  });

  await h.test('completion in a selector: our label values, each once', async () => {
    await openFile(page, 'payments.yaml');
    await goToLine(page, 48, 1);
    await page.keyboard.press('End');
    for (let i = 0; i < 'postgres'.length; i++) await page.keyboard.press('Backspace');
    const rows = await suggest(page, 'ledger');
    const labels = (await rows.locator('.label-name').allInnerTexts()).map((s) => s.trim());
    const dupes = labels.filter((l, i) => labels.indexOf(l) !== i);
    if (dupes.length > 0) throw new Error(`offered twice: ${dupes.join(', ')} (all: ${labels.join(', ')})`);
    await screenshot(page, 'redhat-2-completion.png');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
  });
} finally {
  await browser.close();
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(h.summary());
