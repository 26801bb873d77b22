/**
 * The matrix: sources as rows, destinations as columns, ports in the cells; namespace headers fold.
 * Virtualised (only the cells in view exist), so it stays fast with thousands of workloads. An ARIA grid:
 * one tab stop, arrows move the active cell, Enter selects a cell or folds a namespace header,
 * PageUp/PageDown and Home/End jump.
 */
import { clear, ellipsize, h } from './dom';
import { EXTERNAL_GROUP, EXPOSURE_GROUP, foldable, shortConns, type Axis, type Matrix } from './model';
import type { ReachabilityResult } from '../../server/src/lsp/protocol';
import type { Selection } from '../src/panel/messages';

export interface MatrixCallbacks {
  select(sel: Selection): void;
  /** A cell of many connections (a folded namespace): show them. */
  selectCell(row: Axis, col: Axis, members: number[]): void;
  toggleNamespace(name: string): void;
}

const CELL_W = 64;
const CELL_H = 24;

export class MatrixView {
  readonly root: HTMLDivElement;
  private readonly corner: HTMLDivElement;
  private readonly colHead: HTMLDivElement;
  private readonly colInner: HTMLDivElement;
  private readonly rowHead: HTMLDivElement;
  private readonly rowInner: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly cells: HTMLDivElement;
  private matrix?: Matrix;
  private data?: ReachabilityResult;
  /** Active position; -1 is the header (row -1: column headers; col -1: row headers). */
  private pos = { row: 0, col: -1 };
  private frame = 0;
  private selected?: string;

  constructor(private readonly cb: MatrixCallbacks) {
    this.corner = h('div', { class: 'mx-corner', 'aria-hidden': 'true' }, h('span', {}, 'from ↓  to →'));
    this.colInner = h('div', { class: 'mx-col-inner' });
    this.colHead = h('div', { class: 'mx-col-head' }, this.colInner);
    this.rowInner = h('div', { class: 'mx-row-inner' });
    this.rowHead = h('div', { class: 'mx-row-head' }, this.rowInner);
    this.sizer = h('div', { class: 'mx-sizer' });
    this.cells = h('div', { class: 'mx-cells' });
    this.body = h('div', { class: 'mx-body' }, this.sizer, this.cells);
    this.root = h(
      'div',
      { class: 'matrix', id: 'matrix', role: 'grid', tabindex: '0', 'aria-label': 'Reachability matrix: rows are sources, columns destinations', 'aria-readonly': 'true' },
      this.corner,
      this.colHead,
      this.rowHead,
      this.body,
    );
    this.body.addEventListener('scroll', () => this.schedule());
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.root.addEventListener('focus', (e) => {
      if (e.target === this.root) this.focusActive();
    });
    new ResizeObserver(() => this.schedule()).observe(this.body);
  }

  render(data: ReachabilityResult, matrix: Matrix, selection?: Selection): void {
    this.data = data;
    this.matrix = matrix;
    this.selected = this.selectionKey(selection);
    this.pos.row = Math.min(this.pos.row, matrix.rows.length - 1);
    this.pos.col = Math.min(this.pos.col, matrix.cols.length - 1);
    this.root.setAttribute('aria-rowcount', String(matrix.rows.length + 1));
    this.root.setAttribute('aria-colcount', String(matrix.cols.length + 1));
    this.sizer.style.width = `${matrix.cols.length * CELL_W}px`;
    this.sizer.style.height = `${matrix.rows.length * CELL_H}px`;
    this.paint();
  }

  setSelection(selection?: Selection): void {
    this.selected = this.selectionKey(selection);
    this.paint();
  }

  private selectionKey(sel?: Selection): string | undefined {
    if (!sel) return undefined;
    return sel.kind === 'edge' ? `e:${sel.src}\u2192${sel.dst}` : sel.kind === 'node' ? `n:${sel.id}` : `ns:${sel.name}`;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private axisLabel(a: Axis, dir: 'row' | 'col'): string {
    // Column headers are written bottom to top: their glyphs turn upside down.
    const [open, shut] = dir === 'row' ? ['▾', '▸'] : ['▴', '◂'];
    if (a.kind === 'group') return foldable(a.group) ? `${a.collapsed ? shut : open} ${a.label} (${a.members.length})` : `${a.label} (${a.members.length})`;
    return a.label;
  }

  private axisName(a: Axis): string {
    if (a.kind === 'group') return a.group === EXTERNAL_GROUP ? 'outside the cluster' : a.group === EXPOSURE_GROUP ? 'pods that may come' : `namespace ${a.label}`;
    const n = this.data!.nodes[a.node!];
    return n.kind === 'workload' ? `${n.namespace}/${n.label}` : n.label;
  }

  private headerCell(a: Axis, index: number, dir: 'row' | 'col'): HTMLDivElement {
    const isRow = dir === 'row';
    const classes = ['mx-head', isRow ? 'mx-rh' : 'mx-ch', a.kind === 'group' ? 'mx-group' : 'mx-node'];
    if (a.risk && isRow) classes.push('risk');
    const key = a.kind === 'group' ? `ns:${a.group}` : `n:${this.data!.nodes[a.node!].id}`;
    if (key === this.selected) classes.push('selected');
    const active = isRow ? this.pos.row === index && this.pos.col === -1 : this.pos.row === -1 && this.pos.col === index;
    const canFold = a.kind === 'group' && foldable(a.group);
    const el = h(
      'div',
      {
        class: classes.join(' '),
        role: isRow ? 'rowheader' : 'columnheader',
        id: `mx-${dir}-${index}`,
        tabindex: active ? '0' : '-1',
        'aria-expanded': canFold ? String(!a.collapsed) : undefined,
        'aria-label': `${this.axisName(a)}${a.kind === 'group' ? `, ${a.members.length} ${a.collapsed ? 'folded' : 'shown'}` : ''}${a.risk && isRow ? ', egress unrestricted' : ''}`,
        title: this.axisName(a),
      },
      h('span', { class: 'mx-head-text' }, ellipsize(this.axisLabel(a, dir), isRow ? (a.kind === 'group' ? 30 : 28) : 18)),
    );
    if (a.risk && isRow && a.kind === 'node') el.appendChild(h('span', { class: 'risk-badge', 'aria-hidden': 'true' }, '!'));
    if (isRow) {
      el.style.top = `${index * CELL_H}px`;
      el.style.height = `${CELL_H}px`;
    } else {
      el.style.left = `${index * CELL_W}px`;
      el.style.width = `${CELL_W}px`;
    }
    el.addEventListener('click', () => {
      this.pos = isRow ? { row: index, col: -1 } : { row: -1, col: index };
      this.activate(a);
    });
    return el;
  }

  private activate(a: Axis): void {
    if (a.kind === 'group') {
      if (foldable(a.group)) this.cb.toggleNamespace(a.group);
    } else {
      const n = this.data!.nodes[a.node!];
      this.cb.select({ kind: 'node', id: n.id });
    }
  }

  private activateCell(row: number, col: number): void {
    const m = this.matrix!;
    const c = m.cell(row, col);
    const r = m.rows[row];
    const k = m.cols[col];
    if (!c) return;
    if (r.kind === 'node' && k.kind === 'node') {
      this.cb.select({ kind: 'edge', src: this.data!.nodes[r.node!].id, dst: this.data!.nodes[k.node!].id });
    } else this.cb.selectCell(r, k, c.members);
  }

  /** Draw the headers and cells in view (plus a margin). */
  private paint(): void {
    const m = this.matrix;
    if (!m || !this.data) return;
    const top = this.body.scrollTop;
    const left = this.body.scrollLeft;
    const vh = this.body.clientHeight || 600;
    const vw = this.body.clientWidth || 800;
    const r0 = Math.max(0, Math.floor(top / CELL_H) - 2);
    const r1 = Math.min(m.rows.length, Math.ceil((top + vh) / CELL_H) + 2);
    const c0 = Math.max(0, Math.floor(left / CELL_W) - 1);
    const c1 = Math.min(m.cols.length, Math.ceil((left + vw) / CELL_W) + 1);
    const hadFocus = this.root.contains(document.activeElement) && document.activeElement !== this.root;
    clear(this.rowInner);
    clear(this.colInner);
    clear(this.cells);
    this.rowInner.style.transform = `translateY(${-top}px)`;
    this.colInner.style.transform = `translateX(${-left}px)`;
    this.rowInner.style.height = `${m.rows.length * CELL_H}px`;
    this.colInner.style.width = `${m.cols.length * CELL_W}px`;
    const headerRow = h('div', { role: 'row', 'aria-rowindex': '1', class: 'mx-header-row' });
    for (let c = c0; c < c1; c++) {
      const cell = this.headerCell(m.cols[c], c, 'col');
      cell.setAttribute('aria-colindex', String(c + 2));
      headerRow.appendChild(cell);
    }
    this.colInner.appendChild(headerRow);
    for (let r = r0; r < r1; r++) {
      const a = m.rows[r];
      const row = h('div', { role: 'row', 'aria-rowindex': String(r + 2), class: `mx-row${a.kind === 'group' ? ' mx-row-group' : ''}` });
      const head = this.headerCell(a, r, 'row');
      head.setAttribute('aria-colindex', '1');
      this.rowInner.appendChild(row);
      row.appendChild(head);
      // The row's cells live in the scrolled body; aria-owns ties them to their row.
      const owned: string[] = [];
      for (let c = c0; c < c1; c++) {
        const k = m.cols[c];
        const cell = m.cell(r, c);
        const id = `mx-${r}-${c}`;
        const active = this.pos.row === r && this.pos.col === c;
        const classes = ['mx-cell'];
        if (a.kind === 'group' || k.kind === 'group') classes.push('mx-agg');
        if (cell) classes.push(`verdict-${cell.verdict}`);
        if (cell && a.kind === 'node' && k.kind === 'node' && this.selected === `e:${this.data.nodes[a.node!].id}\u2192${this.data.nodes[k.node!].id}`) classes.push('selected');
        const label = cell ? `${this.axisName(a)} to ${this.axisName(k)}: ${cell.verdict}, ${cell.conns.text}${cell.members.length > 1 ? `, ${cell.members.length} connections` : ''}` : `${this.axisName(a)} to ${this.axisName(k)}: nothing`;
        const el = h('div', { class: classes.join(' '), role: 'gridcell', id, 'aria-colindex': String(c + 2), tabindex: active ? '0' : '-1', 'aria-label': label, title: label }, cell ? shortConns(cell.conns, 8) : '');
        el.style.top = `${r * CELL_H}px`;
        el.style.left = `${c * CELL_W}px`;
        el.addEventListener('click', () => {
          this.pos = { row: r, col: c };
          this.activateCell(r, c);
          this.setTabStop();
        });
        this.cells.appendChild(el);
        owned.push(id);
      }
      row.setAttribute('aria-owns', owned.join(' '));
    }
    if (hadFocus) this.focusActive(false);
  }

  private activeElement(): HTMLElement | null {
    const { row, col } = this.pos;
    const id = row === -1 ? `mx-col-${col}` : col === -1 ? `mx-row-${row}` : `mx-${row}-${col}`;
    return this.root.querySelector(`#${CSS.escape(id)}`);
  }

  private setTabStop(): void {
    for (const el of Array.from(this.root.querySelectorAll('[tabindex="0"]'))) if (el !== this.root) el.setAttribute('tabindex', '-1');
    this.activeElement()?.setAttribute('tabindex', '0');
  }

  focusActive(scroll = true): void {
    if (scroll) this.scrollToActive();
    let el = this.activeElement();
    if (!el && scroll) {
      this.paint();
      el = this.activeElement();
    }
    this.setTabStop();
    el?.focus({ preventScroll: true });
  }

  private scrollToActive(): void {
    const { row, col } = this.pos;
    const b = this.body;
    if (row >= 0) {
      const y = row * CELL_H;
      if (y < b.scrollTop) b.scrollTop = y;
      else if (y + CELL_H > b.scrollTop + b.clientHeight) b.scrollTop = y + CELL_H - b.clientHeight;
    }
    if (col >= 0) {
      const x = col * CELL_W;
      if (x < b.scrollLeft) b.scrollLeft = x;
      else if (x + CELL_W > b.scrollLeft + b.clientWidth) b.scrollLeft = x + CELL_W - b.clientWidth;
    }
    this.paint();
  }

  private onKey(e: KeyboardEvent): void {
    const m = this.matrix;
    if (!m) return;
    const page = Math.max(1, Math.floor(this.body.clientHeight / CELL_H) - 1);
    const { row, col } = this.pos;
    const rows = m.rows.length;
    const cols = m.cols.length;
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
    switch (e.key) {
      case 'ArrowDown':
        this.pos.row = clamp(row + 1, -1, rows - 1);
        break;
      case 'ArrowUp':
        this.pos.row = clamp(row - 1, col === -1 ? 0 : -1, rows - 1);
        break;
      case 'ArrowRight':
        this.pos.col = clamp(col + 1, -1, cols - 1);
        break;
      case 'ArrowLeft':
        this.pos.col = clamp(col - 1, row === -1 ? 0 : -1, cols - 1);
        break;
      case 'PageDown':
        this.pos.row = clamp(row + page, -1, rows - 1);
        break;
      case 'PageUp':
        this.pos.row = clamp(row - page, col === -1 ? 0 : -1, rows - 1);
        break;
      case 'Home':
        if (e.ctrlKey) this.pos = { row: 0, col: -1 };
        else this.pos.col = row === -1 ? 0 : -1;
        break;
      case 'End':
        if (e.ctrlKey) this.pos = { row: rows - 1, col: cols - 1 };
        else this.pos.col = cols - 1;
        break;
      case 'Enter':
      case ' ':
        if (row === -1 && col >= 0) this.activate(m.cols[col]);
        else if (col === -1 && row >= 0) this.activate(m.rows[row]);
        else if (row >= 0 && col >= 0) this.activateCell(row, col);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (this.pos.row === -1 && this.pos.col === -1) this.pos.col = 0;
    this.focusActive();
  }
}
