/**
 * What every command shares: the arguments, the errors that end a run with exit code 2, the files named on
 * the command line and the settings that apply to them.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CONFIG_FILE, readConfigFile, type EngineConfig } from '../engine';
import { findManifests, isManifestPath, pathToUri, readManifest, uriToPath } from '../host/files';

export class UsageError extends Error {}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
}

export interface Parsed {
  paths: string[];
  options: Map<string, string>;
}

/** `--name value`, `--name=value`, flags, and positional paths; unknown options are usage errors. */
export function parseArgs(args: string[], valued: Record<string, readonly string[] | null>): Parsed {
  const options = new Map<string, string>();
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') {
      if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option "${a}"`);
      paths.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in valued)) throw new UsageError(`unknown option "--${name}"`);
    let value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const allowed = valued[name];
    if (allowed && !allowed.includes(value)) throw new UsageError(`unknown value "${value}" for --${name} (expected ${allowed.join(', ')})`);
    value = String(value);
    options.set(name, value);
  }
  if (paths.length === 0) paths.push('.');
  return { paths, options };
}

/** The files named on the command line, directories expanded. Throws an I/O error message for missing paths. */
export async function collect(paths: string[], cwd: string): Promise<{ uri: string; text: string }[]> {
  const files: string[] = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = await fs.stat(abs);
    } catch {
      throw new IoError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) files.push(...(await findManifests(abs)));
    else files.push(abs);
  }
  const out = [];
  for (const f of [...new Set(files)]) {
    const explicit = !isManifestPath(f);
    let text: string | undefined;
    try {
      text = explicit ? await fs.readFile(f, 'utf8') : await readManifest(f);
    } catch (e) {
      throw new IoError(`${path.relative(cwd, f) || f}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (text === undefined) {
      // readManifest returns undefined for unreadable files and for JSON that is not Kubernetes.
      try {
        await fs.access(f, 4);
      } catch (e) {
        throw new IoError(`${path.relative(cwd, f) || f}: cannot read file (${(e as NodeJS.ErrnoException).code ?? 'EACCES'})`);
      }
      continue;
    }
    out.push({ uri: pathToUri(f), text });
  }
  return out;
}

export class IoError extends Error {}

export function displayPath(uri: string, cwd: string): string {
  const p = uriToPath(uri) ?? uri;
  return path.relative(cwd, p).split(path.sep).join('/') || p;
}

export interface Loaded {
  sources: { uri: string; text: string }[];
  config: Partial<EngineConfig>;
}

/**
 * The files to analyse and the settings: `--config FILE`, or the nearest .egress-lens.yaml above the
 * first path (or the working directory). Exclude globs are relative to the settings file's folder.
 */
export async function load(paths: string[], options: Map<string, string>, io: Io): Promise<Loaded> {
  let configPath = options.get('config');
  if (configPath !== undefined) {
    configPath = path.resolve(io.cwd, configPath);
    try {
      await fs.access(configPath);
    } catch {
      throw new IoError(`${options.get('config')}: no such configuration file`);
    }
  } else {
    const first = path.resolve(io.cwd, paths[0]);
    let dir = (await fs.stat(first).catch(() => undefined))?.isDirectory() ? first : path.dirname(first);
    for (;;) {
      const candidate = path.join(dir, CONFIG_FILE);
      if (await fs.access(candidate).then(() => true, () => false)) {
        configPath = candidate;
        break;
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  const sources = await collect(paths, io.cwd);
  if (!configPath) return { sources, config: { rootUri: pathToUri(io.cwd).replace(/\/?$/, '/') } };
  let text: string;
  try {
    text = await fs.readFile(configPath, 'utf8');
  } catch (e) {
    throw new IoError(`${path.relative(io.cwd, configPath) || configPath}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const uri = pathToUri(configPath);
  const { config, problems } = readConfigFile(uri, text);
  // The settings file is analysed too, so that its problems can be shown in place.
  if (!sources.some((s) => s.uri === uri)) sources.push({ uri, text });
  return { sources, config: { ...config, configProblems: problems, rootUri: pathToUri(path.dirname(configPath)).replace(/\/?$/, '/') } };
}

