/**
 * Hovers and code lens titles in words: Markdown that is short, names what decides, and links every
 * object to its YAML through a caller-given `link` (the server makes `file:///…#L12` of it).
 */
import type { Namespace } from '../model/model';
import { nameSpan, spanAt } from '../model/anchor';
import { kindName, type Resource } from '../model/resources';
import type { Workload } from '../model/workloads';
import type { Reachability } from '../reach/reachability';
import type { Span } from '../types';
import { addressLabels } from './addresses';
import { egressSummary } from './egress';
import { unrestrictedReason } from '../reach/unrestricted';
import { allowedDestinations, type PolicyView, type RuleView } from './policies';
import type { SelectorMatch } from './selectors';

export type Link = (uri: string, span: Span) => string;

const MAX_ITEMS = 8;
const plural = (n: number, noun: string, nouns = `${noun}s`) => `${n} ${n === 1 ? noun : nouns}`;

/** Markdown-escaped text (ids carry brackets: `shop/foo[Deployment]`). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|]/g, (c) => `\\${c}`);
}

function resourceLink(link: Link, r: Resource, text = kindName(r)): string {
  return `[${md(text)}](${link(r.uri, nameSpan(r))})`;
}

function workloadLink(link: Link, w: Workload): string {
  const r = w.resources[0];
  return r ? `[${md(w.id)}](${link(r.uri, nameSpan(r))})` : md(w.id);
}

function namespaceLink(link: Link, ns: Namespace): string {
  return ns.resource ? `[${md(ns.name)}](${link(ns.resource.uri, nameSpan(ns.resource))})` : `${md(ns.name)} (not declared)`;
}

/** `TCP 53, UDP 53` (the connection list with room to read it). */
function connsText(text: string): string {
  return text.replace(/,(?=[A-Z])/g, ', ');
}

/** `a, b, c and 4 more`. */
function some(items: string[], max = MAX_ITEMS): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function bullets(items: string[], max = MAX_ITEMS): string[] {
  const out = items.slice(0, max).map((x) => `- ${x}`);
  if (items.length > max) out.push(`- … and ${items.length - max} more`);
  return out;
}

/** A workload's egress: restricted or not, where it can go on which ports, and what decides. */
export function workloadHover(reach: Reachability, w: Workload, link: Link): string {
  const s = egressSummary(reach, w);
  const head = `**${md(`${w.kind} ${w.namespace}/${w.name}`)}**`;
  const lines: string[] = [];
  if (!s.restricted) {
    lines.push(`${head} · egress **unrestricted**`, '', `Its pods can open any connection to any destination: ${md(unrestrictedReason(s.unrestricted ?? { cause: 'no-policy' }))}.`);
    for (const r of s.ingressOnly) lines.push('', `${resourceLink(link, r)} selects it for ingress only${(r.obj.spec as { egress?: unknown } | undefined)?.egress !== undefined ? ': its egress rules are ignored (policyTypes leaves out Egress)' : ''}.`);
    return lines.join('\n');
  }
  const n = s.destinations.length;
  lines.push(`${head} · egress restricted · ${n === 0 ? 'no destination allowed' : plural(n, 'destination')}`);
  if (n > 0) {
    lines.push('');
    lines.push(...bullets(s.destinations.map((d) => `${d.kind === 'workload' ? workloadLink(link, d.workload) : md(d.label)}: ${md(connsText(d.conns.toString()))}`)));
  }
  lines.push('', `Decided by ${some(s.deciding.map((r) => resourceLink(link, r)))}.`);
  return lines.join('\n');
}

function peersText(r: RuleView, link: Link): string {
  if (r.any) return r.direction === 'egress' ? 'any destination' : 'any source';
  const parts = [...r.workloads.map((w) => workloadLink(link, w)), ...addressLabels(r.ips).map(md), ...r.hosts.map(md)];
  return parts.length > 0 ? some(parts, 4) : 'nothing in the workspace';
}

function ruleLine(r: RuleView, link: Link): string {
  const where = `spec.${r.path.slice(1).map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '')}`;
  const named = r.name ? ` "${md(r.name)}"` : '';
  const verb = r.action === 'allow' ? 'allows' : r.action === 'deny' ? 'denies' : r.action === 'pass' ? 'passes on' : 'logs';
  return `[${md(where)}](${link(r.rule.origin.policy.uri, spanAt(r.rule.origin.policy, r.path))})${named} ${verb} ${md(connsText(r.ports))} ${r.direction === 'egress' ? 'to' : 'from'} ${peersText(r, link)}`;
}

/** A policy: whom it selects, what it does to their egress (and ingress), rule by rule. */
export function policyHover(view: PolicyView, link: Link): string {
  const r = view.resource;
  const lines = [`**${md(kindName(r))}** · ${policyLensTitle(view)}${view.staged ? ' · staged (not enforced)' : ''}`, ''];
  lines.push(view.subjects.length > 0 ? `Selects ${some(view.subjects.map((w) => workloadLink(link, w)))}.` : 'Selects no workload in the workspace.');
  for (const dir of ['egress', 'ingress'] as const) {
    const rules = view.rules[dir];
    const Dir = dir === 'egress' ? 'Egress' : 'Ingress';
    lines.push('');
    if (!view.restricts[dir]) {
      const ignored = dir === 'egress' && (r.obj.spec as { egress?: unknown[] } | undefined)?.egress;
      lines.push(Array.isArray(ignored) && ignored.length > 0 ? `${Dir}: not restricted: policyTypes leaves out Egress, so its ${plural(ignored.length, 'egress rule')} ${ignored.length === 1 ? 'is' : 'are'} ignored.` : `${Dir}: not restricted by this policy.`);
      continue;
    }
    if (rules.length === 0) {
      lines.push(`${Dir}: ${dir === 'egress' ? 'every destination' : 'every source'} denied (no rule allows anything).`);
      continue;
    }
    lines.push(`${Dir}:`, ...bullets(rules.map((x) => ruleLine(x, link))));
  }
  return lines.join('\n');
}

/** `selects 2 workloads · allows 3 destinations`. */
export function policyLensTitle(view: PolicyView): string {
  const selects = `selects ${plural(view.subjects.length, 'workload')}`;
  if (!view.restricts.egress) return `${selects} · ingress only`;
  const m = allowedDestinations(view);
  if (m === 'all') return `${selects} · allows all destinations`;
  return m === 0 ? `${selects} · allows no egress` : `${selects} · allows ${plural(m, 'destination')}`;
}

/** `egress: unrestricted` or `egress: 3 destinations`. */
export function workloadLensTitle(reach: Reachability, w: Workload): string {
  const s = egressSummary(reach, w);
  if (!s.restricted) return 'egress: unrestricted';
  return s.destinations.length === 0 ? 'egress: no destinations' : `egress: ${plural(s.destinations.length, 'destination')}`;
}

/** The selector is the entry under the cursor and nothing else. */
const single = (m: SelectorMatch): boolean => m.entry !== undefined && m.text === `${m.entry.key}=${m.entry.value}`;

/** A selector: what it matches (and what the matchLabels entry under the cursor matches on its own). */
export function selectorHover(m: SelectorMatch, link: Link): string {
  const name = String(m.path[m.path.length - 1]);
  const head = `**${md(name)}** \`${m.text || '<all>'}\``;
  const lines: string[] = [];
  if (m.kind === 'namespaces') {
    lines.push(`${head} matches ${m.namespaces.length === 0 ? 'no namespace in the workspace' : `${plural(m.namespaces.length, 'namespace')}: ${some(m.namespaces.map((ns) => namespaceLink(link, ns)))}`}.`);
    if (m.entry && !single(m)) lines.push('', `\`${md(m.entry.key)}=${md(m.entry.value)}\` alone matches ${m.entry.namespaces.length === 0 ? 'no namespace' : some(m.entry.namespaces.map((ns) => namespaceLink(link, ns)))}.`);
    return lines.join('\n');
  }
  const scope = m.scope ? ` in ${md(m.scope)}` : '';
  const what = m.kind === 'subjects' ? 'selects' : 'matches';
  lines.push(`${head}${scope} ${what} ${m.workloads.length === 0 ? 'no workload in the workspace' : `${plural(m.workloads.length, 'workload')}: ${some(m.workloads.map((w) => workloadLink(link, w)))}`}.`);
  if (m.kind === 'subjects' && m.namespaces.length > 0) lines.push('', `Namespaces: ${some(m.namespaces.map((ns) => namespaceLink(link, ns)))}.`);
  if (m.entry && !single(m)) lines.push('', `\`${md(m.entry.key)}=${md(m.entry.value)}\` alone matches ${m.entry.workloads.length === 0 ? 'no workload' : some(m.entry.workloads.map((w) => workloadLink(link, w)))}${scope}.`);
  return lines.join('\n');
}
