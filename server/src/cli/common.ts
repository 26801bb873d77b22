/**
 * What every command shares: the arguments, the errors that end a run with exit code 2, the files named on
 * the command line and the settings that apply to them.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CONFIG_FILE, defaultConfig, readConfigFile, type EngineConfig, type SourceFile } from '../engine';
import { findManifests, isManifestPath, MAX_CONFIG_BYTES, pathToUri, readLimit, readManifest, readRegularFile, uriToPath, whyNotRead } from '../host/files';

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

/**
 * `--name value`, `--name=value`, flags (`flags`: options without a value, set to "true"), and positional
 * paths; unknown options are usage errors.
 */
export function parseArgs(args: string[], valued: Record<string, readonly string[] | null>, flags: readonly string[] = []): Parsed {
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
    if (flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, 'true');
      continue;
    }
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

/**
 * The files named on the command line, directories expanded, each read once (a file reached by two paths,
 * through a symbolic link or written twice, is the same file). A missing path is an I/O error; a file that
 * cannot be read is kept, empty, with the reason (EL004 reports it), and the rest is still checked.
 */
export async function collect(paths: string[], cwd: string, maxFileSize: number = defaultMaxFileSize): Promise<SourceFile[]> {
  const files: string[] = [];
  const out: SourceFile[] = [];
  // A folder that cannot be listed may hide manifests: it is reported like a file that cannot be read.
  const folder = (dir: string, reason: string) => out.push({ uri: pathToUri(dir), text: '', unreadable: reason });
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = await fs.stat(abs);
    } catch {
      throw new IoError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) files.push(...(await findManifests(abs, undefined, folder)));
    else files.push(abs);
  }
  const seen = new Set<string>();
  for (const f of files) {
    const real = await fs.realpath(f).catch(() => f);
    if (seen.has(real)) continue;
    seen.add(real);
    // A file named on the command line is read whatever its name; found in a folder, a JSON file must be Kubernetes.
    const r = isManifestPath(f) ? await readManifest(f, readLimit(maxFileSize)) : await readRegularFile(f, readLimit(maxFileSize));
    if (r === undefined) continue;
    out.push({ uri: pathToUri(f), text: '', ...r });
  }
  return out;
}

export class IoError extends Error {}

const defaultMaxFileSize = defaultConfig.maxFileSize;

export function displayPath(uri: string, cwd: string): string {
  const p = uriToPath(uri) ?? uri;
  return path.relative(cwd, p).split(path.sep).join('/') || p;
}

export interface Loaded {
  sources: SourceFile[];
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
  if (!configPath) return { sources: readable(await collect(paths, io.cwd, defaultMaxFileSize), io.cwd), config: { rootUri: pathToUri(io.cwd).replace(/\/?$/, '/') } };
  const read = await readRegularFile(configPath, MAX_CONFIG_BYTES);
  const shown = path.relative(io.cwd, configPath) || configPath;
  // A settings file named with --config must be read; one found on the way up is reported, and the defaults apply.
  if (!read || (!('text' in read) && options.has('config'))) throw new IoError(`${shown}: ${read ? whyNotRead(read, MAX_CONFIG_BYTES) : 'no such configuration file'}`);
  const uri = pathToUri(configPath);
  const text = 'text' in read ? read.text : '';
  const { config, problems } = 'text' in read ? readConfigFile(uri, text) : { config: {}, problems: [{ uri, span: { start: 0, end: 0 }, message: `Configuration not applied: ${whyNotRead(read, MAX_CONFIG_BYTES)}.` }] };
  const sources = await collect(paths, io.cwd, config.maxFileSize ?? defaultMaxFileSize);
  // The settings file is analysed too, so that its problems can be shown in place.
  if (!sources.some((s) => s.uri === uri)) sources.push({ uri, text });
  return { sources: readable(sources, io.cwd), config: { ...config, configProblems: problems, rootUri: pathToUri(path.dirname(configPath)).replace(/\/?$/, '/') } };
}

/** The sources, when at least one of them could be read (or there are none): otherwise there is nothing to check. */
export function readable(sources: SourceFile[], cwd: string): SourceFile[] {
  // (A file too large to read was skipped by the size limit, as the engine skips one it has read: not an error.)
  if (sources.length > 0 && sources.every((s) => s.unreadable !== undefined)) {
    throw new IoError(`nothing could be read: ${sources.map((s) => `${displayPath(s.uri, cwd)}: ${s.unreadable}`).join('; ')}`);
  }
  return sources;
}
