/**
 * The reachability panel's browser code. It only talks to its host with postMessage (typed in
 * client/src/panel/messages.ts): it announces `ready` (with the state it restored), and is then fed.
 */
import type { ExplainParams, ReachabilityResult } from '../../server/src/lsp/protocol';
import { DEFAULT_FILTERS, EXPORT_FORMATS, type ExportFormat, type Filters, type HostMessage, type PanelState, type Selection, type ViewKind, type WebviewMessage } from '../src/panel/messages';
import { clear, h } from './dom';
import { applyReachabilityDelta, emptyDelta } from '../../server/src/engine/lang/panel/delta';
import { compareLegend, ExplainView, legend, observedLegend } from './explain-view';
import { toCsv, toDot, toJson, toMarkdown } from './export';
import { GraphView } from './graph-view';
import { MatrixView } from './matrix-view';
import { applyFilters, buildGraph, buildMatrix, defaultCollapsed, defaultView, edgeRows, edgesBetween, GRAPH_MAX_NODES, pairOfEdge, type Axis, type Filtered } from './model';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): PanelState | undefined;
  setState(s: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const EXPORT_LABELS: Record<ExportFormat, string> = { svg: 'SVG image (graph)', png: 'PNG image (graph)', md: 'Markdown table', csv: 'CSV', dot: 'DOT (Graphviz)', json: 'JSON' };

/** Wall-clock milestones of the first paint (script started, first data, first paint), for benchmarks. */
document.body.dataset.scriptAt = String(Date.now());
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage) => vscode.postMessage(m);

function restore(): PanelState {
  const s = vscode.getState();
  if (!s || s.version !== 1) return { version: 1, filters: { ...DEFAULT_FILTERS } };
  return { ...s, filters: { ...DEFAULT_FILTERS, ...s.filters } };
}

let state = restore();
let data: ReachabilityResult | undefined;
let filtered: Filtered | undefined;
let explainRequest = 0;
let renderChain: Promise<void> = Promise.resolve();
/** An export asked for before the first data arrived. */
let pendingExport: ExportFormat | undefined;

const save = () => vscode.setState(state);

// ---- layout of the page -------------------------------------------------------------------------------

const graphView = new GraphView({
  select: (sel) => select(sel),
  toggleNamespace: (ns) => toggleNamespace(ns),
  focus: (id) => setFocus(id),
  expand: (pair) => expandPair(pair),
});
const matrixView = new MatrixView({
  select: (sel) => select(sel),
  selectCell: (row, col, members) => showMembers(`${axisTitle(row)} → ${axisTitle(col)}`, members),
  toggleNamespace: (ns) => toggleNamespace(ns),
});
const explainView = new ExplainView({
  open: (location) => post({ type: 'open', location }),
  focus: (id) => setFocus(id),
  selectEdge: (src, dst) => select({ kind: 'edge', src, dst }),
  close: () => select(undefined),
});

const viewButtons = {
  graph: h('button', { type: 'button', class: 'view-button', id: 'view-graph', 'aria-pressed': 'false' }, 'Graph'),
  matrix: h('button', { type: 'button', class: 'view-button', id: 'view-matrix', 'aria-pressed': 'false' }, 'Matrix'),
};
const nsSelect = h('select', { id: 'filter-namespace', 'aria-label': 'Namespace' });
const textInput = h('input', { id: 'filter-text', type: 'search', placeholder: 'Name contains…', 'aria-label': 'Filter by workload or address name', spellcheck: 'false' });
const portInput = h('input', { id: 'filter-port', type: 'search', placeholder: 'Port: 443, UDP 53', 'aria-label': 'Filter by protocol and port, for example 443, TCP, or UDP 53', spellcheck: 'false' });
const onlyUnrestricted = h('input', { id: 'filter-unrestricted', type: 'checkbox' });
const onlyExternal = h('input', { id: 'filter-external', type: 'checkbox' });
const direction = h(
  'select',
  { id: 'filter-direction', 'aria-label': 'Direction' },
  h('option', { value: 'egress' }, 'Egress'),
  h('option', { value: 'ingress' }, 'Ingress'),
  h('option', { value: 'both' }, 'Both directions'),
);
const resetButton = h('button', { type: 'button', class: 'secondary', id: 'filter-reset' }, 'Reset');
// Compact controls: the view, the name filter and export on one line; the other filters behind a toggle
// that says how many are on.
const filtersRow = h('div', { class: 'filters', id: 'filters', role: 'group', 'aria-label': 'Filters', hidden: true });
const filtersToggle = h('button', { type: 'button', class: 'secondary', id: 'filters-toggle', 'aria-expanded': 'false', 'aria-controls': 'filters' }, 'Filters');
const regroupButton = h('button', { type: 'button', class: 'secondary', id: 'edges-regroup', hidden: true, title: 'Draw the edges between two namespaces as one again' }, 'Group edges');
const exportSelect = h('select', { id: 'export-format', 'aria-label': 'Export format' }, ...EXPORT_FORMATS.map((f) => h('option', { value: f }, EXPORT_LABELS[f])));
const exportButton = h('button', { type: 'button', id: 'export', class: 'secondary' }, 'Export');
const focusBar = h('div', { class: 'focus-bar', id: 'focus-bar', hidden: true });
const compareButton = h('button', { type: 'button', class: 'secondary', id: 'compare', title: 'Compare the workspace with HEAD, a branch or a commit' }, 'Compare with…');
const compareBar = h('div', { class: 'compare-bar', id: 'compare-bar', hidden: true, role: 'status' });
const compareKey = compareLegend();
const observedBar = h('div', { class: 'compare-bar observed-bar', id: 'observed-bar', hidden: true, role: 'status' });
const observedKey = observedLegend();
const status = h('div', { class: 'status', id: 'status', role: 'status' }, 'Waiting for the language server…');
const notice = h('div', { class: 'notice', id: 'notice', hidden: true, role: 'note' });
const stage = h('main', { class: 'stage', id: 'stage', 'aria-label': 'Reachability' }, h('div', { class: 'placeholder' }, 'Analysing the workspace…'));


const label = (text: string, control: HTMLElement, cls = 'field') => h('label', { class: cls }, h('span', {}, text), control);

filtersRow.append(
  label('Namespace', nsSelect),
  label('Port', portInput),
  label('Direction', direction),
  h('label', { class: 'check' }, onlyUnrestricted, h('span', {}, 'Only unrestricted')),
  h('label', { class: 'check' }, onlyExternal, h('span', {}, 'Only external')),
  resetButton,
);

document.body.append(
  h(
    'header',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Reachability view and filters' },
    h('div', { class: 'view-switch', role: 'group', 'aria-label': 'View' }, viewButtons.graph, viewButtons.matrix),
    textInput,
    filtersToggle,
    regroupButton,
    compareButton,
    h('span', { class: 'spacer' }),
    h('div', { class: 'export', role: 'group', 'aria-label': 'Export' }, exportSelect, exportButton),
  ),
  filtersRow,
  compareBar,
  observedBar,
  h('div', { class: 'subbar' }, focusBar, status, compareKey, observedKey, legend()),
  notice,
  h('div', { class: 'content' }, stage, explainView.root),
);

// ---- controls -----------------------------------------------------------------------------------------

function syncControls(): void {
  const f = state.filters;
  if (document.activeElement !== textInput) textInput.value = f.text;
  if (document.activeElement !== portInput) portInput.value = f.port;
  onlyUnrestricted.checked = f.onlyUnrestricted;
  const on = [f.namespace !== '', f.port.trim() !== '', f.direction !== DEFAULT_FILTERS.direction, f.onlyUnrestricted, f.onlyExternal].filter(Boolean).length;
  filtersToggle.textContent = on > 0 ? `Filters (${on})` : 'Filters';
  regroupButton.hidden = (state.expanded ?? []).length === 0 || currentView() !== 'graph';
  onlyExternal.checked = f.onlyExternal;
  direction.value = f.direction;
  const view = currentView();
  for (const v of ['graph', 'matrix'] as const) viewButtons[v].setAttribute('aria-pressed', String(v === view));
  const names = data ? data.namespaces.map((n) => n.name) : [];
  if (f.namespace && !names.includes(f.namespace)) names.push(f.namespace);
  clear(nsSelect);
  nsSelect.appendChild(h('option', { value: '' }, 'All namespaces'));
  for (const n of names) nsSelect.appendChild(h('option', { value: n }, n));
  nsSelect.value = f.namespace;
  for (const opt of Array.from(exportSelect.options)) opt.disabled = (opt.value === 'svg' || opt.value === 'png') && view !== 'graph';
  if (exportSelect.selectedOptions[0]?.disabled) exportSelect.value = 'md';
  const compare = data?.compare;
  modeBar(compareBar, compareKey, 'data-compare', compare && [
    h('span', {}, 'Compared with ', h('strong', {}, compare.rev), ` (${compare.commit.slice(0, 8)}): ${compare.summary} · ${marked((e) => e.change === 'added')} added, ${marked((e) => e.change === 'removed')} removed, ${marked((e) => e.change === 'changed')} changed`),
    button('compare-stop', 'Stop comparing', { type: 'setCompare', base: null }),
  ]);
  const observed = data?.observed;
  const files = (o: { sources: string[] }) => (o.sources.length === 0 ? 'flows' : o.sources.length === 1 ? o.sources[0] : `${o.sources.length} flow logs`);
  const unmatched = (n: number) => (n > 0 ? ` · ${n} with endpoints the workspace does not hold (not drawn)` : '');
  modeBar(observedBar, observedKey, 'data-observed', observed
    ? [
        h('span', {}, 'Observed traffic from ', h('strong', {}, files(observed)), `: ${observed.flows.toLocaleString('en-US')} flows, ${observed.connections} connections · ${marked((e) => e.observed === 'seen')} observed edges, ${marked((e) => e.observed === 'blocked')} would be blocked, ${observed.unobservedEdges} never observed (candidates for tightening)${unmatched(observed.unmatched)}`),
        button('observed-clear', 'Clear observed flows', { type: 'clearObserved' }),
      ]
    : data?.observedHidden
      ? [h('span', {}, 'Observed flows are loaded but not drawn while comparing: stop comparing to see them.'), button('observed-clear', 'Clear observed flows', { type: 'clearObserved' })]
      : undefined, observed !== undefined);
  clear(focusBar);
  focusBar.hidden = !data?.focus;
  if (data?.focus) {
    const b = h('button', { type: 'button', class: 'secondary', id: 'clear-focus', 'aria-label': `Stop focusing on ${data.focus}` }, 'Show all');
    b.addEventListener('click', () => setFocus(null));
    focusBar.append(h('span', {}, 'Focused on '), h('strong', {}, data.focus), b);
  }
}

/** The edges of the data that a mark holds (compare's changes, observed traffic's verdicts). */
function marked(test: (e: ReachabilityResult['edges'][number]) => boolean): number {
  return data ? data.edges.filter(test).length : 0;
}

function button(id: string, text: string, message: WebviewMessage): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'secondary', id }, text);
  b.addEventListener('click', () => post(message));
  return b;
}

/**
 * A mode's bar and legend (compare, observed traffic): shown with their content, hidden without; `attr` on
 * the body while the mode marks edges (unmarked edges step back).
 */
function modeBar(bar: HTMLElement, key: HTMLElement, attr: string, content: HTMLElement[] | undefined, marking = content !== undefined): void {
  document.body.toggleAttribute(attr, marking);
  key.hidden = !marking;
  bar.hidden = content === undefined;
  clear(bar);
  if (content) bar.append(...content);
}

function setFilters(patch: Partial<Filters>): void {
  state = { ...state, filters: { ...state.filters, ...patch } };
  save();
  schedule();
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;
const typed = (patch: () => Partial<Filters>) => () => {
  if (typingTimer) clearTimeout(typingTimer);
  typingTimer = setTimeout(() => setFilters(patch()), 150);
};
textInput.addEventListener('input', typed(() => ({ text: textInput.value })));
portInput.addEventListener('input', typed(() => ({ port: portInput.value })));
nsSelect.addEventListener('change', () => setFilters({ namespace: nsSelect.value }));
direction.addEventListener('change', () => setFilters({ direction: direction.value as Filters['direction'] }));
onlyUnrestricted.addEventListener('change', () => setFilters({ onlyUnrestricted: onlyUnrestricted.checked }));
onlyExternal.addEventListener('change', () => setFilters({ onlyExternal: onlyExternal.checked }));
resetButton.addEventListener('click', () => setFilters({ ...DEFAULT_FILTERS }));
filtersToggle.addEventListener('click', () => {
  filtersRow.hidden = !filtersRow.hidden;
  filtersToggle.setAttribute('aria-expanded', String(!filtersRow.hidden));
});
regroupButton.addEventListener('click', () => {
  state = { ...state, expanded: [] };
  save();
  schedule();
});
compareButton.addEventListener('click', () => post({ type: 'pickCompare' }));
viewButtons.graph.addEventListener('click', () => setView('graph'));
viewButtons.matrix.addEventListener('click', () => setView('matrix'));
exportButton.addEventListener('click', () => void exportAs(exportSelect.value as ExportFormat));

function currentView(): ViewKind {
  return state.view ?? (data ? defaultView(data) : 'graph');
}

function setView(v: ViewKind): void {
  state = { ...state, view: v };
  save();
  schedule();
}

function collapsedSet(): Set<string> {
  return new Set(state.collapsed ?? (data ? defaultCollapsed(data) : []));
}

function toggleNamespace(ns: string): void {
  const set = collapsedSet();
  if (set.has(ns)) set.delete(ns);
  else set.add(ns);
  state = { ...state, collapsed: [...set].sort() };
  if (state.selection?.kind === 'namespace' && !set.has(ns)) state.selection = undefined;
  save();
  schedule();
}

/** Draw the edges of a namespace pair one by one. */
function expandPair(pair: string): void {
  const set = new Set(state.expanded ?? []);
  if (set.has(pair)) return;
  set.add(pair);
  state = { ...state, expanded: [...set].sort() };
  save();
  schedule();
}

/** The pairs drawn one by one: those the user expanded, and the one of the selected edge. */
function expandedSet(): Set<string> {
  const set = new Set(state.expanded ?? []);
  const sel = state.selection;
  if (sel?.kind === 'edge' && data) {
    const pair = pairOfEdge(data, sel.src, sel.dst);
    if (pair) set.add(pair);
  }
  return set;
}

function setFocus(id: string | null): void {
  state = { ...state, focus: id ?? undefined, selection: id ? { kind: 'node', id } : undefined };
  save();
  post({ type: 'setFocus', focus: id });
}

// ---- rendering ----------------------------------------------------------------------------------------

function schedule(): void {
  renderChain = renderChain.then(render).catch((e) => reportError(e));
}

async function render(): Promise<void> {
  if (!data) return;
  const t0 = performance.now();
  syncControls();
  document.body.toggleAttribute('data-explain', state.selection !== undefined);
  filtered = applyFilters(data, state.filters, data.focus);
  const collapsed = collapsedSet();
  const view = currentView();
  document.body.dataset.view = view;
  notice.hidden = true;
  const workloads = data.nodes.filter((n) => n.kind === 'workload').length;
  if (workloads === 0) {
    clear(stage);
    stage.appendChild(h('div', { class: 'placeholder' }, 'No workloads in this workspace yet: open a folder with Deployments, StatefulSets, Pods…'));
  } else if (view === 'graph') {
    let graph = buildGraph(data, filtered, collapsed, expandedSet());
    if (graph.nodes.length > GRAPH_MAX_NODES) {
      // Level of detail: too many nodes to read; fold every namespace for the picture.
      const all = new Set(data.nodes.filter((n) => n.kind === 'workload').map((n) => n.namespace ?? ''));
      graph = buildGraph(data, filtered, all, expandedSet());
      showNotice(`${filtered.nodes.length} nodes are too many to draw one by one: namespaces are folded. Filter, focus on a workload, or use the matrix.`);
    }
    if (graph.nodes.length > GRAPH_MAX_NODES) {
      // Even folded, no picture would be readable (nor quick to lay out): the graph is not attempted.
      clear(stage);
      stage.appendChild(
        h('div', { class: 'placeholder', id: 'graph-too-large' }, `${graph.nodes.length} namespaces and addresses are too many for a graph. Choose a namespace, filter by name, focus on a workload, or use the matrix.`),
      );
      notice.hidden = true;
    } else {
      if (stage.firstChild !== graphView.root) {
        clear(stage);
        stage.appendChild(graphView.root);
      }
      await graphView.render(graph, state.selection);
    }
  } else {
    const matrix = buildMatrix(data, filtered, collapsed);
    if (stage.firstChild !== matrixView.root) {
      clear(stage);
      stage.appendChild(matrixView.root);
    }
    matrixView.render(data, matrix, state.selection);
  }
  if (filtered.invalidPort) showNotice(`"${state.filters.port}" is not a port filter (try 443, 8000-8080, TCP, or UDP 53); it is ignored.`);
  const unrestricted = filtered.edges.filter((i) => data!.edges[i].verdict === 'unrestricted').length;
  // Exposure edges lead to pods that may come: counted apart from the connections between what exists.
  const isExposure = (i: number) => data!.edges[i].verdict === 'exposure';
  const exposed = filtered.edges.filter(isExposure).length;
  const total = data.edges.filter((e) => e.verdict !== 'exposure').length;
  status.textContent = `${workloads} workloads · ${filtered.edges.length - exposed} of ${total} connections shown · ${unrestricted} unrestricted · ${data.stats.unrestrictedWorkloads} workload${data.stats.unrestrictedWorkloads === 1 ? '' : 's'} with unrestricted egress${exposed > 0 ? ` · ${exposed} exposed to pods that may come` : ''}`;
  const revision = data.revision;
  const nodes = filtered.nodes.length;
  const edges = filtered.edges.length;
  const ms = Math.round(performance.now() - t0);
  requestAnimationFrame(() => {
    // What was drawn, for tests and benchmarks: the revision, how many renders, the last one's time.
    document.body.dataset.renderMs = String(ms);
    document.body.dataset.paintedAt ??= String(Date.now());
    // When the last picture was painted (the clock of the page's machine): benchmarks time an edit to it.
    document.body.dataset.lastPaintAt = String(Date.now());
    document.body.dataset.revision = String(revision);
    document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? '0') + 1);
    post({ type: 'rendered', revision, view, ms, nodes, edges });
  });
}

function showNotice(text: string): void {
  notice.textContent = text;
  notice.hidden = false;
}

// ---- selection and explanation -------------------------------------------------------------------------

function axisTitle(a: Axis): string {
  if (a.kind === 'group') return a.label;
  const n = data!.nodes[a.node!];
  return n.kind === 'workload' ? n.id : n.label;
}

function showMembers(title: string, members: number[]): void {
  if (!data) return;
  const rows = edgeRows(data, { edges: members, nodes: [], invalidPort: false }).map((r, i) => {
    const e = data!.edges[members[i]];
    return { src: data!.nodes[e.src].id, dst: data!.nodes[e.dst].id, text: r.conns, verdict: r.verdict };
  });
  const risky = rows.filter((r) => r.verdict === 'unrestricted').length;
  explainView.showList(title, `${rows.length} connection${rows.length === 1 ? '' : 's'}, ${risky} unrestricted. Select one to see its rules.`, rows);
}

function select(sel: Selection | undefined): void {
  state = { ...state, selection: sel };
  document.body.toggleAttribute('data-explain', sel !== undefined);
  save();
  graphView.setSelection(sel);
  matrixView.setSelection(sel);
  void explainSelection();
}

async function explainSelection(): Promise<void> {
  const sel = state.selection;
  if (!sel || !data) return;
  if (sel.kind === 'namespace') {
    const members = data.edges.flatMap((e, i) => (data!.nodes[e.src].namespace === sel.name && data!.nodes[e.src].kind === 'workload' ? [i] : []));
    showMembers(`namespace ${sel.name}`, members);
    return;
  }
  if (sel.kind === 'edge' && (sel.src.startsWith('ns:') || sel.dst.startsWith('ns:'))) {
    showMembers(`${sel.src.replace(/^ns:/, 'namespace ')} → ${sel.dst.replace(/^ns:/, 'namespace ')}`, edgesBetween(data, filtered?.edges ?? [], sel.src, sel.dst));
    return;
  }
  const params: ExplainParams = sel.kind === 'node' ? { node: sel.id } : { src: sel.src, dst: sel.dst };
  const id = ++explainRequest;
  explainView.loading(sel.kind === 'node' ? sel.id : `${sel.src} → ${sel.dst}`);
  // Compare mode: a marked edge is explained by what changed (before, after, the rules in both states).
  const changed = sel.kind === 'edge' && data.compare !== undefined && data.edges.some((e) => e.change && data!.nodes[e.src].id === sel.src && data!.nodes[e.dst].id === sel.dst);
  post({ type: 'explain', requestId: id, params, ...(changed ? { compare: true } : {}) });
}

// ---- export -------------------------------------------------------------------------------------------

async function exportAs(format: ExportFormat): Promise<void> {
  if (!data || !filtered) return;
  const fileName = `reachability.${format}`;
  switch (format) {
    case 'md':
      return post({ type: 'export', format, fileName, content: toMarkdown(data, filtered), encoding: 'utf8' });
    case 'csv':
      return post({ type: 'export', format, fileName, content: toCsv(data, filtered), encoding: 'utf8' });
    case 'dot':
      return post({ type: 'export', format, fileName, content: toDot(data, filtered), encoding: 'utf8' });
    case 'json':
      return post({ type: 'export', format, fileName, content: toJson(data, filtered, state.filters, data.focus), encoding: 'utf8' });
    case 'svg':
    case 'png': {
      const svg = stage.firstChild === graphView.root ? graphView.exportSvg() : undefined;
      if (!svg) return showNotice('Only a drawn graph can be exported as an image: switch to the graph view, and filter when it is too large to draw.');
      if (format === 'svg') return post({ type: 'export', format, fileName, content: svg.text, encoding: 'utf8' });
      const png = await toPng(svg.text, svg.width, svg.height);
      return post({ type: 'export', format, fileName, content: png, encoding: 'base64' });
    }
  }
}

function toPng(svg: string, width: number, height: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    const img = new Image();
    img.onload = () => {
      const scale = 2;
      const canvas = h('canvas', { width: Math.ceil(width * scale), height: Math.ceil(height * scale) });
      const ctx = canvas.getContext('2d')!;
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0);
      URL.revokeObjectURL(url);
      resolve(canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''));
    };
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('the graph could not be drawn as an image'));
    };
    img.src = url;
  });
}

// ---- messages -----------------------------------------------------------------------------------------


function reportError(e: unknown): void {
  post({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
}

window.addEventListener('error', (e) => reportError(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => reportError(e.reason));

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'revision':
      if (data && data.focus === undefined && !data.compare) data = { ...data, revision: m.revision };
      break;
    case 'delta': {
      // A change of the whole data held here; data of another revision (or focused, or compared) cannot take it.
      let next: ReachabilityResult | undefined;
      try {
        next = data && data.focus === undefined && !data.compare ? applyReachabilityDelta(data, m.delta) : undefined;
      } catch {
        next = undefined;
      }
      if (!next) {
        post({ type: 'resync' });
        break;
      }
      const unchanged = emptyDelta(m.delta, data!);
      data = next;
      // How many changes were applied here (tests read it: an edit reaches the panel as a change).
      document.body.dataset.changes = String(Number(document.body.dataset.changes ?? 0) + 1);
      if (unchanged) break;
      schedule();
      if (state.selection) renderChain = renderChain.then(() => explainSelection());
      break;
    }
    case 'data': {
      const first = !data;
      if (first) document.body.dataset.dataAt = String(Date.now());
      data = m.data;
      if (pendingExport) {
        const f = pendingExport;
        pendingExport = undefined;
        schedule();
        renderChain = renderChain.then(() => exportAs(f)).catch((e) => reportError(e));
      }
      if (state.focus !== m.data.focus || state.compare !== m.data.compare?.rev) {
        state = { ...state, focus: m.data.focus, compare: m.data.compare?.rev };
        save();
      }
      schedule();
      // Live: the explanation follows the edits too.
      if (state.selection) renderChain = renderChain.then(() => explainSelection());
      else if (first) explainView.empty();
      break;
    }
    case 'explanation': {
      if (m.requestId !== explainRequest) return; // an older answer
      const sel = state.selection;
      const focusId = sel?.kind === 'node' && data?.nodes.some((n) => n.id === sel.id && n.kind === 'workload') ? sel.id : undefined;
      explainView.show(m.result, { focusId, focused: data?.focus !== undefined && (focusId === data.focus || focusId === undefined) });
      break;
    }
    case 'error':
      showNotice(m.message);
      break;
    case 'exported':
      showNotice(`Exported to ${m.path}`);
      break;
    case 'exportRequest':
      // After whatever is being drawn (the first picture, when the panel has just opened).
      if (data) renderChain = renderChain.then(() => exportAs(m.format)).catch((e) => reportError(e));
      else pendingExport = m.format;
      break;
  }
});

// Ready to be fed: tell the host, with the state restored after a reload (focus, filters, view).
syncControls();
post({ type: 'ready', state });
