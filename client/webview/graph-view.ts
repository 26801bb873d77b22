/**
 * The graph: namespaces as boxes, workloads as nodes, the outside world on the right edge, edges
 * coloured by verdict. SVG, pan and zoom; keyboard: one tab stop, arrows move between items, Enter
 * selects, +/- zoom, 0 fits.
 */
import { clear, ellipsize, h, s } from './dom';
import { edgeLabel, foldable, type Graph, type GraphEdge, type GraphNode } from './model';
import { layoutGraph, placeLabels, routeEdges, type FlowDirection, type Layout } from './layout';
import type { Selection } from '../src/panel/messages';

export interface GraphCallbacks {
  select(sel: Selection): void;
  toggleNamespace(name: string): void;
  /** Double click / Shift+Enter on a workload: focus on it. */
  focus(id: string): void;
  /** Click / Enter on an aggregate edge: draw its namespace pair's edges one by one. */
  expand(pair: string): void;
}

interface Item {
  el: SVGGElement;
  kind: 'node' | 'edge' | 'group';
  id: string;
}

/** Up to this many nodes, the graph is laid out both ways and drawn the way that shows it larger. */
const BOTH_WAYS = 80;

/** The largest zoom a fit uses: a small graph grows to the panel's size, up to twice its natural size. */
const MAX_FIT = 2;

/** The text on an edge: its ports; an aggregate also says how many edges it stands for. */
function labelText(e: GraphEdge): string {
  const text = e.pair ? `${e.members.length}× ${edgeLabel(e.conns)}` : edgeLabel(e.conns);
  // Observed traffic: a badge in words, so that the mark never rests on colour alone.
  if (e.observed === 'blocked') return `✗ blocked ${e.blockedFlows ?? 0}/${e.flows ?? 0} · ${text}`;
  if (e.observed === 'seen') return `✓ ${e.flows ?? 0} seen · ${text}`;
  if (e.applies) return `${e.applies} · ${text}`;
  return text;
}

/** Shorter forms of an edge's label, for where the full one has no room: an aggregate's count, the first ports. */
function shortLabels(e: GraphEdge): string[] {
  const full = labelText(e);
  const out: string[] = [];
  if (e.observed === 'blocked') out.push(`✗ ${e.blockedFlows ?? 0}/${e.flows ?? 0}`);
  else if (e.observed === 'seen') out.push(`✓ ${e.flows ?? 0}`);
  else if (e.pair) out.push(`${e.members.length}×`);
  else if (e.applies) out.push(edgeLabel(e.conns));
  else if (full.length > 10) out.push(`${full.slice(0, 8)}…`);
  return out;
}

const labelWidth = (text: string) => text.length * 6.2 + 10;

/** Show labels on every edge up to this many edges (always on the selected one). */
const LABEL_LIMIT = 60;

export class GraphView {
  readonly root: HTMLDivElement;
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private layout?: Layout;
  /** The last layout of each direction (each is reused while its nodes stay the same). */
  private layouts: Partial<Record<FlowDirection, Layout>> = {};
  /** The graph most recently asked for (a render in progress may not have drawn it yet). */
  private wanted?: { graph: Graph; selection?: Selection };
  private graph?: Graph;
  private items: Item[] = [];
  private active = 0;
  private view = { x: 0, y: 0, k: 1 };
  private fitted = false;
  /** The user panned or zoomed: keep their view; otherwise the picture follows the panel's size. */
  private userMoved = false;
  private selection?: Selection;
  private generation = 0;

  constructor(private readonly cb: GraphCallbacks) {
    this.svg = s('svg', { class: 'graph-svg', role: 'group', 'aria-roledescription': 'graph', 'aria-label': 'Reachability graph' });
    this.viewport = s('g', { class: 'viewport' });
    this.svg.appendChild(s('defs', {}, ...(['allowed', 'unrestricted', 'gateway', 'blocked', 'exposure', 'selected', 'added', 'removed', 'changed'] as const).map((v) => s('marker', { id: `arrow-${v}`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '9', markerHeight: '9', markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse', class: `arrow arrow-${v}` }, s('path', { d: 'M0,0 L10,5 L0,10 z' })))));
    this.svg.appendChild(this.viewport);
    this.root = h('div', { class: 'graph', id: 'graph' }, this.svg);
    this.installPanZoom();
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => {
      if (!this.layout || !this.wanted) return;
      // Another shape may suit the other direction better (both layouts are kept: no new layout runs).
      if (this.wanted.graph.nodes.length <= BOTH_WAYS || !this.layout.key.startsWith(`${this.guess()}|`)) {
        void this.render(this.wanted.graph, this.wanted.selection).then(() => {
          if (this.userMoved) return;
          this.fit();
          this.applyView();
        });
        return;
      }
      if (this.userMoved) return;
      this.fit();
      this.applyView();
    }).observe(this.root);
  }

  /** Draw a graph; resolves once it is in the DOM. Nodes keep their places when only edges changed. */
  async render(graph: Graph, selection?: Selection): Promise<void> {
    const gen = ++this.generation;
    this.wanted = { graph, selection };
    const layout = await this.arrange(graph);
    if (gen !== this.generation) return; // a newer render started meanwhile
    const moved = this.layout?.key !== layout.key;
    this.layout = layout;
    this.graph = graph;
    this.selection = selection;
    this.draw();
    // A new arrangement (other nodes) is fitted again unless the user moved the view.
    if (!this.fitted || (moved && !this.userMoved)) this.fit();
    this.fitted = true;
    this.applyView();
  }

  private size(): { width: number; height: number } {
    const { width, height } = this.root.getBoundingClientRect();
    return width > 0 && height > 0 ? { width, height } : { width: 800, height: 600 };
  }

  /** Tall panels flow top to bottom, wide ones left to right. */
  private guess(): FlowDirection {
    const { width, height } = this.size();
    return height > width * 1.1 ? 'DOWN' : 'RIGHT';
  }

  /**
   * The layout to draw. A large graph flows the way the panel's shape suggests. A small one flows the
   * way it already does (at first, the way the shape suggests), and is also laid out the other way and
   * drawn that way when that shows it clearly larger (by a quarter): an edit does not turn the picture
   * around, a panel made much taller or wider does.
   */
  private async arrange(graph: Graph): Promise<Layout> {
    const small = graph.nodes.length <= BOTH_WAYS;
    const preferred = (small ? (this.layout?.key.split('|')[0] as FlowDirection | undefined) : undefined) ?? this.guess();
    const first = (this.layouts[preferred] = await layoutGraph(graph, this.layouts[preferred], preferred));
    if (!small) return first;
    const other: FlowDirection = preferred === 'RIGHT' ? 'DOWN' : 'RIGHT';
    const second = (this.layouts[other] = await layoutGraph(graph, this.layouts[other], other));
    const { width, height } = this.size();
    const scale = (l: Layout) => Math.min(MAX_FIT, width / Math.max(1, l.width), height / Math.max(1, l.height));
    return scale(second) >= scale(first) * 1.25 ? second : first;
  }

  get currentLayout(): Layout | undefined {
    return this.layout;
  }

  setSelection(sel: Selection | undefined): void {
    this.selection = sel;
    if (this.wanted) this.wanted.selection = sel;
    if (this.graph) this.draw();
  }

  private draw(): void {
    const graph = this.graph!;
    const layout = this.layout!;
    const activeId = this.items[this.active]?.id;
    // Redrawing replaces every element: whoever had the keyboard focus in the picture keeps it.
    const hadFocus = this.viewport.contains(document.activeElement);
    clear(this.viewport);
    this.items = [];
    const groupsLayer = s('g', { class: 'groups' });
    const edgesLayer = s('g', { class: 'edges' });
    const nodesLayer = s('g', { class: 'nodes' });
    const labelsLayer = s('g', { class: 'edge-labels' });
    // Namespace titles above the edges (with a halo), so that lines passing by never hide them.
    const titlesLayer = s('g', { class: 'group-titles' });
    this.viewport.append(groupsLayer, edgesLayer, titlesLayer, nodesLayer, labelsLayer);
    const sel = this.selection;
    const selectedNode = sel?.kind === 'node' ? sel.id : sel?.kind === 'namespace' ? `ns:${sel.name}` : undefined;
    const selectedEdge = sel?.kind === 'edge' ? `${sel.src}\u2192${sel.dst}` : undefined;

    for (const group of graph.groups) {
      const box = layout.groups.get(group.id);
      if (!box) continue;
      const external = !foldable(group.id);
      const g = s('g', {
        class: `group${external ? ' group-external' : ''}`,
        transform: `translate(${box.x},${box.y})`,
        role: external ? undefined : 'button',
        'aria-label': external ? undefined : `namespace ${group.label}, expanded; Enter folds it`,
        'aria-expanded': external ? undefined : 'true',
        tabindex: external ? undefined : '-1',
        'data-namespace': external ? undefined : group.label,
      });
      const tip = external ? 'outside the cluster' : `namespace ${group.label} (click to fold)`;
      g.append(s('rect', { class: 'group-box', width: box.width, height: box.height, rx: 6 }), s('title', {}, tip));
      const title = s('text', { class: `group-label${external ? ' external' : ''}`, x: box.x + 12, y: box.y + 19, 'aria-hidden': 'true' }, `${external ? '' : '▾ '}${ellipsize(group.label, Math.floor((box.width - 30) / 7))}`, s('title', {}, tip));
      titlesLayer.appendChild(title);
      if (!external) {
        g.addEventListener('click', (e) => {
          if ((e.target as Element).closest('.node')) return;
          this.cb.toggleNamespace(group.label);
        });
        title.addEventListener('click', () => this.cb.toggleNamespace(group.label));
        this.items.push({ el: g, kind: 'group', id: `group:${group.label}` });
      }
      groupsLayer.appendChild(g);
    }

    const nodeItems: Item[] = [];
    for (const n of graph.nodes) {
      const box = layout.nodes.get(n.id);
      if (!box) continue;
      const classes = ['node', `kind-${n.kind}`];
      if (n.risk) classes.push('risk');
      if (n.change) classes.push(`change-${n.change}`);
      if (n.observed) classes.push('observed');
      if (n.id === selectedNode) classes.push('selected');
      const g = s('g', { class: classes.join(' '), transform: `translate(${box.x},${box.y})`, role: 'button', tabindex: '-1', 'aria-label': n.ariaLabel, 'data-id': n.id, 'aria-pressed': n.id === selectedNode ? 'true' : 'false' });
      const chars = Math.floor((box.width - 26) / 7);
      g.append(
        s('rect', { class: 'node-box', width: box.width, height: box.height, rx: n.kind === 'internet' || n.kind === 'external' ? 20 : 4 }),
        s('text', { class: 'node-label', x: 12, y: 19 }, ellipsize(n.kind === 'namespace' ? `▸ ${n.label}` : n.label, chars)),
        s('text', { class: 'node-detail', x: 12, y: 34 }, ellipsize(n.detail, Math.floor(chars * 1.15))),
        s('title', {}, n.ariaLabel),
      );
      if (n.risk) g.appendChild(s('text', { class: 'risk-badge', x: box.width - 8, y: 16, 'text-anchor': 'end', 'aria-hidden': 'true' }, '!'));
      g.addEventListener('click', (e) => {
        e.stopPropagation();
        this.activate(g);
        this.select(n);
      });
      g.addEventListener('dblclick', (e) => {
        e.stopPropagation();
        if (n.kind === 'workload') this.cb.focus(n.id);
        else if (n.kind === 'namespace') this.cb.toggleNamespace(n.label);
      });
      nodesLayer.appendChild(g);
      nodeItems.push({ el: g, kind: 'node', id: n.id });
    }

    const routes = routeEdges(graph.edges, layout);
    const labelAll = graph.edges.length <= LABEL_LIMIT;
    const edgeItems: Item[] = [];
    const wanted: Parameters<typeof placeLabels>[0] = [];
    // Unrestricted edges last, so they are drawn on top: they are the risk; observed traffic that would be blocked above them.
    const rank = (e: GraphEdge) => (e.observed === 'blocked' ? 2 : e.verdict === 'unrestricted' ? 1 : 0);
    const order = [...graph.edges].sort((a, b) => rank(a) - rank(b));
    for (const e of order) {
      const r = routes.get(e.id);
      if (!r) continue;
      const selected = e.id === selectedEdge;
      const touches = selectedNode !== undefined && (e.src === selectedNode || e.dst === selectedNode);
      const dim = selectedNode !== undefined && !touches;
      const g = s('g', {
        class: `edge verdict-${e.verdict}${e.change ? ` change-${e.change}` : ''}${e.observed ? ` observed-${e.observed}` : ''}${e.pair ? ' aggregate' : ''}${selected ? ' selected' : ''}${dim ? ' dim' : ''}${touches ? ' near' : ''}`,
        role: 'button',
        tabindex: '-1',
        'aria-label': e.ariaLabel,
        'aria-pressed': selected ? 'true' : 'false',
        'data-src': e.src,
        'data-dst': e.dst,
        'data-pair': e.pair,
        'data-edge': e.id,
      });
      g.append(s('path', { class: 'edge-hit', d: r.d }), s('path', { class: 'edge-line', d: r.d, 'marker-end': `url(#arrow-${selected ? 'selected' : (e.change ?? (e.observed === 'blocked' ? 'blocked' : e.verdict))})` }), s('title', {}, e.ariaLabel));
      g.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.activate(g);
        this.selectEdge(e);
      });
      edgesLayer.appendChild(g);
      edgeItems.push({ el: g, kind: 'edge', id: e.id });
      // Ports on every edge that is not "all ports" (red says that), when there are not too many.
      // Aggregates always say how many edges they stand for.
      if (selected || touches || (labelAll && (!e.conns.all || e.pair || e.observed !== undefined))) {
        wanted.push({ id: e.id, width: labelWidth(labelText(e)), height: 16, route: r, required: selected, shorter: shortLabels(e).map(labelWidth) });
        g.setAttribute('data-label', labelText(e));
      }
    }
    // Labels keep off the nodes and off the namespace titles.
    const titles = graph.groups.flatMap((g) => {
      const b = layout.groups.get(g.id);
      return b ? [{ x: b.x, y: b.y, width: Math.min(b.width, 30 + g.label.length * 7.5), height: 26 }] : [];
    });
    const placed = placeLabels(wanted, [...layout.nodes.values(), ...titles]);
    for (const l of wanted) {
      const at = placed.get(l.id);
      if (!at) continue;
      const e = graph.edges.find((x) => x.id === l.id)!;
      const selected = e.id === selectedEdge;
      // The text that fits where the label was placed (a shorter form where room is tight; the whole on hover).
      const text = [labelText(e), ...shortLabels(e)].find((t) => labelWidth(t) === at.width) ?? labelText(e);
      labelsLayer.appendChild(
        s('g', { class: `edge-label verdict-${e.verdict}${e.change ? ` change-${e.change}` : ''}${e.observed ? ` observed-${e.observed}` : ''}${selected ? ' selected' : ''}`, 'data-edge': e.id, transform: `translate(${at.x},${at.y})`, 'aria-hidden': 'true' }, s('rect', { width: at.width, height: l.height, rx: 3 }), s('text', { x: at.width / 2, y: 12, 'text-anchor': 'middle' }, text), s('title', {}, labelText(e))),
      );
    }
    // Keyboard order: namespaces, nodes, then edges.
    this.items.push(...nodeItems, ...edgeItems);
    const again = activeId === undefined ? -1 : this.items.findIndex((i) => i.id === activeId);
    this.active = again >= 0 ? again : 0;
    this.items.forEach((it, i) => it.el.setAttribute('tabindex', i === this.active ? '0' : '-1'));
    this.svg.setAttribute('tabindex', this.items.length === 0 ? '0' : '-1');
    if (hadFocus) this.focusActive();
    this.svg.setAttribute('aria-label', `Reachability graph: ${graph.nodes.length} nodes, ${graph.edges.length} edges. Arrow keys move between them, Enter selects, plus and minus zoom.`);
  }

  private select(n: GraphNode): void {
    if (n.kind === 'namespace') this.cb.select({ kind: 'namespace', name: n.label });
    else this.cb.select({ kind: 'node', id: n.id });
  }

  private selectEdge(e: GraphEdge): void {
    if (e.pair) this.cb.expand(e.pair);
    this.cb.select({ kind: 'edge', src: e.src, dst: e.dst });
  }

  private activate(el: Element): void {
    const i = this.items.findIndex((it) => it.el === el);
    if (i < 0) return;
    this.items[this.active]?.el.setAttribute('tabindex', '-1');
    this.active = i;
    el.setAttribute('tabindex', '0');
  }

  private moveTo(i: number): void {
    if (this.items.length === 0) return;
    const next = (i + this.items.length) % this.items.length;
    this.items[this.active]?.el.setAttribute('tabindex', '-1');
    this.active = next;
    const el = this.items[next].el;
    el.setAttribute('tabindex', '0');
    el.focus();
    this.reveal(el);
  }

  /** Pan so that an element is inside the view. */
  private reveal(el: SVGGElement): void {
    const b = el.getBBox();
    const m = el.transform.baseVal.consolidate()?.matrix;
    const x = (m?.e ?? 0) + b.x;
    const y = (m?.f ?? 0) + b.y;
    const { width, height } = this.svg.getBoundingClientRect();
    const sx = x * this.view.k + this.view.x;
    const sy = y * this.view.k + this.view.y;
    if (sx < 0 || sy < 0 || sx + b.width * this.view.k > width || sy + b.height * this.view.k > height) {
      this.view.x = width / 2 - (x + b.width / 2) * this.view.k;
      this.view.y = height / 2 - (y + b.height / 2) * this.view.k;
      this.applyView();
    }
  }

  focusActive(): void {
    const it = this.items[this.active];
    if (it) it.el.focus();
    else this.svg.focus();
  }

  /** Focus the element of a node or edge by id (tests and the matrix -> graph switch use it). */
  focusItem(id: string): void {
    const i = this.items.findIndex((it) => it.id === id);
    if (i >= 0) this.moveTo(i);
  }

  private onKey(e: KeyboardEvent): void {
    const it = this.items[this.active];
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowDown':
        this.moveTo(this.active + 1);
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
        this.moveTo(this.active - 1);
        break;
      case 'Home':
        this.moveTo(0);
        break;
      case 'End':
        this.moveTo(this.items.length - 1);
        break;
      case 'Enter':
      case ' ':
        if (!it) return;
        if (it.kind === 'group') this.cb.toggleNamespace(it.id.slice('group:'.length));
        else if (it.kind === 'node') {
          const n = this.graph!.nodes.find((x) => x.id === it.id)!;
          if (e.shiftKey && n.kind === 'workload') this.cb.focus(n.id);
          else if (e.shiftKey && n.kind === 'namespace') this.cb.toggleNamespace(n.label);
          else this.select(n);
        } else this.selectEdge(this.graph!.edges.find((x) => x.id === it.id)!);
        break;
      case '+':
      case '=':
        this.zoom(1.25);
        break;
      case '-':
        this.zoom(0.8);
        break;
      case '0':
        this.userMoved = false;
        this.fit();
        this.applyView();
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  // ---- pan and zoom ------------------------------------------------------------------------------------

  fit(): void {
    if (!this.layout) return;
    const rect = this.root.getBoundingClientRect();
    const w = Math.max(rect.width, 200);
    const hgt = Math.max(rect.height, 200);
    const k = Math.min(MAX_FIT, w / Math.max(1, this.layout.width), hgt / Math.max(1, this.layout.height));
    this.view = { k, x: (w - this.layout.width * k) / 2, y: Math.max(0, (hgt - this.layout.height * k) / 2) };
  }

  private zoom(f: number, cx?: number, cy?: number): void {
    this.userMoved = true;
    const rect = this.svg.getBoundingClientRect();
    const px = cx ?? rect.width / 2;
    const py = cy ?? rect.height / 2;
    const k = Math.max(0.1, Math.min(4, this.view.k * f));
    this.view.x = px - ((px - this.view.x) * k) / this.view.k;
    this.view.y = py - ((py - this.view.y) * k) / this.view.k;
    this.view.k = k;
    this.applyView();
  }

  private applyView(): void {
    this.viewport.setAttribute('transform', `translate(${this.view.x},${this.view.y}) scale(${this.view.k})`);
  }

  private installPanZoom(): void {
    let drag: { x: number; y: number; vx: number; vy: number } | undefined;
    this.svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const rect = this.svg.getBoundingClientRect();
      this.zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
    }, { passive: false });
    this.svg.addEventListener('pointerdown', (e) => {
      if ((e.target as Element).closest('.node, .edge')) return;
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y };
      this.svg.setPointerCapture(e.pointerId);
      this.svg.classList.add('panning');
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      this.userMoved = true;
      this.view.x = drag.vx + e.clientX - drag.x;
      this.view.y = drag.vy + e.clientY - drag.y;
      this.applyView();
    });
    const end = () => {
      drag = undefined;
      this.svg.classList.remove('panning');
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
  }

  /** A standalone SVG of the whole graph with colours resolved (for SVG and PNG export). */
  exportSvg(): { text: string; width: number; height: number } | undefined {
    if (!this.layout) return undefined;
    const clone = this.svg.cloneNode(true) as SVGSVGElement;
    const live = [this.svg, ...Array.from(this.svg.querySelectorAll('*'))];
    const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
    const props = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-linejoin', 'paint-order', 'opacity', 'font-size', 'font-family', 'font-weight', 'fill-opacity', 'stroke-opacity'];
    live.forEach((el, i) => {
      const cs = getComputedStyle(el);
      const copy = copies[i];
      for (const p of props) {
        const v = cs.getPropertyValue(p);
        if (v) copy.setAttribute(p, v);
      }
      copy.removeAttribute('class');
      copy.removeAttribute('tabindex');
    });
    const { width, height } = this.layout;
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    clone.setAttribute('width', String(Math.ceil(width)));
    clone.setAttribute('height', String(Math.ceil(height)));
    clone.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
    // The viewport group (after defs): drawn at 1:1, not panned.
    clone.children[1]?.removeAttribute('transform');
    const bg = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#ffffff';
    clone.insertBefore(s('rect', { width: '100%', height: '100%', fill: bg }), clone.firstChild);
    return { text: new XMLSerializer().serializeToString(clone), width, height };
  }
}
