// The reachability graph at a normal window size, measured: a 1400×900 window with the side bar and the
// Problems panel open, the panel opened from the palette. On examples/ and on a 12-workload app
// (test/ui/fixtures/store), the drawn picture must
//  - fill at least half of the panel (the webview's whole page, toolbar included),
//  - route no edge through a node's box (every edge sampled every 2 px),
//  - keep every label off the nodes, and on its own edge (its centre on the edge's line),
//  - label every edge that has ports to show, and every aggregate;
// and, on the 12-workload app, aggregate edges per namespace pair until one is clicked (then its edges
// show one by one, measured again). Screenshots land in test/artifacts/ (the README's come from here).
import * as path from 'node:path';
import { createHarness, artifactsDir } from './harness.mjs';
import { openFile, openWorkbench, runCommand, showProblems } from './workbench.mjs';
import { repoRoot } from '../../client/tools/code-server.mjs';

const T = 30_000;
const VIEWPORT = { width: 1400, height: 900 };
/** The least share of the panel the graph must cover. */
const MIN_FILL = 0.5;

const h = createHarness('panel-layout', () => current?.page);
let current;

const panelOf = (page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/** Everything drawn, in the webview's own coordinates (CSS pixels of its page). */
async function measure(page) {
  return panelOf(page)
    .locator('body')
    .evaluate(() => {
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.left, y: r.top, width: r.width, height: r.height };
      };
      const nodes = [...document.querySelectorAll('#graph g.node')].map((g) => ({ id: g.dataset.id, ...box(g.querySelector('.node-box')) }));
      const edges = [...document.querySelectorAll('#graph g.edge')].map((g) => {
        const p = g.querySelector('.edge-line');
        const m = p.getScreenCTM();
        const len = p.getTotalLength();
        const points = [];
        for (let l = 0; l <= len + 0.001; l += Math.min(2, len || 2)) {
          const q = p.getPointAtLength(Math.min(l, len));
          points.push({ x: m.a * q.x + m.c * q.y + m.e, y: m.b * q.x + m.d * q.y + m.f });
        }
        return { id: g.dataset.edge, src: g.dataset.src, dst: g.dataset.dst, pair: g.dataset.pair, label: g.dataset.label, points, scale: m.a };
      });
      const labels = [...document.querySelectorAll('#graph g.edge-label')].map((g) => ({ edge: g.dataset.edge, text: g.textContent, ...box(g.querySelector('rect')) }));
      const stage = box(document.querySelector('#stage'));
      const drawn = box(document.querySelector('#graph g.viewport'));
      return { nodes, edges, labels, stage, drawn, page: { width: innerWidth, height: innerHeight } };
    });
}

const inside = (p, b, inset) => p.x > b.x + inset && p.x < b.x + b.width - inset && p.y > b.y + inset && p.y < b.y + b.height - inset;
const overlap = (a, b, inset) => a.x < b.x + b.width - inset && b.x < a.x + a.width - inset && a.y < b.y + b.height - inset && b.y < a.y + a.height - inset;

/** The share of the panel the picture covers: its drawn box, clipped to the page, over the page. */
function fill(m) {
  const w = Math.max(0, Math.min(m.drawn.x + m.drawn.width, m.page.width) - Math.max(m.drawn.x, 0));
  const hgt = Math.max(0, Math.min(m.drawn.y + m.drawn.height, m.page.height) - Math.max(m.drawn.y, 0));
  return (w * hgt) / (m.page.width * m.page.height);
}

/** Every geometric promise of the layout; returns the figures for the log. */
function check(m, what, problems = []) {
  const share = fill(m);
  if (share < MIN_FILL) problems.push(`the graph covers ${(share * 100).toFixed(0)}% of the panel (${Math.round(m.drawn.width)}×${Math.round(m.drawn.height)} of ${m.page.width}×${m.page.height}), less than ${MIN_FILL * 100}%`);
  if (m.nodes.length === 0 || m.edges.length === 0) problems.push('nothing drawn');
  // No edge through a node's box (its own ends lie on the boxes' borders: 1 px of slack).
  for (const e of m.edges) {
    for (const n of m.nodes) {
      const p = e.points.find((q) => inside(q, n, 1));
      if (p) {
        problems.push(`edge ${e.src} → ${e.dst} passes through node ${n.id} at (${Math.round(p.x)}, ${Math.round(p.y)})`);
        break;
      }
    }
  }
  // No label over a node; each label's centre on its own edge's line.
  for (const l of m.labels) {
    for (const n of m.nodes) if (overlap(l, n, 1)) problems.push(`label "${l.text}" of ${l.edge} overlaps node ${n.id}`);
    const e = l.edge ? m.edges.find((x) => x.id === l.edge) : undefined;
    if (!e) {
      problems.push(`label "${l.text}" belongs to no drawn edge`);
      continue;
    }
    const cx = l.x + l.width / 2;
    const cy = l.y + l.height / 2;
    const d = Math.min(...e.points.map((p) => Math.hypot(p.x - cx, p.y - cy)));
    if (d > 2 * Math.max(1, e.scale)) problems.push(`label "${l.text}" is ${d.toFixed(1)} px away from its edge ${e.src} → ${e.dst}`);
  }
  // Every edge that has something to say says it.
  for (const e of m.edges) if (e.label && !m.labels.some((l) => l.edge === e.id)) problems.push(`edge ${e.src} → ${e.dst} has no label ("${e.label}")`);
  console.log(`       ${what}: graph covers ${(share * 100).toFixed(0)}% of the ${m.page.width}×${m.page.height} panel (stage ${Math.round(m.stage.width)}×${Math.round(m.stage.height)}, drawn ${Math.round(m.drawn.width)}×${Math.round(m.drawn.height)}); ${m.nodes.length} nodes, ${m.edges.length} edges (${m.edges.filter((e) => e.pair).length} aggregates), ${m.labels.length} labels`);
  if (problems.length > 0) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

/** Open a workspace at the default window: side bar and Problems panel open, then Show Reachability. */
async function openPanel(source, file) {
  current = await openWorkbench({ viewport: VIEWPORT, source, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
  const { page } = current;
  await openFile(page, file);
  if (!(await page.locator('.part.sidebar').isVisible())) await page.keyboard.press('Control+B');
  await showProblems(page);
  await runCommand(page, 'Egress Lens: Show Reachability');
  const panel = panelOf(page);
  await panel.locator('body[data-view="graph"][data-rendered]').waitFor({ timeout: T });
  await panel.locator('#graph g.node').first().waitFor({ timeout: T });
  // The picture settles once the editor group has its final size.
  await settle(page);
  return panel;
}

/** Until five measurements, frames apart, agree (the editor groups resize, the fit follows). */
async function settle(page) {
  let last = '';
  let same = 0;
  for (let i = 0; i < 200 && same < 5; i++) {
    const m = await measure(page);
    const frame = await page.locator('iframe.webview.ready').boundingBox();
    const key = JSON.stringify([m.drawn, m.page, frame, m.edges.length, m.labels.length]);
    same = key === last ? same + 1 : 0;
    last = key;
    await panelOf(page).locator('body').evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
}

async function shootPanel(page, file) {
  const box = await page.locator('iframe.webview.ready').boundingBox();
  await page.screenshot({ path: path.join(artifactsDir, file), clip: box });
  console.log(`       screenshot: test/artifacts/${file}`);
}

async function shootWindow(page, file) {
  await page.screenshot({ path: path.join(artifactsDir, file) });
  console.log(`       screenshot: test/artifacts/${file}`);
}

try {
  await h.test('examples/ at 1400×900 with the side bar and Problems open: the graph fills the panel, no edge through a node, labels on their edges', async () => {
    await openPanel(path.join(repoRoot, 'examples'), 'payments.yaml');
    const { page } = current;
    const width = await page.locator('iframe.webview.ready').evaluate((f) => f.getBoundingClientRect().width);
    const editors = await page.locator('.part.editor').evaluate((e) => e.getBoundingClientRect().width);
    console.log(`       the panel's group: ${Math.round(width)} of the editor area's ${Math.round(editors)} px`);
    await shootWindow(page, 'panel-layout-examples-window.png');
    await shootPanel(page, 'panel-layout-examples.png');
    check(await measure(page), 'examples', width < editors * 0.55 ? [`the panel has ${Math.round(width)} of ${Math.round(editors)} px: not the larger share`] : []);
  });

  await h.test('examples/: an aggregate (shop → internet) expands on click into its edges, still clear of the nodes', async () => {
    const { page } = current;
    const panel = panelOf(page);
    const agg = panel.locator('g.edge.aggregate[data-pair="shop→internet"]');
    await agg.waitFor({ state: 'attached', timeout: T });
    if (!/^\d+× /.test((await agg.getAttribute('data-label')) ?? '')) throw new Error(`the aggregate does not say how many edges: ${await agg.getAttribute('data-label')}`);
    await agg.evaluate((el) => el.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    await panel.locator('g.edge[data-src="shop/foo[Deployment]"][data-dst="internet"]').waitFor({ state: 'attached', timeout: T });
    await panel.locator('g.edge[data-src="shop/web[Deployment]"][data-dst="internet"]').waitFor({ state: 'attached', timeout: T });
    await agg.waitFor({ state: 'detached', timeout: T });
    await panel.locator('#explain h2', { hasText: 'namespace shop → internet' }).waitFor({ timeout: T });
    // The explanation takes room while it is open; closed, the picture has the panel again.
    await panel.locator('#explain-close').click();
    await panel.locator('#explain').waitFor({ state: 'hidden', timeout: T });
    await settle(page);
    check(await measure(page), 'examples, shop → internet expanded');
    await shootPanel(page, 'panel-layout-examples-expanded.png');
    // The README's pictures: foo -> internet explained, and the matrix, at this window.
    await panel.locator('g.edge[data-src="shop/foo[Deployment]"][data-dst="internet"]').evaluate((el) => el.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    await panel.locator('#explain .explain-title', { hasText: 'shop/foo[Deployment] → internet' }).waitFor({ timeout: T });
    await settle(page);
    await shootWindow(page, 'panel-layout-examples-explained-window.png');
    await shootPanel(page, 'panel-layout-examples-explained.png');
    await panel.locator('#view-matrix').click();
    await panel.locator('body[data-view="matrix"]').waitFor({ timeout: T });
    await shootPanel(page, 'panel-layout-examples-matrix.png');
    await panel.locator('#view-graph').click();
    await panel.locator('body[data-view="graph"]').waitFor({ timeout: T });
    // And back: one aggregate again (once no edge of the pair is selected).
    await panel.locator('#explain-close').click();
    await panel.locator('#edges-regroup').click();
    await panel.locator('g.edge.aggregate[data-pair="shop→internet"]').waitFor({ state: 'attached', timeout: T });
    await current.close();
    current = undefined;
  });

  await h.test('a 12-workload app: edges aggregate per namespace pair, the graph fills the panel, no edge through a node, labels on their edges', async () => {
    const panel = await openPanel(path.join(repoRoot, 'test/ui/fixtures/store'), 'shop.yaml');
    const { page } = current;
    const workloads = await panel.locator('#graph g.node.kind-workload').count();
    if (workloads !== 12) throw new Error(`${workloads} workloads drawn, not 12`);
    await shootWindow(page, 'panel-layout-store-window.png');
    await shootPanel(page, 'panel-layout-store.png');
    const m = await measure(page);
    // web reaches everything: one edge per pair, not one per workload.
    const fromWeb = m.edges.filter((e) => e.src.startsWith('web/') && !e.dst.startsWith('web/'));
    const pairs = ['web→shop', 'web→payments', 'web→data', 'web→internet'].filter((p) => !m.edges.some((e) => e.pair === p));
    check(m, '12-workload app', [
      ...(fromWeb.length > 0 ? [`${fromWeb.length} edges from web drawn one by one (not aggregated per namespace pair)`] : []),
      ...(pairs.length > 0 ? [`no aggregate for ${pairs.join(', ')}`] : []),
    ]);
  });

  await h.test('the 12-workload app: web → data expands on click into its six edges, the layout still holds', async () => {
    const { page } = current;
    const panel = panelOf(page);
    await panel.locator('g.edge.aggregate[data-pair="web→data"]').evaluate((el) => el.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    await panel.locator('g.edge[data-src="web/frontend[Deployment]"][data-dst="data/postgres[StatefulSet]"]').waitFor({ state: 'attached', timeout: T });
    await panel.locator('#explain-close').click();
    await settle(page);
    const m = await measure(page);
    const webData = m.edges.filter((e) => e.src.startsWith('web/') && e.dst.startsWith('data/'));
    if (webData.length !== 6) throw new Error(`web → data drawn as ${webData.length} edges, not 6`);
    check(m, '12-workload app, web → data expanded');
    await shootPanel(page, 'panel-layout-store-expanded.png');
  });
} finally {
  await current?.close();
}
process.exit(h.summary());
