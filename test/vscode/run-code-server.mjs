// Runs the extension-host mocha suite inside a real VS Code: code-server driven by headless Chromium.
// Prints a final "N passed, N failed" line; exits non-zero on failure.
import { mkdtempSync, readFileSync, rmSync, cpSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCodeServer, launchChromium, repoRoot, startCodeServer, writeUserSettings } from '../../client/tools/code-server.mjs';

const suiteIndex = path.join(repoRoot, 'out/test/vscode/suite/index.js');
if (!existsSync(suiteIndex) || !existsSync(path.join(repoRoot, 'dist/extension.js'))) {
  console.error('build first: npm run compile && npm run build');
  process.exit(2);
}

const cs = ensureCodeServer();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-vscode-'));
const ws = path.join(tmp, 'workspace');
cpSync(path.join(repoRoot, 'examples'), ws, { recursive: true });
const userDataDir = path.join(tmp, 'user-data');
const extensionsDir = path.join(tmp, 'extensions');
const summaryFile = path.join(tmp, 'summary.json');
writeUserSettings(userDataDir);
process.env.EGRESS_LENS_TEST_SUMMARY = summaryFile;

const server = await startCodeServer(cs, { folder: ws, userDataDir, extensionsDir, extraArgs: ['--vscode-option', 'enable-smoke-test-driver'] });
const browser = await launchChromium();
let code = 1;
try {
  const page = await browser.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => resolve(c)));
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repoRoot)],
    ['extensionTestsPath', remote(suiteIndex)],
  ];
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 240_000).unref());
  const result = await Promise.race([exited, timeout]);
  if (result === 'timeout') {
    console.error('the suite did not finish in 240 s; browser console:\n' + logs.slice(-40).join('\n'));
    code = 1;
  } else code = Number(result);
} finally {
  await browser.close();
  await server.stop();
}

let summary = { passed: 0, failed: 1, failures: [{ title: 'suite', error: 'no summary written' }] };
if (existsSync(summaryFile)) summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
for (const f of summary.failures ?? []) console.error(`FAILED: ${f.title}\n${f.error}\n`);
if (code !== 0 && summary.failed === 0) summary.failed = 1;
rmSync(tmp, { recursive: true, force: true });
console.log(`vscode suite: ${summary.passed} passed, ${summary.failed} failed`);
process.exit(code === 0 && summary.failed === 0 ? 0 : 1);
