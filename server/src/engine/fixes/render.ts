import { Document, Scalar } from 'yaml';

/** Keys with a colon (`k8s:app`) are written quoted, as the projects that use them document them. */
function quoteColonKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(quoteColonKeys);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.some(([k]) => k.includes(':'))) return Object.fromEntries(entries.map(([k, x]) => [k, quoteColonKeys(x)]));
    return new Map(entries.map(([k, x]) => [k.includes(':') ? Object.assign(new Scalar(k), { type: Scalar.QUOTE_DOUBLE }) : k, quoteColonKeys(x)]));
  }
  return v;
}
import type { YamlStyle } from './style';

/** Plain data to YAML text in the file's style, built with the yaml Document API. */
export function renderYaml(value: unknown, style: YamlStyle, comment?: string): string {
  const doc = new Document(quoteColonKeys(value));
  if (comment) doc.commentBefore = ' ' + comment;
  const text = doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0 });
  return style.eol === '\n' ? text : text.replace(/\n/g, style.eol);
}
