// npm start: build, package the extension, install it into code-server (a real VS Code in the browser)
// and open the examples/ workspace on http://127.0.0.1:PORT. Ctrl+C stops it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { cacheDir, ensureCodeServer, freePort, installExtension, repoRoot, startCodeServer, writeUserSettings } from './code-server.mjs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(path.join(repoRoot, 'node_modules/.package-lock.json'))) run('npm', ['ci', '--no-audit', '--no-fund']);
run('npm', ['run', '-s', 'package']);

const cs = ensureCodeServer();
const home = path.join(cacheDir, 'start');
const userDataDir = path.join(home, 'user-data');
const extensionsDir = path.join(home, 'extensions');
mkdirSync(home, { recursive: true });
writeUserSettings(userDataDir);
installExtension(cs, path.join(repoRoot, 'dist/egress-lens.vsix'), extensionsDir, userDataDir);

const wanted = Number(process.env.EGRESS_LENS_PORT ?? 8080);
const port = await freePort().then((p) => (wanted ? wanted : p));
const folder = path.join(repoRoot, 'examples');
let server;
try {
  server = await startCodeServer(cs, { folder, userDataDir, extensionsDir, port, quiet: true });
} catch {
  server = await startCodeServer(cs, { folder, userDataDir, extensionsDir, quiet: true });
}
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
console.log(`\nEgress Lens is running in VS Code (code-server) on the examples workspace:\n\n  ${url}\n`);
console.log('Open shop/foo-deny-egress.yaml to see the diagnostics and quick fixes. Press Ctrl+C to stop.');
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
