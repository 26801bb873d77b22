// npm start: build, package the extension, install it into code-server (a real VS Code in the browser)
// and open a copy of the examples/ workspace on http://127.0.0.1:PORT. Ctrl+C stops it.
//
// EGRESS_LENS_SMOKE=1 npm start: the same, then opens the editor in headless Chromium, waits until the page
// is served and the extension's language server reports its state in the status bar, prints `ready`,
// stops everything and exits 0 (1 on any failure). This is how CI proves the first command works.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { workspaceCopy } from './workspace-copy.mjs';
import { cacheDir, codeServerInstalled, ensureCodeServer, freePort, installExtension, launchChromium, repoRoot, startCodeServer, writeUserSettings } from './code-server.mjs';

const smoke = process.env.EGRESS_LENS_SMOKE === '1';
const say = (m) => console.log(m);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Say what will be installed before installing it.
const plan = [];
if (!existsSync(path.join(repoRoot, 'node_modules/.package-lock.json'))) plan.push('the npm packages of package-lock.json (npm ci, into node_modules/)');
for (const item of codeServerInstalled().missing) plan.push(item);
if (smoke && !existsSync('/usr/bin/chromium')) plan.push("Debian's chromium (apt-get, system-wide), to open the editor headless in this smoke run");
if (plan.length > 0) say(`npm start installs, this once:\n${plan.map((p) => `  - ${p}`).join('\n')}\n`);

if (!existsSync(path.join(repoRoot, 'node_modules/.package-lock.json'))) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npm', ['run', '-s', 'package']);

const cs = ensureCodeServer();
const home = path.join(cacheDir, 'start');
const userDataDir = path.join(home, 'user-data');
const extensionsDir = path.join(home, 'extensions');
mkdirSync(home, { recursive: true });
writeUserSettings(userDataDir);
installExtension(cs, path.join(repoRoot, 'dist/egress-lens.vsix'), extensionsDir, userDataDir);

const { folder, kept } = workspaceCopy(path.join(repoRoot, 'examples'), path.join(cacheDir, 'start/examples'));
if (kept) say(`examples/ changed since the last run: your edited copy is kept in ${path.relative(repoRoot, kept)}`);
const wanted = smoke ? 0 : Number(process.env.EGRESS_LENS_PORT ?? 8080);
let server;
try {
  server = await startCodeServer(cs, { folder, userDataDir, extensionsDir, port: wanted || undefined, quiet: true });
} catch {
  // The port is taken: any free one.
  server = await startCodeServer(cs, { folder, userDataDir, extensionsDir, port: await freePort(), quiet: true });
}
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;

if (smoke) {
  let browser;
  let code = 0;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const response = await page.goto(url);
    if (!response || !response.ok()) throw new Error(`the editor's page answered ${response?.status()}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    // The status bar item shows a shield or a warning once the language server has analysed the workspace
    // (a spinner while it starts or indexes, an error icon when it stopped).
    const item = page.locator('.statusbar-item', { hasText: 'Egress Lens' }).filter({ has: page.locator('.codicon-shield, .codicon-warning') });
    await item.first().waitFor({ timeout: 120_000 });
    say(`the editor is served on ${server.url}; the status bar says: ${(await item.first().innerText()).trim()}`);
    say('ready');
  } catch (e) {
    console.error(`smoke run failed: ${e instanceof Error ? e.message : e}`);
    code = 1;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
  process.exit(code);
}

say(`\nEgress Lens is running in VS Code (code-server) on a copy of the examples workspace (${path.relative(repoRoot, folder)}):\n\n  ${url}\n`);
say('Open shop/foo-deny-egress.yaml to see the diagnostics and quick fixes. Press Ctrl+C to stop.');
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
