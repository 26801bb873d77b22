/**
 * Kubernetes label selectors (metav1.LabelSelector), exactly:
 * matchLabels AND every matchExpression; an empty selector matches everything.
 */
export type Labels = Readonly<Record<string, string>>;

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export interface LabelSelector {
  /** All requirements, matchLabels included as `In [value]`. */
  requirements: SelectorRequirement[];
  /** Problems found while reading the selector (unknown operator...). */
  invalid?: string;
}

export const matchAll: LabelSelector = { requirements: [] };
/** A selector that matches nothing, used for invalid input (the API server would reject it). */
export const matchNone: LabelSelector = { requirements: [], invalid: 'invalid selector' };

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read a selector from plain data. `null`/`{}` match all. */
export function readSelector(raw: unknown): LabelSelector {
  if (raw === null || raw === undefined) return matchAll;
  if (!isRecord(raw)) return matchNone;
  const requirements: SelectorRequirement[] = [];
  const ml = raw.matchLabels;
  if (isRecord(ml)) {
    for (const [key, value] of Object.entries(ml)) {
      requirements.push({ key, operator: 'In', values: [scalarString(value)] });
    }
  } else if (ml !== undefined && ml !== null) return { requirements: [], invalid: 'matchLabels must be a map' };
  const me = raw.matchExpressions;
  if (Array.isArray(me)) {
    for (const e of me) {
      if (!isRecord(e) || typeof e.key !== 'string' || !OPERATORS.has(String(e.operator))) {
        return { requirements: [], invalid: 'a matchExpression has no key or an unknown operator' };
      }
      const values = Array.isArray(e.values) ? e.values.map(scalarString) : [];
      requirements.push({ key: e.key, operator: e.operator as SelectorOperator, values });
    }
  } else if (me !== undefined && me !== null) return { requirements: [], invalid: 'matchExpressions must be a list' };
  return { requirements };
}

function scalarString(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

export function isMatchAll(s: LabelSelector): boolean {
  return !s.invalid && s.requirements.length === 0;
}

export function matches(s: LabelSelector, labels: Labels): boolean {
  if (s.invalid) return false;
  for (const r of s.requirements) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(labels[r.key])) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(labels[r.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** `app=foo,tier in (a,b)` — the kubectl rendering, for messages. */
export function describeSelector(s: LabelSelector): string {
  if (s.invalid) return '<invalid>';
  if (s.requirements.length === 0) return '<all>';
  return s.requirements
    .map((r) => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
      }
    })
    .join(',');
}
