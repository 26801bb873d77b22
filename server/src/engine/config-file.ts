import Ajv, { type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import schema from '../../../schemas/egress-lens-config.json';
import { keySpan, valueSpan } from './parse/locate';
import type { EngineConfig } from './config';
import type { Span } from './types';
import { suggestion } from './schema/validate';
import { checkExclude } from './exclude';

/** The name of the configuration file at the root of a workspace. */
export const CONFIG_FILE = '.egress-lens.yaml';

export interface ConfigProblem {
  uri: string;
  span: Span;
  message: string;
}

export interface ConfigFileResult {
  config: Partial<EngineConfig>;
  problems: ConfigProblem[];
}

let validate: ValidateFunction | undefined;

/** Read `.egress-lens.yaml`: only valid keys are taken; every problem is reported at its spot. */
export function readConfigFile(uri: string, text: string): ConfigFileResult {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const problems: ConfigProblem[] = doc.errors.map((e) => ({ uri, span: { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }, message: e.message }));
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    problems.push({ uri, span: { start: 0, end: Math.min(1, text.length) }, message: `The configuration could not be read: ${(e as Error).message}` });
    return { config: {}, problems };
  }
  const checked = checkConfig(value, (path, atKey) => (atKey ? keySpan(doc, path) : valueSpan(doc, path)) ?? { start: 0, end: 0 });
  return { config: checked.config, problems: [...problems, ...checked.problems.map((p) => ({ uri, span: p.span, message: p.message }))] };
}

/**
 * Validate settings (from the file, or from an editor) against the configuration schema: the valid
 * top-level keys are taken, and each problem is located with `spanOf`.
 */
export function checkConfig(value: unknown, spanOf: (path: (string | number)[], atKey: boolean) => Span = () => ({ start: 0, end: 0 })): { config: Partial<EngineConfig>; problems: { span: Span; message: string }[] } {
  const problems: { span: Span; message: string }[] = [];
  if (value === null || value === undefined) return { config: {}, problems };
  validate ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  const bad = new Set<string>();
  if (!validate(value)) {
    for (const e of validate.errors ?? []) {
      // A bad key under `rules` comes as a pattern error plus a propertyNames error: report it once, on the key.
      if (e.schemaPath.includes('/propertyNames/')) continue;
      const path = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      if (e.keyword === 'propertyNames') {
        const name = String((e.params as { propertyName: string }).propertyName);
        bad.add(String(path[0] ?? ''));
        problems.push({ span: spanOf([...path, name], true), message: `Configuration: "${name}" is not a rule id (EL and three digits, e.g. EL104).` });
        continue;
      }
      const key = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty: string }).additionalProperty) : undefined;
      const full = key ? [...path, key] : path;
      bad.add(String(full[0] ?? ''));
      const where = full.join('.') || '(file)';
      const message =
        e.keyword === 'additionalProperties'
          ? `Unknown setting "${where}".${suggestion(key!, Object.keys(((e.parentSchema as { properties?: object }) ?? {}).properties ?? {}))}`
          : e.keyword === 'enum'
            ? `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}.`
            : `${where} ${e.message ?? 'is invalid'}.`;
      problems.push({ span: spanOf(full, key !== undefined), message: `Configuration: ${message}` });
    }
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || Array.isArray(v)) return { config: {}, problems };
  const config: Partial<EngineConfig> = {};
  const take = <K extends keyof EngineConfig>(k: K) => {
    if (v[k] !== undefined && v[k] !== null && !bad.has(k)) (config as Record<string, unknown>)[k] = v[k];
  };
  for (const k of ['cni', 'clusterCidrs', 'serviceCidrs', 'defaultNamespace', 'assumeCompleteWorkspace', 'exclude', 'insertNewResources', 'maxFileSize', 'dns', 'istio', 'rules', 'helm', 'clusters'] as const) take(k);
  // A glob that is broken, or that would make matching costly, is refused at its place; the others apply.
  if (config.exclude) {
    const checked = checkExclude(config.exclude);
    for (const p of checked.problems) problems.push({ span: spanOf(['exclude', p.index], false), message: `Configuration: exclude.${p.index}: ${p.message}` });
    config.exclude = checked.valid;
  }
  return { config, problems };
}

/** Merge settings: later layers win, and only where they say something. */
export function mergeConfig(...layers: (Partial<EngineConfig> | undefined)[]): Partial<EngineConfig> {
  const out: Partial<EngineConfig> = {};
  for (const l of layers) {
    if (!l) continue;
    for (const [k, val] of Object.entries(l)) {
      if (val === undefined || val === null) continue;
      if (k === 'rules' || k === 'dns' || k === 'istio') {
        (out as Record<string, unknown>)[k] = { ...((out as Record<string, unknown>)[k] as object), ...(val as object) };
      } else (out as Record<string, unknown>)[k] = val;
    }
  }
  return out;
}
