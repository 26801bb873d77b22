// npm run bench:panel — the reachability panel in a real VS Code (code-server in headless Chromium) on
// generated workspaces of 100, 1,000 and 5,000 workloads: the time from the command to the first paint
// (cold: right after the window opened, the server still indexing; warm: opened again), the time from an
// edit of a policy to the panel showing it, the matrix's scrolling and size in the DOM, what the graph
// does with the input, and the webview's memory.
//
// BENCH_SIZES=100,1000 limits the sizes; BENCH_RUNS sets the edits per size (default 5).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateWorkspace } from './generator';
import { fmt, summarize } from './stats';

/* eslint-disable @typescript-eslint/no-explicit-any -- Playwright and the .mjs tools are untyped here */
type Page = any;

const repoRoot = path.join(__dirname, '../../..');
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const T = 180_000;

const load = (rel: string): Promise<any> => import(pathToFileURL(path.join(repoRoot, rel)).toString());

interface Row {
  workloads: number;
  files: number;
  cold: number;
  warm: number;
  coldSteps: string;
  warmSteps: string;
  edit: { median: number; p95: number };
  editRender: number;
  scroll: number;
  cells: number;
  dom: number;
  graph: string;
  heap: string;
}

/** Writes the generated workspace to a folder; returns the file with the policy the edits change. */
function writeWorkspace(dir: string, workloads: number): { files: number; target: string; line: number } {
  const files = generateWorkspace({ namespaces: workloads / 10, workloadsPerNamespace: 10, seed: 7 });
  let target = '';
  let line = -1;
  for (const f of files) {
    const rel = fileURLToPath(f.uri).replace(/^\/bench\//, '');
    mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), f.text);
    if (!target && rel.startsWith('ns-000/')) {
      target = rel;
      line = f.text.split('\n').findIndex((l) => l === '    - port: 5432') + 1;
    }
  }
  if (line <= 0) throw new Error('no api-to-db port in ns-000');
  return { files: files.length, target, line };
}

const webview = (page: Page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/**
 * Palette command; the clock starts when Enter is pressed. The palette lists what was registered when it
 * opened: right after the window loads, the extension's commands may not be there yet, so it reopens.
 */
async function command(page: Page, title: string): Promise<number> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt === 10) throw e;
      await page.keyboard.press('Escape');
    }
  }
  const t0 = performance.now();
  lastCommandAt = Date.now();
  await page.keyboard.press('Enter');
  return t0;
}

/** Wall clock of the last command (the webview reports its milestones in wall-clock time). */
let lastCommandAt = 0;

/** Command -> the panel's script runs -> its first data -> its first paint, from the webview's milestones. */
async function milestones(page: Page): Promise<string> {
  const d = await bodyData(page);
  const [script, data, paint] = [d.scriptAt, d.dataAt, d.paintedAt].map(Number);
  return `webview up ${fmt(script - lastCommandAt)}, data ${fmt(data - script)}, drawn ${fmt(paint - data)}`;
}

async function bodyData(page: Page): Promise<Record<string, string>> {
  return webview(page).locator('body').evaluate((b: HTMLElement) => ({ ...b.dataset }));
}

/**
 * JS heap of the page after a full GC (CDP), in bytes. code-server serves webviews from the workbench's
 * origin, so they share its renderer: the panel's memory is the difference with the panel open and closed.
 */
async function heap(cdp: any): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const u = await cdp.send('Runtime.getHeapUsage');
  return u.usedSize as number;
}

async function measure(workloads: number): Promise<Row> {
  const { ensureCodeServer, installExtension, launchChromium, startCodeServer, writeUserSettings } = await load('client/tools/code-server.mjs');
  const { goToLine, openFile } = await load('test/ui/workbench.mjs');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-bench-'));
  const ws = path.join(tmp, 'workspace');
  const { files, target, line } = writeWorkspace(ws, workloads);
  const cs = ensureCodeServer();
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  writeUserSettings(userDataDir, { 'workbench.colorTheme': 'Default Light Modern', 'files.autoSave': 'off', 'editor.codeLens': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden' });
  installExtension(cs, path.join(repoRoot, 'dist/egress-lens.vsix'), extensionsDir, userDataDir);
  const server = await startCodeServer(cs, { folder: ws, userDataDir, extensionsDir });
  const browser = await launchChromium();
  let page: Page;
  try {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: T });
    await page.locator('.statusbar').waitFor({ timeout: T });

    // The policy file the edits change, in the first group; the panel opens beside it.
    await openFile(page, target.split('/').pop());
    // Cold: the window just opened; the server indexes the workspace while the panel starts.
    let t0 = await command(page, 'Egress Lens: Show Reachability');
    await webview(page).locator('body[data-rendered]').waitFor({ timeout: T });
    const cold = performance.now() - t0;
    const coldSteps = await milestones(page);

    // Warm: closed and opened again (the analysis is there; the webview, its script and its layout are new).
    await page.locator('.tab', { hasText: 'Egress Reachability' }).click({ button: 'middle' });
    await page.locator('iframe.webview.ready').waitFor({ state: 'detached', timeout: T });
    const heapClosed = await heap(cdp);
    t0 = await command(page, 'Egress Lens: Show Reachability');
    await webview(page).locator('body[data-rendered]').waitFor({ timeout: T });
    const warm = performance.now() - t0;
    const warmSteps = await milestones(page);
    const view = (await bodyData(page)).view;
    const shown = await webview(page).locator('#status').innerText();
    const heapOpen = await heap(cdp);

    // The matrix: its size in the DOM, and a jump to the far corner (Ctrl+End) until the cell is there.
    const panel = webview(page);
    const dom = await panel.locator('body').evaluate(() => document.getElementsByTagName('*').length);
    const cells = await panel.locator('.mx-cell').count();
    await panel.locator('#matrix').focus();
    t0 = performance.now();
    await page.keyboard.press('Control+End');
    await panel.locator('.mx-cell:focus').waitFor({ timeout: T });
    const scroll = performance.now() - t0;

    // Edits: the api-to-db port of one namespace, 5432 <-> 5433, typed into the editor; the clock stops
    // when the panel has painted the new revision.
    const edits: number[] = [];
    const editRenders: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await bodyData(page);
      await goToLine(page, line, 1);
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      // The clock stops at the paint the page records (Date.now() on this same machine), not when Playwright,
      // polling across code-server's frames, notices it (that adds 300-400 ms here).
      const typedAt = Date.now();
      await page.keyboard.type(i % 2 === 0 ? '3' : '2');
      await panel.locator(`body:not([data-rendered="${before.rendered}"])`).waitFor({ timeout: T });
      edits.push(Number((await bodyData(page)).lastPaintAt) - typedAt);
      editRenders.push(Number((await bodyData(page)).renderMs));
    }
    const heapEdited = await heap(cdp);

    // The graph: drawn, folded, or not attempted.
    await panel.locator('#view-graph').click();
    t0 = performance.now();
    let graph: string;
    const drawn = panel.locator('body[data-view="graph"] g.node');
    const refused = panel.locator('#graph-too-large');
    await Promise.race([drawn.first().waitFor({ timeout: T }), refused.waitFor({ timeout: T })]);
    const ms = performance.now() - t0;
    if (await refused.isVisible()) graph = `not attempted (${fmt(ms)} to say so)`;
    else {
      const nodes = await panel.locator('g.node').count();
      const folded = await panel.locator('g.node.kind-namespace').count();
      graph = `${nodes} nodes${folded > 0 ? ` (${folded} folded namespaces)` : ''} in ${fmt(ms)}`;
    }
    const e = summarize(edits);
    return {
      workloads,
      files,
      cold,
      warm,
      coldSteps,
      warmSteps,
      edit: { median: e.median, p95: e.p95 },
      editRender: summarize(editRenders).median,
      scroll,
      cells,
      dom,
      graph: `${view} by default (${shown}); graph: ${graph}`,
      heap: `${mb(heapOpen - heapClosed)} open, ${mb(heapEdited - heapClosed)} after the edits`,
    };
  } catch (e) {
    await page?.screenshot({ path: path.join(repoRoot, `test/artifacts/failure-bench-panel-${workloads}.png`) }).catch(() => undefined);
    throw e;
  } finally {
    await browser.close();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const n of SIZES) {
    console.error(`[bench:panel] ${n} workloads`);
    rows.push(await measure(n));
  }
  if (rows.length === 0) return;
  console.log('');
  console.log('| workloads | command to first paint: cold | warm | edit to panel updated, median / p95 (render) | matrix: cells in the DOM, Ctrl+End | webview DOM elements | webview JS heap (after GC) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.workloads} (${r.files} files) | ${fmt(r.cold)} | ${fmt(r.warm)} | ${fmt(r.edit.median)} / ${fmt(r.edit.p95)} (${fmt(r.editRender)}) | ${r.cells}, ${fmt(r.scroll)} | ${r.dom} | ${r.heap} |`);
  }
  console.log('');
  for (const r of rows) console.log(`${r.workloads}: cold: ${r.coldSteps}; warm: ${r.warmSteps}; ${r.graph}`);
  console.log(`(${RUNS} edits per size; the edit time includes the server's and the panel's debounce)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
