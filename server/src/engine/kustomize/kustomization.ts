import { suggestion } from '../schema/validate';
import type { Finding, Severity } from '../types';

/** A finding of rendering, named by its rule id alone (the rule's name is the catalogue's: `withRuleNames`). */
export type RenderProblem = Omit<Finding, 'ruleName'>;
import type { Origin, RMap, RNode } from './tree';

/**
 * What a kustomization may hold (Kustomize v5), and the checks of its shape: an unknown field or a value of
 * the wrong kind is a finding at the exact key or value (EL002, like a schema violation), and the entry is
 * left out; the rest of the kustomization still renders.
 */

type Shape = 'string' | 'strings' | 'stringMap' | 'list' | 'map' | 'bool' | 'int' | 'any';

/** The fields the renderer builds. */
const RENDERED: Record<string, Shape> = {
  apiVersion: 'string',
  kind: 'string',
  metadata: 'map',
  resources: 'strings',
  bases: 'strings',
  components: 'strings',
  namespace: 'string',
  namePrefix: 'string',
  nameSuffix: 'string',
  commonLabels: 'stringMap',
  labels: 'list',
  commonAnnotations: 'stringMap',
  patches: 'list',
  patchesStrategicMerge: 'strings',
  patchesJson6902: 'list',
  images: 'list',
  replicas: 'list',
  configMapGenerator: 'list',
  secretGenerator: 'list',
  generatorOptions: 'map',
  sortOptions: 'map',
};

/** Fields Kustomize knows that the renderer does not build: each is reported once, at its key, and skipped. */
export const NOT_RENDERED: Record<string, string> = {
  helmCharts: 'Helm charts are not inflated by the Kustomize renderer',
  helmGlobals: 'Helm charts are not inflated by the Kustomize renderer',
  helmChartInflationGenerator: 'Helm charts are not inflated by the Kustomize renderer',
  generators: 'generator plugins are not run',
  transformers: 'transformer plugins are not run',
  validators: 'validator plugins are not run',
  replacements: 'replacements are not applied',
  vars: 'vars are not substituted',
  configurations: 'custom transformer configurations are not read',
  crds: 'CRD field specs are not read',
  openapi: 'custom OpenAPI schemas are not read',
  buildMetadata: 'build metadata is not added',
  imageTags: 'the legacy imageTags field is not applied (use images)',
};

const ENTRY_FIELDS: Record<string, Record<string, Shape>> = {
  labels: { pairs: 'stringMap', includeSelectors: 'bool', includeTemplates: 'bool', fields: 'list' },
  patches: { path: 'string', patch: 'string', target: 'map', options: 'map' },
  patchesJson6902: { path: 'string', patch: 'string', target: 'map' },
  images: { name: 'string', newName: 'string', newTag: 'string', digest: 'string', tagSuffix: 'string' },
  replicas: { name: 'string', count: 'int' },
  configMapGenerator: { name: 'string', namespace: 'string', behavior: 'string', literals: 'strings', files: 'strings', envs: 'strings', env: 'string', options: 'map' },
  secretGenerator: { name: 'string', namespace: 'string', behavior: 'string', literals: 'strings', files: 'strings', envs: 'strings', env: 'string', options: 'map', type: 'string' },
  'patches.target': { group: 'string', version: 'string', kind: 'string', name: 'string', namespace: 'string', labelSelector: 'string', annotationSelector: 'string' },
  'patches.options': { allowNameChange: 'bool', allowKindChange: 'bool' },
  options: { labels: 'stringMap', annotations: 'stringMap', disableNameSuffixHash: 'bool', immutable: 'bool' },
};

export class Problems {
  readonly findings: RenderProblem[] = [];
  private readonly seen = new Set<string>();

  add(ruleId: 'EL001' | 'EL002' | 'EL004', severity: Severity, at: Origin, message: string, data?: Record<string, unknown>): void {
    const key = `${ruleId}|${at.uri}|${at.span.start}|${at.span.end}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({ ruleId, severity, message, uri: at.uri, span: at.span, ...(data ? { data } : {}) });
  }
}

function shapeOk(n: RNode, shape: Shape): boolean {
  switch (shape) {
    case 'string':
      return n.kind === 'scalar' && n.value !== null && typeof n.value !== 'object';
    case 'strings':
      return n.kind === 'seq' && n.items.every((x) => x.kind === 'scalar' && x.value !== null);
    case 'stringMap':
      return n.kind === 'map' && [...n.items.values()].every((x) => x.kind === 'scalar');
    case 'list':
      return n.kind === 'seq';
    case 'map':
      return n.kind === 'map';
    case 'bool':
      return n.kind === 'scalar' && typeof n.value === 'boolean';
    case 'int':
      return n.kind === 'scalar' && typeof n.value === 'number' && Number.isInteger(n.value);
    default:
      return true;
  }
}

const SHAPE_WORDS: Record<Shape, string> = {
  string: 'a string',
  strings: 'a list of strings',
  stringMap: 'a map of strings',
  list: 'a list',
  map: 'a map',
  bool: 'true or false',
  int: 'an integer',
  any: 'a value',
};

const emptyValue = (n: RNode) => n.kind === 'scalar' && n.value === null;

/** Check a map's keys and value shapes against `fields`; drops what is wrong (reported) and returns the map. */
function checkFields(m: RMap, fields: Record<string, Shape>, where: string, problems: Problems, extra: Record<string, string> = {}): void {
  const known = [...Object.keys(fields), ...Object.keys(extra)];
  for (const [k, v] of [...m.items]) {
    const shape = fields[k];
    if (!shape) {
      if (k in extra) continue;
      problems.add('EL002', 'error', v.key ?? v.at, `Unknown field "${k}" in ${where}: Kustomize rejects it.${suggestion(k, known)}`, { path: k });
      m.items.delete(k);
      continue;
    }
    if (emptyValue(v)) {
      m.items.delete(k);
      continue;
    }
    if (!shapeOk(v, shape)) {
      problems.add('EL002', 'error', v.at, `"${k}" in ${where} must be ${SHAPE_WORDS[shape]}.`, { path: k });
      m.items.delete(k);
    }
  }
}

/** Check the kustomization's top level and its entries, in place. */
export function checkKustomization(root: RMap, problems: Problems): void {
  checkFields(root, RENDERED, 'a kustomization', problems, NOT_RENDERED);
  for (const field of ['labels', 'patches', 'patchesJson6902', 'images', 'replicas', 'configMapGenerator', 'secretGenerator']) {
    const list = root.items.get(field);
    if (list?.kind !== 'seq') continue;
    list.items = list.items.filter((entry) => {
      if (entry.kind !== 'map') {
        problems.add('EL002', 'error', entry.at, `Each entry of "${field}" must be a map.`);
        return false;
      }
      checkFields(entry, ENTRY_FIELDS[field], `a "${field}" entry`, problems);
      for (const sub of ['target', 'options'] as const) {
        const s = entry.items.get(sub);
        if (s?.kind !== 'map') continue;
        const spec = ENTRY_FIELDS[`${field === 'patchesJson6902' ? 'patches' : field}.${sub}`] ?? (sub === 'options' ? ENTRY_FIELDS.options : undefined);
        if (spec) checkFields(s, spec, `"${field}.${sub}"`, problems);
      }
      return true;
    });
  }
  const options = root.items.get('generatorOptions');
  if (options?.kind === 'map') checkFields(options, ENTRY_FIELDS.options, '"generatorOptions"', problems);
}
