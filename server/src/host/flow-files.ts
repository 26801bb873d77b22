/**
 * Reading flow logs from disk: streamed in chunks, line by line, so a log of any length costs memory for its
 * distinct connections only. The format is recognised from the first lines; a file none of whose first lines
 * is a flow of a known format is not a flow log.
 */
import { promises as fs } from 'fs';
import { isAscii } from 'buffer';
import { flows } from '../engine';

const CHUNK = 1 << 20;
/** Lines looked at to recognise the format. */
const SNIFF_LINES = 20;
/** Longer lines are reported as malformed and skipped, not buffered without end. */
export const MAX_LINE = 1 << 20;

export class NotAFlowLog extends Error {}

/**
 * Calls `each` with every line of a file (without its end of line) and its 1-based number. Lines longer than
 * MAX_LINE are passed as undefined (malformed).
 */
export async function forEachLine(file: string, each: (line: string | undefined, n: number) => boolean | void): Promise<void> {
  const h = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK + 4);
    let carried = 0;
    let rest = '';
    let n = 0;
    let overlong = false;
    for (;;) {
      const { bytesRead } = await h.read(buf, carried, CHUNK, null);
      const total = carried + bytesRead;
      // Up to the last whole UTF-8 character; the bytes of a character cut by the chunk go with the next.
      const cut = bytesRead === 0 ? total : utf8Boundary(buf, total);
      const bytes = buf.subarray(0, cut);
      // ASCII (most flow logs) decodes as Latin-1, several times faster than UTF-8 and the same text.
      const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
      buf.copy(buf, 0, cut, total);
      carried = total - cut;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        let line = rest.length > 0 ? rest + text.slice(start, nl) : text.slice(start, nl);
        rest = '';
        if (line.endsWith('\r')) line = line.slice(0, -1);
        n++;
        if (each(overlong ? undefined : line, n) === false) return;
        overlong = false;
        start = nl + 1;
      }
      if (!overlong) rest += text.slice(start);
      if (rest.length > MAX_LINE) {
        overlong = true;
        rest = '';
      }
      if (bytesRead === 0) break;
    }
    if (rest.length > 0 || overlong) {
      n++;
      each(overlong ? undefined : rest, n);
    }
  } finally {
    await h.close();
  }
}

/** The end of the last whole UTF-8 character in buf[0, end). */
function utf8Boundary(buf: Buffer, end: number): number {
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const b = buf[i];
    if (b < 0x80) return end;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return i + need > end ? i : end;
    }
  }
  return end;
}

/** The first lines of a file (for recognising it), read without reading the whole file. */
export async function firstLines(file: string, count = SNIFF_LINES): Promise<string[]> {
  const out: string[] = [];
  await forEachLine(file, (l) => {
    if (l !== undefined && l.trim() !== '') out.push(l);
    return out.length < count;
  });
  return out;
}

export async function sniffFormat(file: string): Promise<flows.FlowFormat | undefined> {
  return flows.detectFormat(await firstLines(file));
}

/**
 * Reads a flow log into `traffic`. Throws NotAFlowLog when the file is none of the formats, or a VPC flow log
 * is given without the pod address map.
 */
export async function readFlowFile(file: string, traffic: flows.ObservedTraffic, o: { shown: string; pods?: flows.PodAddressMap }): Promise<flows.FlowFormat> {
  const format = await sniffFormat(file);
  if (!format) throw new NotAFlowLog(`${o.shown}: not a flow log (expected Hubble JSON lines, Calico flow log JSON lines or AWS VPC flow log version 2 records)`);
  if (format === 'vpc' && !o.pods) throw new NotAFlowLog(`${o.shown}: AWS VPC flow logs name addresses only: pass the pods with --pods FILE (kubectl get pods -A -o json)`);
  const read = flows.lineReader(format, o.pods);
  await forEachLine(file, (line, n) => {
    if (line === undefined) traffic.addLine({ kind: 'error', message: `longer than ${MAX_LINE} characters` }, n, o.shown);
    else if (line.trim() !== '') traffic.addLine(read(line), n, o.shown);
  });
  return format;
}
