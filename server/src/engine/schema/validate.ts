import type { ErrorObject } from 'ajv';
import type { Resource } from '../model/resources';
import type { YamlPath } from '../parse/locate';
// The schemas of schemas/kubernetes.json, compiled ahead of time (server/tools/validators.mjs).
import { validators } from './validators.generated';

/** One schema violation, located by a path inside the resource. */
export interface SchemaViolation {
  path: YamlPath;
  /** Point at the key (unknown fields, missing fields) rather than the value. */
  atKey: boolean;
  message: string;
  /** What to write at the span instead, when the message knows it (a misspelt field's name, a number in quotes). */
  replacement?: string;
}

/** A compiled schema: true when the data conforms; otherwise `errors` says where and why. */
type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const byKind = validators as unknown as Record<string, Validator | undefined>;

function validatorFor(apiVersion: string, kind: string): Validator | undefined {
  const key = `${apiVersion}/${kind}`;
  return Object.prototype.hasOwnProperty.call(byKind, key) ? byKind[key] : undefined;
}

/** Whether a schema ships for this apiVersion and kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return validatorFor(apiVersion, kind) !== undefined;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function renderPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(document)';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  return `a ${typeof v}`;
}

function expectedTypes(errs: ErrorObject[]): string {
  const types = new Set<string>();
  for (const e of errs) {
    const t = (e.params as { type?: string | string[] }).type;
    for (const x of Array.isArray(t) ? t : [t]) if (x && x !== 'null') types.add(x === 'object' ? 'a map' : x === 'array' ? 'a list' : x === 'integer' ? 'an integer' : `a ${x}`);
  }
  return [...types].join(' or ');
}

export function distance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The known name an unknown one is a slip of: the closest, when close enough. */
export function closest(unknown: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(unknown, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best && bestD <= Math.max(1, Math.floor(unknown.length / 3)) ? best : undefined;
}

export function suggestion(unknown: string, known: string[]): string {
  const best = closest(unknown, known);
  if (best) return ` Did you mean "${best}"?`;
  return known.length > 0 && known.length <= 8 ? ` Known fields: ${known.join(', ')}.` : '';
}

/** A number written as a string ("443"): the number, to write without quotes. */
function quotedNumber(data: unknown): string | undefined {
  return typeof data === 'string' && /^[1-9]\d{0,4}$/.test(data) ? data : undefined;
}

const MAX_VIOLATIONS = 50;

/** Validate a resource against its JSON Schema; undefined when no schema ships for its kind. */
export function validateResource(r: Resource): SchemaViolation[] | undefined {
  const fn = validatorFor(r.apiVersion, r.kind);
  if (!fn) return undefined;
  if (fn(r.obj)) return [];
  const errors = fn.errors ?? [];
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: SchemaViolation[] = [];
  // A misspelt field is reported once, as unknown with a suggestion, not also as missing.
  const misspelt = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys(((e.parentSchema as { properties?: object }) ?? {}).properties ?? {});
    for (const k of known) if (k.toLowerCase() === field.toLowerCase() || distance(field, k) <= 2) misspelt.add(`${e.instancePath}/${k}`);
  }
  for (const [pointer, errs] of byPath) {
    const path = pointerToPath(pointer);
    const where = renderPath(pointerToPath(pointer));
    const specific = errs.filter((e) => e.keyword !== 'type');
    if (specific.length === 0) {
      const digits = errs.some((e) => e.keyword === 'type' && [(e.params as { type?: unknown }).type].flat().join(',').split(',').includes('integer')) ? quotedNumber(errs[0].data) : undefined;
      out.push({ path, atKey: false, message: `${where} must be ${expectedTypes(errs)}, not ${typeName(errs[0].data)}.`, ...(digits ? { replacement: digits } : {}) });
      continue;
    }
    for (const e of specific) {
      if (e.keyword === 'required' && misspelt.has(`${pointer}/${String((e.params as { missingProperty: string }).missingProperty)}`)) continue;
      out.push(describe(e, path, where));
      if (out.length >= MAX_VIOLATIONS) return out;
    }
  }
  return out;
}

function describe(e: ErrorObject, path: (string | number)[], where: string): SchemaViolation {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object }) ?? {}).properties ?? {});
      const inWhere = path.length > 0 && where !== '(document)' ? ` in ${where}` : '';
      const best = closest(field, known);
      // A rename onto a field the object already has would make a duplicate key: no replacement then.
      const free = best !== undefined && !(typeof e.data === 'object' && e.data !== null && best in e.data);
      return { path: [...path, field], atKey: true, message: `Unknown field "${field}"${inWhere}.${suggestion(field, known)}`, ...(free ? { replacement: best } : {}) };
    }
    case 'required':
      return { path, atKey: true, message: `Missing required field "${String(p.missingProperty)}" in ${where}.` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).filter((v) => v !== null).map(String);
      return { path, atKey: false, message: `${where} must be one of ${allowed.join(', ')}, not ${JSON.stringify(e.data)}.` };
    }
    case 'pattern':
      if (/(^|\.)(port|targetPort)$/.test(where) || /\.port$/.test(where)) {
        return {
          path,
          atKey: false,
          message: `${JSON.stringify(e.data)} is not a valid port: use a number (without quotes) or a port name of 1-15 lowercase letters, digits and dashes with at least one letter.`,
          ...(quotedNumber(e.data) ? { replacement: quotedNumber(e.data) } : {}),
        };
      }
      return { path, atKey: false, message: `${where} ${JSON.stringify(e.data)} does not match the pattern ${String(p.pattern)}.` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, atKey: false, message: `${where} ${e.message ?? 'is out of range'} (got ${JSON.stringify(e.data)}).` };
    default:
      return { path, atKey: false, message: `${where} ${e.message ?? 'is invalid'}.` };
  }
}
