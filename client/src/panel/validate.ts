/**
 * The host trusts nothing that comes from the webview: every message is checked against its type in
 * messages.ts before it is used, and anything else is refused. A webview runs the page's script with
 * names taken from the workspace's YAML; were that script ever subverted, all it could send is one of
 * these messages, with values of the right shape and size. No `vscode` here (unit-tested under Node).
 */
import type { ExplainParams, PanelLocation, PanelPosition } from '../../../server/src/lsp/protocol';
import { DEFAULT_FILTERS, EXPORT_FORMATS, type ExportFormat, type Filters, type PanelState, type Selection, type ViewKind, type WebviewMessage } from './messages';

/** Longest id, text or file name the webview may send (workload ids are far shorter). */
const MAX_TEXT = 4096;
/** Largest export (a PNG of a big graph, base64). */
export const MAX_EXPORT = 64 * 1024 * 1024;

type Check<T> = (v: unknown) => T | undefined;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (max = MAX_TEXT): Check<string> => (v) => (typeof v === 'string' && v.length <= max ? v : undefined);
const text = str();
const bool: Check<boolean> = (v) => (typeof v === 'boolean' ? v : undefined);
const count: Check<number> = (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    values.includes(v as T) ? (v as T) : undefined;
const view = oneOf<ViewKind>(['graph', 'matrix']);
const format = oneOf<ExportFormat>(EXPORT_FORMATS);

function position(v: unknown): PanelPosition | undefined {
  if (!isObject(v)) return undefined;
  const line = count(v.line);
  const character = count(v.character);
  return line === undefined || character === undefined ? undefined : { line, character };
}

export function location(v: unknown): PanelLocation | undefined {
  if (!isObject(v) || !isObject(v.range)) return undefined;
  const uri = text(v.uri);
  const start = position(v.range.start);
  const end = position(v.range.end);
  if (uri === undefined || !start || !end) return undefined;
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) return undefined;
  return { uri, range: { start, end } };
}

function explainParams(v: unknown): ExplainParams | undefined {
  if (!isObject(v)) return undefined;
  const node = text(v.node);
  if (node !== undefined && v.src === undefined && v.dst === undefined) return { node };
  const src = text(v.src);
  const dst = text(v.dst);
  return src !== undefined && dst !== undefined && v.node === undefined ? { src, dst } : undefined;
}

function filters(v: unknown): Filters | undefined {
  if (!isObject(v)) return undefined;
  const out: Filters = {
    namespace: text(v.namespace ?? DEFAULT_FILTERS.namespace)!,
    text: text(v.text ?? DEFAULT_FILTERS.text)!,
    port: text(v.port ?? DEFAULT_FILTERS.port)!,
    onlyUnrestricted: bool(v.onlyUnrestricted ?? DEFAULT_FILTERS.onlyUnrestricted)!,
    onlyExternal: bool(v.onlyExternal ?? DEFAULT_FILTERS.onlyExternal)!,
    direction: oneOf<Filters['direction']>(['egress', 'ingress', 'both'])(v.direction ?? DEFAULT_FILTERS.direction)!,
  };
  return Object.values(out).some((x) => x === undefined) ? undefined : out;
}

function selection(v: unknown): Selection | undefined {
  if (!isObject(v)) return undefined;
  if (v.kind === 'node' && text(v.id) !== undefined) return { kind: 'node', id: v.id as string };
  if (v.kind === 'edge' && text(v.src) !== undefined && text(v.dst) !== undefined) return { kind: 'edge', src: v.src as string, dst: v.dst as string };
  if (v.kind === 'namespace' && text(v.name) !== undefined) return { kind: 'namespace', name: v.name as string };
  return undefined;
}

/** The state a webview restored; what does not fit is dropped (a panel opens fresh rather than not at all). */
function panelState(v: unknown): PanelState | undefined {
  if (!isObject(v) || v.version !== 1) return undefined;
  const f = filters(v.filters);
  if (!f) return undefined;
  const names = (x: unknown) => (Array.isArray(x) && x.length <= 100_000 && x.every((y) => text(y) !== undefined) ? (x as string[]) : undefined);
  const expanded = names(v.expanded);
  const compare = text(v.compare);
  return { version: 1, view: view(v.view), filters: f, focus: text(v.focus), collapsed: names(v.collapsed), ...(expanded ? { expanded } : {}), selection: selection(v.selection), ...(compare ? { compare } : {}) };
}

/** The message, when it is one of messages.ts's WebviewMessage with values of the right shape; else why not. */
export function validateWebviewMessage(m: unknown): { ok: true; message: WebviewMessage } | { ok: false; reason: string } {
  const no = (reason: string) => ({ ok: false as const, reason });
  if (!isObject(m) || typeof m.type !== 'string') return no('not a message');
  const ok = (message: WebviewMessage) => ({ ok: true as const, message });
  switch (m.type) {
    case 'ready':
      return ok({ type: 'ready', state: panelState(m.state) });
    case 'setFocus': {
      if (m.focus === null) return ok({ type: 'setFocus', focus: null });
      const focus = text(m.focus);
      return focus === undefined ? no('setFocus without a workload id') : ok({ type: 'setFocus', focus });
    }
    case 'explain': {
      const requestId = count(m.requestId);
      const params = explainParams(m.params);
      if (requestId === undefined || !params) return no('explain without a request id and a node or an edge');
      return ok({ type: 'explain', requestId, params, ...(m.compare === true ? { compare: true } : {}) });
    }
    case 'pickCompare':
      return ok({ type: 'pickCompare' });
    case 'resync':
      return ok({ type: 'resync' });
    case 'clearObserved':
      return ok({ type: 'clearObserved' });
    case 'setCompare': {
      if (m.base === null) return ok({ type: 'setCompare', base: null });
      const base = str(256)(m.base);
      return base === undefined || base.trim() === '' ? no('setCompare without a revision') : ok({ type: 'setCompare', base });
    }
    case 'open': {
      const loc = location(m.location);
      return loc ? ok({ type: 'open', location: loc }) : no('open without a location');
    }
    case 'export': {
      const f = format(m.format);
      const fileName = text(m.fileName);
      const content = str(MAX_EXPORT)(m.content);
      const encoding = oneOf(['utf8', 'base64'] as const)(m.encoding);
      if (!f || fileName === undefined || content === undefined || !encoding) return no('export without a format, a file name, content and an encoding');
      // Only a plain file name: where it goes is the user's choice in the save dialog.
      if (!/^[\w.-]+$/.test(fileName) || fileName.startsWith('.')) return no(`export to "${fileName.slice(0, 80)}": not a plain file name`);
      if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(content)) return no('export content is not base64');
      return ok({ type: 'export', format: f, fileName, content, encoding });
    }
    case 'rendered': {
      const revision = count(m.revision);
      const v = view(m.view);
      const ms = count(m.ms);
      const nodes = count(m.nodes);
      const edges = count(m.edges);
      if (revision === undefined || !v || ms === undefined || nodes === undefined || edges === undefined) return no('rendered without its figures');
      return ok({ type: 'rendered', revision, view: v, ms, nodes, edges });
    }
    case 'error': {
      if (typeof m.message !== 'string') return no('error without a message');
      return ok({ type: 'error', message: m.message.slice(0, MAX_TEXT) });
    }
    default:
      return no(`unknown message type "${m.type.slice(0, 40)}"`);
  }
}
