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

/** Node's native byte search and comparison, for the Hubble reader's hot path. */
export const NATIVE_BYTES: flows.ByteOps = {
  find(b, needle, from, to) {
    const i = Buffer.prototype.indexOf.call(b, needle, from);
    return i >= 0 && i + needle.length <= to ? i : -1;
  },
  same: (b, start, end, c, cStart) => cStart + end - start <= c.length && Buffer.prototype.compare.call(b, c, cStart, cStart + end - start, start, end) === 0,
  text: (b, start, end) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end),
};

/** Whether a line is only spaces and tabs (or empty). */
function blank(line: Buffer): boolean {
  for (const c of line) if (c !== 32 && c !== 9 && c !== 13) return false;
  return true;
}

/**
 * Calls `each` with the UTF-8 bytes of every line of a file (without its end of line) and its 1-based number.
 * The bytes are a view of a buffer that the next lines overwrite: `each` must copy what it keeps. Lines
 * longer than MAX_LINE bytes are passed as undefined (malformed).
 */
export async function forEachLineBytes(file: string, each: (line: Buffer | undefined, n: number) => boolean | void): Promise<void> {
  const h = await fs.open(file, 'r');
  try {
    // Room for the longest line kept and one chunk read after it.
    const buf = Buffer.allocUnsafe(MAX_LINE + CHUNK);
    let have = 0;
    let n = 0;
    let overlong = false;
    const line = (start: number, end: number) => (end > start && buf[end - 1] === 13 ? buf.subarray(start, end - 1) : buf.subarray(start, end));
    for (;;) {
      const { bytesRead } = await h.read(buf, have, buf.length - have, null);
      const view = buf.subarray(0, have + bytesRead);
      let start = 0;
      for (let nl = view.indexOf(10); nl >= 0; nl = view.indexOf(10, start)) {
        n++;
        if (each(overlong || nl - start > MAX_LINE ? undefined : line(start, nl), n) === false) return;
        overlong = false;
        start = nl + 1;
      }
      have = view.length - start;
      if (bytesRead === 0) {
        if (have > 0 || overlong) each(overlong ? undefined : line(start, view.length), n + 1);
        return;
      }
      if (overlong || have > MAX_LINE) {
        // The rest of an overlong line is read and dropped up to its end of line.
        overlong = true;
        have = 0;
      } else buf.copy(buf, 0, start, view.length);
    }
  } finally {
    await h.close();
  }
}

/**
 * Calls `each` with every line of a file as text (without its end of line) and its 1-based number. Lines
 * longer than MAX_LINE bytes are passed as undefined (malformed).
 */
export async function forEachLine(file: string, each: (line: string | undefined, n: number) => boolean | void): Promise<void> {
  // ASCII (most flow logs) decodes as Latin-1, several times faster than UTF-8 and the same text.
  await forEachLineBytes(file, (l, n) => each(l && (isAscii(l) ? l.toString('latin1') : l.toString('utf8')), n));
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
  const read = flows.lineReader(format, o.pods, NATIVE_BYTES);
  await forEachLineBytes(file, (line, n) => {
    if (line === undefined) traffic.addLine({ kind: 'error', message: `longer than ${MAX_LINE} bytes` }, n, o.shown);
    else if (!blank(line)) traffic.addLine(read(line), n, o.shown);
  });
  return format;
}
