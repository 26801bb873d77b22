// The reachability panel as a person uses it: open the examples, run Egress Lens: Show Reachability, find
// the unrestricted edge, click it, read its explanation, follow its link to the line, edit the policy and
// watch the edge go, switch to the matrix (by keyboard too), reload the window and find it as it was,
// export a Markdown table, SVG and PNG, feed it hostile names (nothing runs, the text shows as written),
// use it by keyboard alone, and forge messages from its webview (the host refuses them).
// Screenshots of the graph and the matrix, light and dark (the graph in high contrast too), land in test/artifacts/.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHarness, screenshot, artifactsDir } from './harness.mjs';
import { acceptFileDialog, goToLine, openFile, openWorkbench, pick, runCommand } from './workbench.mjs';

const T = 30_000;
// A large window: the panel opens beside the editor, and both stay readable in the screenshots.
const wb = await openWorkbench({ viewport: { width: 1920, height: 1080 }, settings: { 'workbench.colorTheme': 'Default Light Modern', 'workbench.secondarySideBar.defaultVisibility': 'hidden' } });
const { page } = wb;
const h = createHarness('panel', () => page);

// What the webview does that must not happen: dialogs, console errors (a CSP refusal is one), page errors.
const dialogs = [];
const consoleErrors = [];
page.on('dialog', (d) => {
  dialogs.push(d.message());
  void d.dismiss();
});
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  const url = m.location()?.url ?? '';
  if (/vscode-webview|webview\/browser\/pre|egress/i.test(url + m.text()) || /Content Security Policy|Refused to|alert\(|sandboxed/.test(m.text())) consoleErrors.push(`${m.text()} (${url})`);
});

const panelFrame = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
const panel = panelFrame();
const FOO = 'shop/foo[Deployment]';
const WEB = 'shop/web[Deployment]';
// Edges are waited for as attached: a horizontal curve has an empty bounding box (not "visible" to Playwright).
const edge = (src, dst) => panel.locator(`g.edge[data-src="${src}"][data-dst="${dst}"]`);

/** Click an edge where its curve is (the middle of the path), with the mouse, as a person would. */
async function clickEdge(src, dst) {
  const g = edge(src, dst);
  await g.waitFor({ state: 'attached', timeout: T });
  // The first point along the curve, from its middle outwards, where nothing else is on top of it.
  const at = await g.evaluate((el) => {
    const p = el.querySelector('.edge-line');
    const m = p.getScreenCTM();
    for (const t of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8]) {
      const pt = p.getPointAtLength(p.getTotalLength() * t);
      const x = m.a * pt.x + m.c * pt.y + m.e;
      const y = m.b * pt.x + m.d * pt.y + m.f;
      if (document.elementFromPoint(x, y)?.closest('g.edge') === el) return { x, y };
    }
    throw new Error('the edge is covered everywhere');
  });
  const frame = await page.frameLocator('iframe.webview.ready').locator('#active-frame').boundingBox();
  await page.mouse.click(frame.x + at.x, frame.y + at.y);
}

async function stroke(locator) {
  return locator.evaluate((el) => {
    const cs = getComputedStyle(el.querySelector('.edge-line'));
    return { color: cs.stroke, width: parseFloat(cs.strokeWidth) };
  });
}

async function theme(name, bodyClass) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.fill('>Preferences: Color Theme');
  // Exactly this command (not "Browse Color Themes in Marketplace", which needs the internet).
  await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) }).first().click();
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Browse Additional Color Themes' }).first().waitFor({ timeout: T });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  await panel.locator(`body.${bodyClass}`).waitFor({ timeout: T });
}

/** A screenshot of the panel alone (its webview), for the artifacts and the README. */
async function shootPanel(file) {
  const box = await page.locator('iframe.webview.ready').boundingBox();
  const p = path.join(artifactsDir, file);
  await page.screenshot({ path: p, clip: box });
  console.log(`       screenshot: test/artifacts/${file}`);
}

try {
  await h.test('Show Reachability opens the panel on the examples, drawn as a graph', async () => {
    await openFile(page, 'payments.yaml');
    await page.keyboard.press('Control+B'); // room for the panel
    const t0 = Date.now();
    await runCommand(page, 'Egress Lens: Show Reachability');
    await panel.locator('body[data-rendered]').waitFor({ timeout: T });
    console.log(`       metric: command -> first paint of the panel: ${Date.now() - t0} ms`);
    await panel.locator('body[data-view="graph"]').waitFor({ timeout: T });
    await panel.locator('g.node[data-id="payments/ledger[Deployment]"]').waitFor({ timeout: T });
    await panel.locator('.group[data-namespace="payments"]').waitFor({ timeout: T });
    await panel.locator('g.node.kind-internet').waitFor({ timeout: T });
    await panel.locator('#status', { hasText: '2 workloads with unrestricted egress' }).waitFor({ timeout: T });
  });

  await h.test("the page's CSP: default-src 'none', scripts by nonce only, nothing loaded from elsewhere", async () => {
    const csp = await panel.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
    if (directives.get('default-src')?.join(' ') !== "'none'") throw new Error(`default-src is not 'none': ${csp}`);
    const scriptSrc = directives.get('script-src') ?? [];
    const nonce = /^'nonce-([A-Za-z0-9+/_-]{22,}={0,2})'$/.exec(scriptSrc[0] ?? '')?.[1];
    if (scriptSrc.length !== 1 || !nonce) throw new Error(`script-src is not one nonce of at least 128 bits: ${scriptSrc.join(' ')}`);
    if (/'unsafe-inline'|'unsafe-eval'|'strict-dynamic'|\bdata:/.test(csp)) throw new Error(`the CSP lets more in than our files: ${csp}`);
    // Styles, fonts and images: the webview's own resources (its cspSource, the same for each), and blob:
    // images for the PNG export; no scheme or host of the internet at large.
    const own = directives.get('style-src') ?? [];
    if (own.length === 0 || own.some((s) => /^(https?:|\*)/.test(s) && !/^https:\/\/\*\.vscode-cdn\.net$/.test(s))) throw new Error(`style-src is not the webview's own resources: ${csp}`);
    for (const [name, sources] of directives) {
      if (name === 'default-src' || name === 'script-src') continue;
      const others = sources.filter((s) => !own.includes(s) && !(name === 'img-src' && s === 'blob:'));
      if (others.length > 0) throw new Error(`${name} allows ${others.join(' ')}`);
    }
    // Every script after the CSP (all of ours; VS Code puts its own bootstrap before it) carries that nonce;
    // everything the page loaded came from where its scripts came from.
    const page_ = await panel.locator('body').evaluate(() => {
      const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
      const after = (e) => (meta.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
      return {
        scripts: Array.from(document.scripts).filter(after).map((s) => ({ nonce: s.nonce, src: s.src, text: s.textContent.slice(0, 80) })),
        loaded: performance.getEntriesByType('resource').map((r) => r.name),
      };
    });
    if (page_.scripts.length === 0 || page_.scripts.some((s) => s.nonce !== nonce || !s.src)) throw new Error(`a script without the nonce: ${JSON.stringify(page_.scripts)}`);
    const origin = new URL(page_.scripts[0].src).origin;
    const foreign = page_.loaded.filter((u) => !u.startsWith('blob:') && new URL(u).origin !== origin);
    if (foreign.length > 0) throw new Error(`loaded from elsewhere: ${foreign.join(', ')}`);
    console.log(`       CSP: ${csp.replace(nonce, '…')}; ${page_.loaded.length} resources, all from ${origin}`);
  });

  await h.test('edges from shop to the internet are one aggregate until clicked; then foo -> internet shows on its own', async () => {
    const agg = edge('ns:shop', 'internet');
    await agg.waitFor({ state: 'attached', timeout: T });
    if (!/\baggregate\b/.test(await agg.getAttribute('class')) || !/\bverdict-unrestricted\b/.test(await agg.getAttribute('class'))) throw new Error(`shop -> internet is not an unrestricted aggregate: ${await agg.getAttribute('class')}`);
    if (await edge(FOO, 'internet').count()) throw new Error('foo -> internet is drawn on its own before the aggregate is expanded');
    await clickEdge('ns:shop', 'internet');
    await panel.locator('#explain h2', { hasText: 'namespace shop → internet' }).waitFor({ timeout: T });
    await agg.waitFor({ state: 'detached', timeout: T });
  });

  await h.test('the unrestricted edge stands out from the allowed ones, which carry their ports', async () => {
    const risky = edge(FOO, 'internet');
    await risky.waitFor({ state: 'attached', timeout: T });
    if (!(await risky.getAttribute('class')).includes('verdict-unrestricted')) throw new Error('foo -> internet is not unrestricted');
    const allowed = edge('payments/ledger[Deployment]', 'payments/postgres[StatefulSet]');
    if (!(await allowed.getAttribute('class')).includes('verdict-allowed')) throw new Error('ledger -> postgres is not allowed');
    const [r, a] = [await stroke(risky), await stroke(allowed)];
    if (r.color === a.color || r.width <= a.width) throw new Error(`unrestricted ${JSON.stringify(r)} does not stand out from allowed ${JSON.stringify(a)}`);
    await panel.locator('.edge-label.verdict-allowed', { hasText: 'TCP 5432' }).waitFor({ timeout: T });
    if (!(await risky.getAttribute('aria-label')).includes('unrestricted')) throw new Error('the edge does not say it is unrestricted');
  });

  await h.test('pods that may come: a dashed node for the DNS pods the policies name and the examples do not hold, explained by its rule', async () => {
    const DNS = 'exposure:kube-system/[pod with {k8s-app=kube-dns}]';
    const LEDGER = 'payments/ledger[Deployment]';
    const node = panel.locator(`g.node.kind-exposure[data-id="${DNS}"]`);
    await node.waitFor({ timeout: T });
    const look = await node.evaluate((el) => ({ dash: getComputedStyle(el.querySelector('.node-box')).strokeDasharray, label: el.querySelector('.node-label').textContent, title: el.getAttribute('aria-label') }));
    if (!look.dash || look.dash === 'none') throw new Error(`the exposure node is not dashed: ${look.dash}`);
    // The label may be shortened to the box; the accessible name says it whole.
    if (!look.label.startsWith('any pod with k8s-app') || !look.title.startsWith('any pod with k8s-app=kube-dns in kube-system: pods no manifest holds yet')) throw new Error(`the exposure node says ${JSON.stringify(look)}`);
    // payments' two workloads reach it alike: one aggregate edge, dotted.
    const e = edge('ns:payments', DNS);
    await e.waitFor({ state: 'attached', timeout: T });
    if (!(await e.getAttribute('class')).includes('verdict-exposure')) throw new Error(`payments -> DNS pods is not an exposure edge: ${await e.getAttribute('class')}`);
    const dash = await e.evaluate((el) => getComputedStyle(el.querySelector('.edge-line')).strokeDasharray);
    if (!dash || dash === 'none') throw new Error('the exposure edge is not dashed');
    await node.click();
    await panel.locator('#explain .explain-summary', { hasText: '2 workloads are exposed to any pod with k8s-app=kube-dns in kube-system.' }).waitFor({ timeout: T });
    await panel.locator('#explain .item', { hasText: `${LEDGER} may connect to them` }).waitFor({ timeout: T });
    await panel.locator('#explain a.source-link', { hasText: 'NetworkPolicy payments/default-deny-egress, spec.egress[0]' }).first().waitFor({ timeout: T });
    await panel.locator('.legend-item.verdict-exposure').waitFor({ timeout: T });
  });

  await h.test('clicking the unrestricted edge explains it: no policy restricts foo, its policy is ingress-only', async () => {
    await clickEdge(FOO, 'internet');
    await panel.locator('#explain .explain-title', { hasText: `${FOO} → internet` }).waitFor({ timeout: T });
    await panel.locator('#explain .explain-summary', { hasText: 'Unrestricted: All Connections' }).waitFor({ timeout: T });
    await panel.locator('#explain .item.tone-risk', { hasText: `No policy restricts the egress of ${FOO}` }).waitFor({ timeout: T });
    await panel.locator('#explain .item', { hasText: 'policyTypes leave out Egress' }).waitFor({ timeout: T });
    await panel.locator('#explain a.source-link', { hasText: 'Deployment shop/foo — foo-deny-egress.yaml:32' }).waitFor({ timeout: T });
    if ((await edge(FOO, 'internet').getAttribute('aria-pressed')) !== 'true') throw new Error('the clicked edge is not shown as selected');
    await screenshot(page, 'panel-1-explained.png');
  });

  await h.test('screenshots: the unrestricted edge and its explanation, light theme (the README picture)', async () => {
    await panel.locator('#explain .explain-title', { hasText: `${FOO} → internet` }).waitFor({ timeout: T });
    await shootPanel('panel-unrestricted-light.png');
  });

  await h.test('its link opens the policy at the exact line', async () => {
    await panel.locator('#explain a.source-link', { hasText: 'spec.policyTypes' }).click();
    await page.locator('.tab.active', { hasText: 'foo-deny-egress.yaml' }).waitFor({ timeout: T });
    // policyTypes' value starts on line 13, column 3 (`- Ingress`).
    await page.locator('.statusbar-item', { hasText: 'Ln 13, Col 3' }).first().waitFor({ timeout: T });
  });

  await h.test('editing the policy (Ingress -> Egress) removes the unrestricted edge, live', async () => {
    const t0 = Date.now();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('- Egress');
    await edge(FOO, 'internet').waitFor({ state: 'detached', timeout: T });
    console.log(`       metric: keystroke -> edge gone from the panel: ${Date.now() - t0} ms`);
    // The explanation follows: that connection is gone.
    await panel.locator('#explain .explain-summary', { hasText: 'No connections are allowed' }).waitFor({ timeout: T });
    await panel.locator('#explain .item.tone-deny', { hasText: 'NetworkPolicy shop/foo-deny-egress selects shop/foo[Deployment] for egress' }).waitFor({ timeout: T });
    await panel.locator(`g.node[data-id="${FOO}"]:not(.risk)`).waitFor({ timeout: T });
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await panel.locator('#status', { hasText: '1 workload with unrestricted egress' }).waitFor({ timeout: T });
    // It came as a change of the data the panel held, not as the whole data again.
    const changes = Number(await panel.locator('body').getAttribute('data-changes'));
    if (!(changes >= 1)) throw new Error(`the edit reached the panel whole (changes applied: ${changes})`);
  });

  await h.test('screenshots: the graph in the light theme', async () => {
    await clickEdge(WEB, 'internet');
    await panel.locator('#explain .explain-title', { hasText: `${WEB} → internet` }).waitFor({ timeout: T });
    await shootPanel('panel-graph-light.png');
  });

  await h.test('the matrix: rows are sources, cells show ports, namespaces fold; keyboard operable', async () => {
    await panel.locator('#view-matrix').click();
    const grid = panel.locator('[role="grid"]#matrix');
    await grid.waitFor({ timeout: T });
    await panel.locator('body[data-view="matrix"]').waitFor({ timeout: T });
    const cell = panel.locator('.mx-cell.verdict-allowed[aria-label^="payments/ledger to payments/postgres"]');
    if ((await cell.innerText()).trim() !== '5432') throw new Error(`ledger -> postgres cell: ${await cell.innerText()}`);
    // Keyboard: into the grid, to the last cell (web -> internet; the grid scrolls to it), Enter explains it.
    await grid.focus();
    await page.keyboard.press('Control+End');
    const active = await panel.locator(':focus').getAttribute('aria-label');
    if (!active?.startsWith('shop/web to internet')) throw new Error(`focus is on: ${active}`);
    await panel.locator('.mx-cell.verdict-unrestricted:focus', { hasText: 'all' }).waitFor({ timeout: T });
    if ((await panel.locator('.mx-cell[aria-label^="shop/foo to internet"]').innerText()).trim() !== '') throw new Error('foo -> internet should be empty now');
    await page.keyboard.press('Enter');
    await panel.locator('#explain .explain-title', { hasText: `${WEB} → internet` }).waitFor({ timeout: T });
    // Fold the namespace shop from its row header with the keyboard.
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    if (!(await panel.locator(':focus').getAttribute('aria-label')).startsWith('namespace shop, 3 shown')) throw new Error(`focus is on: ${await panel.locator(':focus').getAttribute('aria-label')}`);
    await page.keyboard.press('Enter');
    await panel.locator('.mx-rh[aria-expanded="false"]', { hasText: 'shop (3)' }).waitFor({ timeout: T });
    await panel.locator('.mx-cell.verdict-unrestricted[aria-label^="namespace shop to internet"]').waitFor({ timeout: T });
    await page.keyboard.press('Enter');
    await panel.locator('.mx-rh[aria-expanded="true"]', { hasText: 'shop (3)' }).waitFor({ timeout: T });
    await shootPanel('panel-matrix-light.png');
  });

  await h.test('screenshots: graph and matrix in the dark theme, the graph in high contrast', async () => {
    await theme('Dark Modern', 'vscode-dark');
    await shootPanel('panel-matrix-dark.png');
    await panel.locator('#view-graph').click();
    await panel.locator('body[data-view="graph"]').waitFor({ timeout: T });
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await shootPanel('panel-graph-dark.png');
    await theme('Dark High Contrast', 'vscode-high-contrast');
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await shootPanel('panel-graph-high-contrast.png');
    await theme('Light Modern', 'vscode-light');
  });

  await h.test('filters: only unrestricted, port, namespace, text', async () => {
    // The filters other than the name are behind their toggle, which counts those that are on.
    await panel.locator('#filters').waitFor({ state: 'hidden', timeout: T });
    await panel.locator('#filters-toggle').click();
    await panel.locator('#filters').waitFor({ timeout: T });
    await panel.locator('#filter-unrestricted').check();
    await panel.locator('#filters-toggle', { hasText: 'Filters (1)' }).waitFor({ timeout: T });
    await panel.locator('g.edge.verdict-allowed').first().waitFor({ state: 'detached', timeout: T });
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await panel.locator('#filter-unrestricted').uncheck();
    // Port 5432: the connections that allow it (the unrestricted ones too), not api's 443 and 8000.
    await panel.locator('#filter-port').fill('5432');
    await edge('shop/api[Deployment]', 'analytics/etl[Deployment]').waitFor({ state: 'detached', timeout: T });
    await edge('payments/ledger[Deployment]', 'payments/postgres[StatefulSet]').waitFor({ state: 'attached', timeout: T });
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await panel.locator('#filter-port').fill('UDP 53');
    await edge('payments/ledger[Deployment]', 'payments/postgres[StatefulSet]').waitFor({ state: 'detached', timeout: T });
    await panel.locator('#filter-port').fill('');
    await panel.locator('#filter-namespace').selectOption('analytics');
    await edge('analytics/etl[Deployment]', 'ip:10.40.0.0-10.40.255.255').waitFor({ state: 'attached', timeout: T });
    await edge(WEB, 'internet').waitFor({ state: 'detached', timeout: T });
    await panel.locator('#filter-reset').click();
    await edge(WEB, 'internet').waitFor({ state: 'attached', timeout: T });
    await panel.locator('#filters-toggle').click();
    await panel.locator('#filters').waitFor({ state: 'hidden', timeout: T });
  });

  await h.test('export: a Markdown table, saved where the dialog says', async () => {
    await panel.locator('#export-format').selectOption('md');
    await panel.locator('#export').click();
    await acceptFileDialog(page, path.join(wb.ws, 'reachability.md'));
    await panel.locator('#notice', { hasText: 'Exported to reachability.md' }).waitFor({ timeout: T });
    const md = readFileSync(path.join(wb.ws, 'reachability.md'), 'utf8');
    if (!md.includes('| shop/web\\[Deployment\\] | internet | All Connections | unrestricted (no egress policy) |')) throw new Error(md);
  });

  await h.test('export: the graph as SVG and as PNG (drawn through the page\'s own canvas, under its CSP)', async () => {
    for (const format of ['svg', 'png']) {
      await panel.locator('#export-format').selectOption(format);
      await panel.locator('#export').click();
      await acceptFileDialog(page, path.join(wb.ws, `reachability.${format}`));
      await panel.locator('#notice', { hasText: `Exported to reachability.${format}` }).waitFor({ timeout: T });
    }
    const svg = readFileSync(path.join(wb.ws, 'reachability.svg'), 'utf8');
    if (!svg.startsWith('<svg') || !svg.includes('>internet<') || svg.includes('var(--')) throw new Error(`not a standalone SVG of the graph: ${svg.slice(0, 300)}`);
    const png = readFileSync(path.join(wb.ws, 'reachability.png'));
    if (png.subarray(1, 4).toString() !== 'PNG' || png.length < 2000) throw new Error(`not a PNG (${png.length} bytes)`);
    writeFileSync(path.join(artifactsDir, 'panel-export.png'), png); // to look at
  });

  await h.test('export from the palette: Export Reachability… → SVG asks the panel for its graph', async () => {
    rmSync(path.join(wb.ws, 'reachability.svg'), { force: true });
    await runCommand(page, 'Egress Lens: Export Reachability…');
    await pick(page, 'SVG image of the graph');
    // The panel's save dialog (not the format picker closing): its path ends in the file name.
    await page.waitForFunction(() => document.querySelector('.quick-input-widget input')?.value.endsWith('reachability.svg'), undefined, { timeout: T });
    await acceptFileDialog(page, path.join(wb.ws, 'reachability.svg'));
    await panel.locator('#notice', { hasText: 'Exported to reachability.svg' }).waitFor({ timeout: T });
    const svg = readFileSync(path.join(wb.ws, 'reachability.svg'), 'utf8');
    if (!svg.startsWith('<svg') || !svg.includes('>internet<')) throw new Error(`not the graph: ${svg.slice(0, 200)}`);
  });

  await h.test('the panel comes back as it was after a window reload (serializer and state)', async () => {
    await panel.locator('#view-matrix').click();
    await panel.locator('body[data-view="matrix"]').waitFor({ timeout: T });
    // The workbench's own reload (it saves the webview's state on the way out, as a person's reload would).
    await runCommand(page, 'Developer: Reload Window');
    await page.locator('.monaco-workbench').waitFor({ state: 'detached', timeout: 60_000 }).catch(() => undefined);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await panel.locator('body[data-view="matrix"][data-rendered]').waitFor({ timeout: 60_000 });
    await panel.locator('#explain .explain-title', { hasText: `${WEB} → internet` }).waitFor({ timeout: T });
  });

  await h.test('on one workload: from its CodeLens, and from the editor title with the cursor on it', async () => {
    await panel.locator('#view-graph').click();
    await panel.locator('body[data-view="graph"]').waitFor({ timeout: T });
    const lines = readFileSync(path.join(wb.ws, 'payments/payments.yaml'), 'utf8').split('\n');
    await page.locator('.tab', { hasText: 'payments.yaml' }).first().click();
    await page.locator('.tab.active', { hasText: 'payments.yaml' }).waitFor({ timeout: T });
    // The lens above the ledger Deployment (the first workload of the file), scrolled into view.
    await goToLine(page, lines.indexOf('  name: ledger') + 1, 1);
    await page.locator('.codelens-decoration a', { hasText: /^egress: / }).first().click();
    await panel.locator('#focus-bar', { hasText: 'Focused on payments/ledger[Deployment]' }).waitFor({ timeout: T });
    await edge('payments/ledger[Deployment]', 'payments/postgres[StatefulSet]').waitFor({ state: 'attached', timeout: T });
    await panel.locator('g.node[data-id="shop/web[Deployment]"]').waitFor({ state: 'detached', timeout: T });
    // The cursor on postgres' name, then the button in the editor's title bar.
    await page.locator('.tab', { hasText: 'payments.yaml' }).first().click();
    await goToLine(page, lines.indexOf('  name: postgres') + 1, 9);
    await page.locator('.editor-actions .action-label[aria-label*="Show Reachability"]').first().click();
    await panel.locator('#focus-bar', { hasText: 'Focused on payments/postgres[StatefulSet]' }).waitFor({ timeout: T });
    await panel.locator('#clear-focus').click();
    await panel.locator('#focus-bar').waitFor({ state: 'hidden', timeout: T });
    await panel.locator('g.node[data-id="shop/web[Deployment]"]').waitFor({ state: 'attached', timeout: T });
  });

  await h.test('hostile names: nothing runs, no console error, the text shows as written', async () => {
    const hostileNs = '<img src=x onerror=alert(1)>';
    const hostileName = '</script><img src=x onerror=alert(2)>';
    const hostileLabel = '</script><script>alert(3)</script>';
    const dir = path.join(wb.ws, 'hostile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'hostile.yaml'),
      [
        `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "${hostileNs}"\n  labels:\n    team: "${hostileLabel}"\n`,
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: "${hostileName}"\n  namespace: "${hostileNs}"\nspec:\n  selector:\n    matchLabels:\n      app: "${hostileLabel}"\n  template:\n    metadata:\n      labels:\n        app: "${hostileLabel}"\n    spec:\n      containers:\n      - name: x\n        image: x\n`,
      ].join('---\n'),
    );
    await page.locator('.tab', { hasText: 'foo-deny-egress.yaml' }).first().click(); // open it beside the panel, in the first group
    await openFile(page, 'hostile.yaml'); // the editor's buffer reaches the server at once
    const id = `${hostileNs}/${hostileName}[Deployment]`;
    // The matrix shows the namespace and the workload literally.
    await panel.locator('#view-matrix').click();
    await panel.locator('.mx-rh', { hasText: hostileNs.slice(0, 20) }).first().waitFor({ timeout: T });
    await panel.locator(`.mx-rh[title="${hostileNs}/${hostileName}"]`).first().click();
    await panel.locator('#explain .explain-title', { hasText: id }).waitFor({ timeout: T });
    await panel.locator('#explain .item', { hasText: `app=${hostileLabel}` }).waitFor({ timeout: T });
    // And the graph.
    await panel.locator('#view-graph').click();
    const node = panel.locator(`g.node[data-id="${id}"]`);
    await node.waitFor({ timeout: T });
    if (!(await node.getAttribute('aria-label')).includes(hostileName)) throw new Error('the node does not name the workload literally');
    await panel.locator('.group-label', { hasText: '<img src=x' }).first().waitFor({ timeout: T });
    // No element came from the names: no <img> at all, no script but ours (the page's, by nonce) and
    // VS Code's own bootstrap, and no attribute anywhere carries a handler.
    const injected = await panel.locator('body').evaluate(() => [
      ...Array.from(document.querySelectorAll('img')).map((e) => e.outerHTML),
      ...Array.from(document.querySelectorAll('script')).filter((e) => /alert|onerror/.test(e.outerHTML)).map((e) => e.outerHTML),
      ...Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => /^on/i.test(a.name))).map((e) => e.outerHTML.slice(0, 120)),
    ]);
    if (injected.length !== 0) throw new Error(`injected into the webview: ${injected.join(' | ')}`);
    await screenshot(page, 'panel-hostile.png');
    if (dialogs.length > 0) throw new Error(`dialogs opened: ${dialogs.join(', ')}`);
    if (consoleErrors.length > 0) throw new Error(`console errors:\n${consoleErrors.join('\n')}`);
  });

  await h.test('keyboard only: Tab into the graph, arrows to the unrestricted edge, Enter explains it, Tab and Enter open its rule', async () => {
    await panel.locator('#view-graph').focus();
    await page.keyboard.press('Enter');
    await panel.locator('body[data-view="graph"]').waitFor({ timeout: T });
    const focused = () => panel.locator(':focus').evaluate((el) => `${el.closest('#graph') ? 'graph' : el.closest('#explain') ? 'explain' : 'toolbar'}|${el.getAttribute('aria-label') ?? el.textContent}`);
    for (let i = 0; !(await focused()).startsWith('graph|'); i++) {
      if (i === 30) throw new Error(`Tab never reaches the graph (last: ${await focused()})`);
      await page.keyboard.press('Tab');
    }
    for (let i = 0; !(await focused()).startsWith('graph|shop/web to internet:'); i++) {
      if (i === 300) throw new Error('the arrows never reach the edge shop/web -> internet');
      await page.keyboard.press('ArrowRight');
    }
    await page.keyboard.press('Enter');
    await panel.locator('#explain .explain-title', { hasText: `${WEB} → internet` }).waitFor({ timeout: T });
    await page.keyboard.press('Tab');
    const link = await focused();
    if (!link.startsWith('explain|Deployment shop/web — foo-deny-egress.yaml:53')) throw new Error(`Tab after the graph lands on: ${link}`);
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'foo-deny-egress.yaml' }).waitFor({ timeout: T });
    await page.locator('.statusbar-item', { hasText: 'Ln 53, Col 9' }).first().waitFor({ timeout: T });
  });

  await h.test('forged messages from the webview are refused by the host: files it did not show, malformed messages', async () => {
    // What a subverted panel script could send: messages through the webview's own channel to the host.
    const outer = page.frames().find((f) => f.url().includes('/webview/browser/pre/index.html') && f.childFrames().length > 0);
    if (!outer) throw new Error('no webview frame');
    const forge = (message) => outer.evaluate((m) => window.__vscode_post_message__('onmessage', { message: m }), message);
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const outside = pathToFileURL('/etc/hostname').toString();
    const climbing = `${pathToFileURL(wb.ws)}/shop/../../../../etc/hostname`;
    // A file of the workspace, but not one the server named to the panel.
    const unnamed = pathToFileURL(path.join(wb.ws, 'reachability.md')).toString();
    for (const uri of [outside, climbing, unnamed]) {
      await forge({ type: 'open', location: { uri, range: top } });
      await panel.locator('#notice', { hasText: `Refused to open ${uri}` }).waitFor({ timeout: T });
    }
    await forge({ type: 'open', location: { uri: 42 } });
    await forge({ type: 'export', format: 'md', fileName: '../../../.bashrc', content: 'x', encoding: 'utf8' });
    await forge({ type: 'runCommand', command: 'workbench.action.terminal.new' });
    // The panel's own messages still work, and come after the forged ones: a link opens its file.
    await page.locator('.tab', { hasText: 'payments.yaml' }).first().click();
    await panel.locator('#explain a.source-link').first().click();
    await page.locator('.tab.active', { hasText: 'foo-deny-egress.yaml' }).waitFor({ timeout: T });
    const opened = await page.locator('.tab').allInnerTexts();
    if (opened.some((t) => /hostname|reachability\.md|bashrc/.test(t))) throw new Error(`a forged message opened: ${opened.join(', ')}`);
    if (await page.locator('.quick-input-widget').isVisible()) throw new Error('a forged export opened a save dialog');
    if (await page.locator('.terminal-wrapper').count()) throw new Error('a forged message ran a command');
  });

  await h.test('no errors in the page', async () => {
    const ours = wb.errors.filter((e) => /egress|reachab/i.test(e));
    if (ours.length > 0) throw new Error(ours.join('\n'));
    if (consoleErrors.length > 0) throw new Error(consoleErrors.join('\n'));
  });
} finally {
  await wb.close();
}
process.exit(h.summary());
