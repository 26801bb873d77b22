import { Document } from 'yaml';
import type { YamlStyle } from './style';

/** Plain data to YAML text in the file's style, built with the yaml Document API. */
export function renderYaml(value: unknown, style: YamlStyle, comment?: string): string {
  const doc = new Document(value);
  if (comment) doc.commentBefore = ' ' + comment;
  const text = doc.toString({ indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0 });
  return style.eol === '\n' ? text : text.replace(/\n/g, style.eol);
}
