/**
 * Reading flow logs from disk: streamed in chunks, line by line, so a log of any length costs memory for its
 * distinct connections only. The format is recognised from the first lines; a file none of whose first lines
 * is a flow of a known format is not a flow log.
 */
import { promises as fs } from 'fs';
import { StringDecoder } from 'string_decoder';
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
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let n = 0;
    let overlong = false;
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, CHUNK, null);
      const text = bytesRead > 0 ? decoder.write(buf.subarray(0, bytesRead)) : decoder.end();
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
