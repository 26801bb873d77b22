import { calicoLine, isCalicoObject } from './calico';
import { isRecord, type LineResult } from './flow';
import { PLAIN_BYTE_OPS, type ByteOps } from './bytes';
import { HubbleReader } from './hubble';
import { VpcReader, type PodAddressMap } from './vpc';

export type FlowFormat = 'hubble' | 'calico' | 'vpc';

export const FORMAT_NAMES: Record<FlowFormat, string> = { hubble: 'Hubble flows', calico: 'Calico flow logs', vpc: 'AWS VPC flow logs (version 2)' };

/** The format of one line, or undefined when it is none of them. */
function formatOfLine(line: string): FlowFormat | undefined {
  const t = line.trim();
  if (/^version\s+account-id\s+interface-id\b/.test(t) || /^2\s+\S+\s+\S+\s+[0-9a-f.:-]+\s+[0-9a-f.:-]+\s/i.test(t)) return 'vpc';
  if (!t.startsWith('{')) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!isRecord(o)) return undefined;
  if (isCalicoObject(o)) return 'calico';
  const f = isRecord(o.flow) ? o.flow : o;
  if ('verdict' in f && ('l4' in f || 'source' in f || 'IP' in f)) return 'hubble';
  return undefined;
}

/**
 * The format of a file from its first lines: the first line that is one of them decides. Undefined when none
 * of the lines given is a flow of any format (the file is no flow log).
 */
export function detectFormat(lines: readonly string[]): FlowFormat | undefined {
  for (const l of lines) {
    if (l.trim() === '') continue;
    const f = formatOfLine(l);
    if (f) return f;
  }
  return undefined;
}

/**
 * A reader of one format's lines, given as text or as their UTF-8 bytes (Hubble's are read on the bytes;
 * the reader keeps none of them, so a caller may reuse its buffer).
 */
export function lineReader(format: FlowFormat, pods?: PodAddressMap, ops: ByteOps = PLAIN_BYTE_OPS): (line: string | Uint8Array) => LineResult {
  const text = (l: string | Uint8Array): string => (typeof l === 'string' ? l : ops.text(l, 0, l.length));
  switch (format) {
    case 'hubble': {
      const r = new HubbleReader(ops);
      return (l) => r.read(l);
    }
    case 'calico':
      return (l) => calicoLine(text(l));
    case 'vpc': {
      const r = new VpcReader(pods ?? new Map());
      return (l) => r.read(text(l));
    }
  }
}
