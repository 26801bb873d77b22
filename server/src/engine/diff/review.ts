/**
 * A connectivity diff for people reviewing a change: a one-line summary ("opens 2 paths to the internet,
 * closes 1"), a Markdown report for a pull-request comment (a table per kind of path: the internet and
 * host names, then across namespaces, then within one; each row with the rule that decides it), and the
 * same as plain JSON. Where rules are written is given by the host (`Locator`): the engine knows offsets,
 * the host knows paths and links.
 */
import type { Analysis } from '../analyze';
import { LineIndex } from '../text/lines';
import type { SourceRef } from '../reach/explain';
import { opensAndCloses, type ConnectionChange, type ConnectivityDiff, type DiffPeer, type DiffReason, type MeshRoute } from './diff';
import { rangeToCidrs } from '../sets/iprange';
import { exposureChanges } from '../exposure/exposure';

/** How paths changed, per kind of path. */
export interface ReviewCounts {
  opens: number;
  closes: number;
}

export interface ReviewSummary {
  /** Workloads to external addresses and host names. */
  toInternet: ReviewCounts;
  /** External addresses to workloads. */
  fromInternet: ReviewCounts;
  crossNamespace: ReviewCounts;
  inNamespace: ReviewCounts;
  /** `opens 2 paths to the internet, closes 1; …`, or that nothing changed. */
  text: string;
}

/** Where a rule is written, as the host shows it. */
export interface ReviewLocation {
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  label: string;
  state: 'before' | 'after';
  /** A link to the line, when the host knows one. */
  url?: string;
}

/** The host's side: a file's display path and, optionally, a link to a line of it in a state. */
export interface Locator {
  path(uri: string): string;
  link?(state: 'before' | 'after', path: string, line: number): string | undefined;
}

export type PathKind = keyof Omit<ReviewSummary, 'text'>;

/** Which kind of path a change is, for counting and grouping. */
export function pathKind(c: ConnectionChange): PathKind {
  if (c.category === 'external') return c.src.kind === 'workload' ? 'toInternet' : 'fromInternet';
  return c.category === 'cross-namespace' ? 'crossNamespace' : 'inNamespace';
}

const NOUNS: Record<PathKind, [string, string]> = {
  toInternet: ['path to the internet', 'paths to the internet'],
  fromInternet: ['path from the internet', 'paths from the internet'],
  crossNamespace: ['path between namespaces', 'paths between namespaces'],
  inNamespace: ['path within a namespace', 'paths within a namespace'],
};

export function summarize(d: ConnectivityDiff): ReviewSummary {
  const counts: Record<PathKind, ReviewCounts> = {
    toInternet: { opens: 0, closes: 0 },
    fromInternet: { opens: 0, closes: 0 },
    crossNamespace: { opens: 0, closes: 0 },
    inNamespace: { opens: 0, closes: 0 },
  };
  for (const c of d.changes) {
    const { opens, closes } = opensAndCloses(c);
    const k = counts[pathKind(c)];
    if (opens) k.opens++;
    if (closes) k.closes++;
  }
  const parts = phrases(counts, ', ');
  const text = parts.length > 0 ? parts.join('; ') : d.changes.length > 0 ? PORTS_ONLY : 'no change in connectivity';
  return { ...counts, text };
}

const PORTS_ONLY = 'changes which ports are open, on paths that stay open';

/** `opens 2 paths to the internet, closes 1` per kind of path, `within` between the two halves. */
function phrases(counts: Record<PathKind, ReviewCounts>, within: string): string[] {
  const parts: string[] = [];
  for (const kind of Object.keys(NOUNS) as PathKind[]) {
    const { opens, closes } = counts[kind];
    const noun = (n: number) => NOUNS[kind][n === 1 ? 0 : 1];
    if (opens > 0) parts.push(`opens ${opens} ${noun(opens)}${closes > 0 ? `${within}closes ${closes}` : ''}`);
    else if (closes > 0) parts.push(`closes ${closes} ${noun(closes)}`);
  }
  return parts;
}

/** The summary on one short line, for a code lens: `this change opens 1 path to the internet · closes 2`. */
export function changeLine(s: ReviewSummary): string {
  const parts = phrases(s, ' · ');
  return `this change ${parts.length > 0 ? parts.join(' · ') : s.text === PORTS_ONLY ? 'changes which ports are open' : s.text}`;
}

/** Every place a reason points at, in its own state's files. */
export function locate(states: { before: Analysis; after: Analysis }, reason: Pick<DiffReason, 'state' | 'refs'>, locator: Locator): ReviewLocation[] {
  const a = states[reason.state];
  return reason.refs.map((ref: SourceRef) => {
    const file = a.files.find((f) => f.uri === ref.uri);
    const pos = new LineIndex(file?.text ?? '').position(ref.span.start);
    const path = locator.path(ref.uri);
    const url = locator.link?.(reason.state, path, pos.line + 1);
    return { file: path, line: pos.line + 1, column: pos.character + 1, label: ref.label, state: reason.state, ...(url ? { url } : {}) };
  });
}

function routeText(r: MeshRoute | undefined): string | undefined {
  if (!r) return undefined;
  return r.outcome === 'via-gateway' && r.gateway ? `via egress gateway ${r.gateway}` : r.outcome;
}

/** The JSON form of a diff: plain data, connection sets as text, locations from the host. */
export function diffToJson(d: ConnectivityDiff, states: { before: Analysis; after: Analysis }, locator: Locator) {
  return {
    summary: summarize(d),
    changes: d.changes.map((c) => {
      const { opens, closes } = opensAndCloses(c);
      return {
        type: c.type,
        category: c.category,
        source: c.src.id,
        destination: c.dst.id,
        before: c.before.toString(),
        after: c.after.toString(),
        opened: c.opened.toString(),
        closed: c.closed.toString(),
        opens,
        closes,
        ...(c.routeBefore || c.routeAfter ? { routeBefore: routeText(c.routeBefore) ?? null, routeAfter: routeText(c.routeAfter) ?? null } : {}),
        ...(c.newOrRemoved.src || c.newOrRemoved.dst ? { workloads: [c.newOrRemoved.src ? c.src.id : undefined, c.newOrRemoved.dst ? c.dst.id : undefined].filter(Boolean) } : {}),
        why: c.why.map((r) => ({ state: r.state, side: r.side, verdict: r.verdict, connections: r.conns.toString(), text: r.text, locations: locate(states, r, locator) })),
      };
    }),
    addedWorkloads: d.addedWorkloads,
    removedWorkloads: d.removedWorkloads,
    // Pods that may come: the exposure each change alters (reach --exposure, compared).
    exposure: exposureChanges(states.before, states.after).map((x) => ({
      workload: x.workload,
      direction: x.direction,
      pods: x.peer,
      words: x.words,
      before: x.before ?? null,
      after: x.after ?? null,
      locations: locate(states, { state: x.state, refs: x.refs }, locator),
    })),
  };
}

/** Text for a Markdown table cell: no line breaks, pipes escaped. */
function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function code(s: string): string {
  const ticks = s.includes('`') ? '``' : '`';
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${cell(s)}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

function peerText(p: DiffPeer): string {
  if (p.kind === 'workload') return code(p.id);
  if (p.kind === 'host') return code(p.host);
  // A reviewer reads address blocks as CIDRs, as policies write them; a range that needs many is shown as a range.
  const cidrs = rangeToCidrs(p.range);
  return code(cidrs && cidrs.length <= 4 ? cidrs.join(', ') : p.range);
}

function connsText(c: ConnectionChange, side: 'before' | 'after'): string {
  const conns = c[side];
  const route = routeText(side === 'before' ? c.routeBefore : c.routeAfter);
  const text = conns.isEmpty ? '—' : conns.toString();
  return route ? `${text} (${route})` : text;
}

function whereText(l: ReviewLocation): string {
  const at = `${l.file}:${l.line}`;
  return l.url ? `[${cell(at)}](${l.url})` : code(at);
}

/** The reasons of a row, deciding rule first: at most three, each with its place. */
function whyText(c: ConnectionChange, states: { before: Analysis; after: Analysis }, locator: Locator): string {
  const out: string[] = [];
  for (const r of c.why.slice(0, 3)) {
    const places = locate(states, r, locator);
    const where = places.length > 0 ? ` (${places.slice(0, 2).map(whereText).join(', ')}${r.state === 'before' ? ', before the change' : ''})` : '';
    out.push(`${cell(r.text)}${where}`);
  }
  if (c.why.length > 3) out.push(`and ${c.why.length - 3} more`);
  return out.join('<br>');
}

const SECTIONS: { kinds: PathKind[]; title: string }[] = [
  { kinds: ['toInternet', 'fromInternet'], title: 'Internet and host names' },
  { kinds: ['crossNamespace'], title: 'Across namespaces' },
  { kinds: ['inNamespace'], title: 'Within a namespace' },
];

/** The pull-request comment: the summary line, then one table per kind of path. */
export function reviewMarkdown(d: ConnectivityDiff, states: { before: Analysis; after: Analysis }, locator: Locator, title = 'Egress Lens'): string {
  const summary = summarize(d);
  const lines = [`### ${title}: ${summary.text}`, ''];
  for (const s of SECTIONS) {
    const rows = d.changes.filter((c) => s.kinds.includes(pathKind(c)));
    if (rows.length === 0) continue;
    lines.push(`#### ${s.title}`, '', '| change | source | destination | before | after | why |', '|---|---|---|---|---|---|');
    for (const c of rows) {
      const { opens, closes } = opensAndCloses(c);
      const verb = opens && closes ? 'changed' : opens ? 'opened' : closes ? 'closed' : c.type;
      lines.push(`| ${verb} | ${peerText(c.src)} | ${peerText(c.dst)} | ${cell(connsText(c, 'before'))} | ${cell(connsText(c, 'after'))} | ${whyText(c, states, locator)} |`);
    }
    lines.push('');
  }
  const exposed = exposureChanges(states.before, states.after);
  if (exposed.length > 0) {
    // Pods no manifest holds yet that a policy admits by label: what a new pod with those labels would get.
    lines.push('#### Exposure to pods that may come', '', '| change | workload | direction | pods | before | after | why |', '|---|---|---|---|---|---|---|');
    for (const x of exposed) {
      const verb = x.before === undefined ? 'exposed' : x.after === undefined ? 'no longer exposed' : 'changed';
      const pods = `${cell(x.words)} (${code(x.peer)})`;
      const places = locate(states, { state: x.state, refs: x.refs }, locator);
      const why = places.length > 0 ? places.slice(0, 3).map((p) => `${cell(p.label)} (${whereText(p)}${x.state === 'before' ? ', before the change' : ''})`).join('<br>') : '—';
      lines.push(`| ${verb} | ${code(x.workload)} | ${x.direction === 'egress' ? 'egress to' : 'ingress from'} | ${pods} | ${cell(x.before ?? '—')} | ${cell(x.after ?? '—')} | ${why} |`);
    }
    lines.push('');
  }
  if (d.addedWorkloads.length > 0) lines.push(`New workloads: ${d.addedWorkloads.map(code).join(', ')}`, '');
  if (d.removedWorkloads.length > 0) lines.push(`Removed workloads: ${d.removedWorkloads.map(code).join(', ')}`, '');
  return lines.join('\n');
}
