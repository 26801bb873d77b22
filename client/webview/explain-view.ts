/**
 * The side pane: the explanation of the selected edge or node (every deciding rule, each with a link
 * that opens the YAML at its line), or the list of connections behind an aggregate.
 */
import { clear, h } from './dom';
import type { ExplainItem, ExplainResult, PanelLocation } from '../../server/src/lsp/protocol';

export interface ExplainCallbacks {
  open(location: PanelLocation): void;
  focus(id: string | null): void;
  selectEdge(src: string, dst: string): void;
  /** Close the pane (the selection goes). */
  close(): void;
}

const TONE_TEXT: Record<ExplainItem['tone'], string> = { allow: 'allows', deny: 'denies', risk: 'risk', info: 'note' };

const VERDICT_TEXT = { allowed: 'allowed', unrestricted: 'unrestricted egress', gateway: 'via egress gateway', blocked: 'observed, would be blocked', exposure: 'exposed to pods that may come' } as const;

export class ExplainView {
  readonly root: HTMLElement;
  private readonly body: HTMLDivElement;

  constructor(private readonly cb: ExplainCallbacks) {
    this.body = h('div', { class: 'explain-body', id: 'explain-body', 'aria-live': 'polite' });
    const close = h('button', { type: 'button', class: 'explain-close secondary', id: 'explain-close', 'aria-label': 'Close the explanation', title: 'Close' }, '×');
    close.addEventListener('click', () => this.cb.close());
    this.root = h('aside', { class: 'explain', id: 'explain', 'aria-label': 'Explanation', tabindex: '-1' }, this.body, close);
    this.empty();
  }

  empty(): void {
    clear(this.body);
    this.body.append(
      h('h2', {}, 'Explanation'),
      h('p', { class: 'muted' }, 'Select an edge, a node or a matrix cell to see which policies and rules decide it. Each rule links to its line in the YAML.'),
    );
  }

  loading(title: string): void {
    clear(this.body);
    this.body.append(h('h2', {}, title), h('p', { class: 'muted' }, 'Asking the language server…'));
  }

  show(r: ExplainResult, actions: { focusId?: string; focused?: boolean }): void {
    clear(this.body);
    const head = h('h2', { class: 'explain-title' }, r.title);
    this.body.appendChild(head);
    if (r.verdict) this.body.appendChild(h('span', { class: `chip verdict-${r.verdict}` }, VERDICT_TEXT[r.verdict]));
    this.body.appendChild(h('p', { class: 'explain-summary' }, r.summary));
    const buttons = h('div', { class: 'explain-actions' });
    if (actions.focusId && !actions.focused) {
      const b = h('button', { type: 'button', class: 'secondary' }, 'Focus on this workload');
      b.addEventListener('click', () => this.cb.focus(actions.focusId!));
      buttons.appendChild(b);
    }
    if (actions.focused) {
      const b = h('button', { type: 'button', class: 'secondary' }, 'Show the whole workspace');
      b.addEventListener('click', () => this.cb.focus(null));
      buttons.appendChild(b);
    }
    if (buttons.childElementCount > 0) this.body.appendChild(buttons);
    for (const sec of r.sections) {
      if (sec.items.length === 0) continue;
      const list = h('ul', { class: 'explain-items' });
      for (const it of sec.items) {
        const li = h('li', { class: `item tone-${it.tone}` }, h('span', { class: 'tone' }, TONE_TEXT[it.tone]), h('span', { class: 'item-text' }, it.text));
        if (it.conns) li.appendChild(h('span', { class: 'conns' }, it.conns));
        for (const link of it.links) {
          const a = h('a', { href: '#', class: 'source-link', title: `Open ${link.location.uri.split('/').pop()} at line ${link.location.range.start.line + 1}` }, `${link.label} — ${fileName(link.location.uri)}:${link.location.range.start.line + 1}`);
          a.addEventListener('click', (e) => {
            e.preventDefault();
            this.cb.open(link.location);
          });
          li.appendChild(a);
        }
        list.appendChild(li);
      }
      this.body.append(h('h3', {}, sec.heading), list);
    }
  }

  /** The connections behind an aggregate (a folded namespace's cell or edge). */
  showList(title: string, summary: string, rows: { src: string; dst: string; text: string; verdict: string }[]): void {
    clear(this.body);
    this.body.append(h('h2', {}, title), h('p', { class: 'explain-summary' }, summary));
    const list = h('ul', { class: 'explain-items' });
    for (const r of rows.slice(0, 500)) {
      const a = h('a', { href: '#', class: 'edge-link' }, `${r.src} → ${r.dst}`);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        this.cb.selectEdge(r.src, r.dst);
      });
      list.appendChild(h('li', { class: `item tone-${r.verdict === 'unrestricted' ? 'risk' : 'allow'}` }, a, h('span', { class: 'conns' }, r.text)));
    }
    this.body.appendChild(list);
    if (rows.length > 500) this.body.appendChild(h('p', { class: 'muted' }, `…and ${rows.length - 500} more.`));
  }

  error(message: string): void {
    clear(this.body);
    this.body.append(h('h2', {}, 'Explanation'), h('p', { class: 'error' }, message));
  }
}

function fileName(uri: string): string {
  try {
    return decodeURIComponent(uri.split('/').pop() ?? uri);
  } catch {
    return uri;
  }
}

/** A mode's legend (compare, observed traffic): what the marks on edges mean, shown only in that mode. */
function markLegend(id: string, label: string, marks: readonly (readonly [string, string])[]): HTMLElement {
  return h(
    'div',
    { class: `legend mark-legend ${id}`, id, role: 'list', 'aria-label': label, hidden: true },
    ...marks.map(([cls, text]) => h('span', { role: 'listitem', class: `legend-item ${cls}` }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), text)),
  );
}

/** Compare mode's legend. */
export function compareLegend(): HTMLElement {
  return markLegend('compare-legend', 'Changes since the compared revision', [['change-added', 'added'], ['change-removed', 'removed'], ['change-changed', 'changed']]);
}

/** Observed traffic's legend. */
export function observedLegend(): HTMLElement {
  return markLegend('observed-legend', 'Observed traffic', [['observed-seen', 'observed'], ['observed-blocked', 'observed, would be blocked'], ['observed-none', 'never observed']]);
}

export function legend(): HTMLElement {
  return h(
    'div',
    { class: 'legend', role: 'list', 'aria-label': 'Legend' },
    h('span', { role: 'listitem', class: 'legend-item verdict-allowed' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'allowed', h('span', { class: 'sr-only' }, ' by a rule')),
    h('span', { role: 'listitem', class: 'legend-item verdict-gateway' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'via egress gateway'),
    h('span', { role: 'listitem', class: 'legend-item verdict-unrestricted' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'unrestricted', h('span', { class: 'sr-only' }, ': no policy restricts the egress')),
    h('span', { role: 'listitem', class: 'legend-item verdict-exposure' }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), 'exposed', h('span', { class: 'sr-only' }, ' to pods that may come: a policy admits them by label, no manifest holds them yet')),
  );
}
