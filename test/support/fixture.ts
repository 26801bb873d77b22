/**
 * Fixture files hold the input and the expectation side by side (STYLE.md):
 *
 *   policyTypes: [Ingress]
 *   egress:
 *   # ^^^^^^ EL103 ignored          <- carets under the columns of the line above
 *   # @0+4 EL001 never closed       <- explicit column+length, for spans at columns 0-1
 *
 * Marker lines are removed before analysis; the text after the rule id must appear in the message.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LineIndex, type Finding } from '../../server/src/engine';

export interface Expectation {
  ruleId: string;
  line: number;
  start: number;
  end: number;
  text: string;
}

export interface Fixture {
  /** The text the engine sees (markers removed). */
  text: string;
  expected: Expectation[];
}

const CARET = /^(\s*)#(\s*)(\^+)\s+(EL\d{3})\b\s*(.*?)\s*$/;
const EXPLICIT = /^\s*#\s*@(\d+)\+(\d+)\s+(EL\d{3})\b\s*(.*?)\s*$/;

export function isMarker(line: string): boolean {
  return CARET.test(line) || EXPLICIT.test(line);
}

export function readFixture(source: string): Fixture {
  const lines = source.split('\n');
  const kept: string[] = [];
  const expected: Expectation[] = [];
  for (const line of lines) {
    const caret = CARET.exec(line);
    const explicit = caret ? null : EXPLICIT.exec(line);
    if (caret || explicit) {
      if (kept.length === 0) throw new Error(`marker before any line: ${line}`);
      const target = kept.length - 1;
      if (caret) {
        const start = caret[1].length + 1 + caret[2].length;
        expected.push({ ruleId: caret[4], line: target, start, end: start + caret[3].length, text: caret[5] });
      } else {
        const start = Number(explicit![1]);
        expected.push({ ruleId: explicit![3], line: target, start, end: start + Number(explicit![2]), text: explicit![4] });
      }
      continue;
    }
    kept.push(line);
  }
  return { text: kept.join('\n'), expected };
}

/** A finding's position as a marker sees it: start line, and columns clipped to that line. */
export function actualOf(f: Finding, text: string): Expectation {
  const li = new LineIndex(text);
  const s = li.position(f.span.start);
  const e = li.position(f.span.end);
  const lineText = text.split('\n')[s.line] ?? '';
  const end = e.line === s.line ? e.character : lineText.length;
  return { ruleId: f.ruleId, line: s.line, start: s.character, end: Math.max(end, s.character), text: f.message };
}

/** Compare; returns human-readable problems (empty when the fixture holds). */
export function compare(expected: Expectation[], findings: Finding[], text: string): string[] {
  const problems: string[] = [];
  const remaining = findings.map((f) => actualOf(f, text));
  for (const x of expected) {
    const i = remaining.findIndex((a) => a.ruleId === x.ruleId && a.line === x.line && a.start === x.start && a.end === x.end && a.text.includes(x.text));
    if (i < 0) {
      problems.push(`missing ${x.ruleId} at ${x.line + 1}:${x.start + 1}-${x.end + 1} containing "${x.text}"`);
    } else remaining.splice(i, 1);
  }
  for (const a of remaining) problems.push(`unexpected ${a.ruleId} at ${a.line + 1}:${a.start + 1}-${a.end + 1}: ${a.text}`);
  return problems;
}

/** Rewrite a fixture's markers from actual findings (UPDATE_FIXTURES=1). */
export function withMarkers(text: string, findings: Finding[]): string {
  const lines = text.split('\n');
  const byLine = new Map<number, Expectation[]>();
  for (const f of findings) {
    const a = actualOf(f, text);
    const list = byLine.get(a.line) ?? [];
    list.push(a);
    byLine.set(a.line, list);
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(line);
    for (const a of byLine.get(i) ?? []) {
      const hint = a.text.length <= 40 ? a.text : a.text.slice(0, 40).replace(/\s+\S*$/, '');
      const width = Math.max(1, a.end - a.start);
      if (a.start >= 2) out.push(`${' '.repeat(a.start - 2)}# ${'^'.repeat(width)} ${a.ruleId} ${hint}`);
      else out.push(`# @${a.start}+${width} ${a.ruleId} ${hint}`);
    }
  });
  return out.join('\n');
}

/** The observed connections of a fixture folder (its observed-flows.json), as the editor holds them once flow logs are loaded. */
export function withObservedFlows<C extends object>(dir: string, config: C | undefined): (C & { observedFlows?: unknown }) | undefined {
  const file = path.join(dir, 'observed-flows.json');
  return existsSync(file) ? { ...(config ?? ({} as C)), observedFlows: JSON.parse(readFileSync(file, 'utf8')) } : config;
}
