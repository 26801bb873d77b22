import type { EngineConfig } from '../config';
import type { Resource } from '../model/resources';
import type { ParsedFile } from '../parse/parse';
import type { TextEdit } from '../types';
import { insertDocumentAfter } from './edits';
import { renderYaml } from './render';
import { detectStyle } from './style';

/**
 * Add a new resource for a finding about `near`: as a new document right after it, or, when the settings
 * say so, in a new file beside it (named after the resource).
 */
export function addResource(file: ParsedFile, near: Resource, value: Record<string, unknown>, config: EngineConfig): TextEdit {
  const style = detectStyle(file.text);
  const text = renderYaml(value, style);
  if (config.insertNewResources === 'newFile') {
    const meta = value.metadata as { name?: string; namespace?: string } | undefined;
    const base = [meta?.namespace, meta?.name].filter(Boolean).join('-') || 'policy';
    const dir = file.uri.slice(0, file.uri.lastIndexOf('/') + 1);
    return { uri: `${dir}${base}.yaml`, start: 0, end: 0, newText: text, create: true };
  }
  return insertDocumentAfter(file, near.doc, text);
}
