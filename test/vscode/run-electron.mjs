// The same suite in a downloaded VS Code (Electron), for machines with internet access.
// CI here has no internet: it runs run-code-server.mjs instead.
import { mkdtempSync, cpSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../../client/tools/code-server.mjs';

const ws = path.join(mkdtempSync(path.join(os.tmpdir(), 'egress-lens-electron-')), 'workspace');
cpSync(path.join(repoRoot, 'examples'), ws, { recursive: true });
try {
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out/test/vscode/suite/index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error(e);
  process.exit(1);
}
