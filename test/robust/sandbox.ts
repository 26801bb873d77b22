/**
 * A preload (`node --require out/test/robust/sandbox.js`) that takes the network, programs, disk writes
 * and module loading away from the process it is loaded into, and records every attempt, one JSON line
 * each, in the file named by EGRESS_LENS_SANDBOX_LOG. Each attempt also fails, as it would without a
 * network: the program under test sees an error, never a success.
 *
 * Recorded kinds: net (sockets, TLS, HTTP, HTTP/2, UDP, fetch, WebSocket), dns, process (child_process,
 * worker threads), write (any file created, written, moved or removed), module (a module loaded from a
 * file other than the entry point, or a native addon).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import Module = require('node:module');
import type * as FsModule from 'node:fs';

const fs = require('node:fs') as typeof FsModule;
// The log is written with the functions taken before they are replaced (they call no replaced function).
const logFile = process.env.EGRESS_LENS_SANDBOX_LOG;
const logFd = logFile ? fs.openSync(logFile, 'a') : undefined;
const writeSync = fs.writeSync;
const entry = process.argv[1];

export interface Attempt {
  kind: 'net' | 'dns' | 'process' | 'write' | 'module';
  what: string;
  detail?: string;
}

function record(a: Attempt): void {
  if (logFd !== undefined) writeSync(logFd, JSON.stringify({ ...a, pid: process.pid }) + '\n');
}

function blocked(kind: Attempt['kind'], what: string, detail?: unknown): Error {
  record({ kind, what, detail: detail === undefined ? undefined : String(detail).slice(0, 200) });
  const e = new Error(`${what}: not allowed in this sandbox`) as NodeJS.ErrnoException;
  e.code = kind === 'net' || kind === 'dns' ? 'ENETUNREACH' : 'EACCES';
  return e;
}

/** Replace functions of a module object with ones that record the attempt and throw. */
function deny(target: object, names: string[], kind: Attempt['kind'], prefix: string, allow?: (args: unknown[]) => boolean): void {
  const t = target as Record<string, unknown>;
  for (const name of names) {
    const original = t[name];
    if (typeof original !== 'function') continue;
    t[name] = function (this: unknown, ...args: unknown[]) {
      if (allow?.(args)) return (original as (...a: unknown[]) => unknown).apply(this, args);
      throw blocked(kind, `${prefix}.${name}`, typeof args[0] === 'string' || typeof args[0] === 'number' ? args[0] : JSON.stringify(args[0] ?? null));
    };
  }
}

const net = require('node:net');
deny(net, ['connect', 'createConnection'], 'net', 'net');
deny(net.Socket.prototype, ['connect'], 'net', 'net.Socket');
deny(require('node:tls'), ['connect'], 'net', 'tls');
deny(require('node:http'), ['request', 'get'], 'net', 'http');
deny(require('node:https'), ['request', 'get'], 'net', 'https');
deny(require('node:http2'), ['connect'], 'net', 'http2');
deny(require('node:dgram'), ['createSocket'], 'net', 'dgram');
const dns = require('node:dns');
const lookups = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveSrv', 'resolveTxt', 'reverse'];
deny(dns, lookups, 'dns', 'dns');
deny(dns.promises, lookups, 'dns', 'dns.promises');
for (const name of ['fetch', 'WebSocket', 'EventSource']) {
  const g = globalThis as Record<string, unknown>;
  if (typeof g[name] === 'function') {
    g[name] = function () {
      throw blocked('net', name);
    };
  }
}

deny(require('node:child_process'), ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], 'process', 'child_process');
deny(require('node:worker_threads'), ['Worker'], 'process', 'worker_threads');

const WRITE_FLAGS = /[wa+]/;
const writes = [
  'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'createWriteStream', 'mkdir', 'mkdirSync', 'mkdtemp', 'mkdtempSync',
  'rename', 'renameSync', 'unlink', 'unlinkSync', 'rm', 'rmSync', 'rmdir', 'rmdirSync', 'copyFile', 'copyFileSync', 'cp', 'cpSync',
  'symlink', 'symlinkSync', 'link', 'linkSync', 'truncate', 'truncateSync', 'chmod', 'chmodSync', 'chown', 'chownSync', 'utimes', 'utimesSync',
];
deny(fs, writes, 'write', 'fs');
deny(fs.promises, writes, 'write', 'fs.promises');
// Opening a file is fine for reading; a write flag is a write.
// Numeric flags (O_RDONLY | O_NONBLOCK, as files are opened without blocking) are a read unless a write bit is set.
const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
const WRITE_BITS = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND;
const readOnly = (args: unknown[]) => args[1] === undefined || typeof args[1] === 'function' || (typeof args[1] === 'string' && !WRITE_FLAGS.test(args[1])) || (typeof args[1] === 'number' && (args[1] & WRITE_BITS) === 0);
deny(fs, ['open', 'openSync'], 'write', 'fs', readOnly);
deny(fs.promises, ['open'], 'write', 'fs.promises', readOnly);

// Modules: the entry point and Node's own modules only (the bundles are self-contained).
const M = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown; builtinModules: string[] };
const load = M._load;
M._load = function (request: string, parent: unknown, isMain: boolean) {
  const builtin = request.startsWith('node:') || M.builtinModules.includes(request) || M.builtinModules.includes(request.split('/')[0]);
  if (!isMain && !builtin && request !== entry) throw blocked('module', `require(${JSON.stringify(request)})`);
  return load.call(this, request, parent, isMain);
};
const dlopen = process.dlopen;
process.dlopen = function (...args: Parameters<typeof process.dlopen>) {
  record({ kind: 'module', what: 'process.dlopen', detail: String((args[1] as string) ?? '') });
  return dlopen.apply(process, args);
};
