// Observed traffic in a real VS Code: the flow fixture's workspace (test/fixtures/flows/workspace) committed to a
// git repository made here, with its Hubble log beside it. Egress Lens: Load Observed Flows… reads the log
// through the file dialog; the reachability panel then draws the flows over the graph: the connection the
// billing namespace's default-deny would block (ledger to api.stripe.com:443) red and dashed with a ✗ badge, to
// a destination of its own, and explained with the policy that blocks it; observed edges solid with a ✓ badge;
// edges no flow took faded. Compare with… HEAD does not draw the overlay (the bar says so); Clear observed
// flows takes it away. Screenshots land in test/artifacts/ (and the README's in docs/images/observed.png).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as git from 'isomorphic-git';
import { repoRoot } from '../../client/tools/code-server.mjs';
import { createHarness, edgeLook, shootPanel as shootPanelOf } from './harness.mjs';
import { acceptFileDialog, openWorkbench, pick, runCommand } from './workbench.mjs';

const T = 30_000;
const LEDGER = 'billing/ledger[Deployment]';
const API = 'shop/api[Deployment]';
const WEB = 'shop/web[Deployment]';
const STRIPE = 'fqdn:api.stripe.com';

const fixtures = path.join(repoRoot, 'test/fixtures/flows');
const source = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-observed-src-'));
cpSync(path.join(fixtures, 'workspace'), source, { recursive: true });
await git.init({ fs, dir: source, defaultBranch: 'main' });
await git.add({ fs, dir: source, filepath: 'shop.yaml' });
const author = { name: 'Test', email: 'test@example.test', timestamp: 1_700_000_000, timezoneOffset: 0 };
await git.commit({ fs, dir: source, message: 'the shop', author, committer: author });
// The flow log sits beside the manifests (as a user's export would), outside the commit.
cpSync(path.join(fixtures, 'hubble.jsonl'), path.join(source, 'hubble.jsonl'));

const wb = await openWorkbench({ source, viewport: { width: 1400, height: 900 }, settings: { 'workbench.colorTheme': 'Default Light Modern', 'workbench.secondarySideBar.defaultVisibility': 'hidden' } });
const { page } = wb;
const h = createHarness('observed', () => page);
const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
const edge = (src, dst) => panel.locator(`g.edge[data-src="${src}"][data-dst="${dst}"]`);

const look = edgeLook;
const shootPanel = (file, dir) => shootPanelOf(page, file, dir);

try {
  await h.test('Load Observed Flows… reads the Hubble log through the file dialog and says what would be blocked', async () => {
    // The extension is running once its status item shows.
    await page.locator('.statusbar-item', { hasText: 'Egress Lens' }).first().waitFor({ timeout: T });
    await runCommand(page, 'Egress Lens: Load Observed Flows…');
    // The browser's file dialog is a quick input holding a path: the log's.
    await acceptFileDialog(page, path.join(wb.ws, 'hubble.jsonl'), { listed: 'hubble.jsonl' });
    const toast = page.locator('.notification-toast .notification-list-item-message', { hasText: 'observed connections would be blocked' });
    await toast.waitFor({ timeout: T });
    const text = await toast.textContent();
    if (!text.includes('13 flows, 6 distinct connections') || !text.includes('1 observed connections would be blocked')) throw new Error(`notification: ${text}`);
  });

  await h.test('the panel shows the overlay: a bar with what is loaded, the legend, edges marked', async () => {
    await page.keyboard.press('Control+B'); // room for the panel
    await runCommand(page, 'Egress Lens: Show Reachability');
    await panel.locator('body[data-observed][data-rendered]').waitFor({ timeout: T });
    // No editor is open: the panel takes the whole editor area.
    await runCommand(page, 'View: Single Column Editor Layout');
    await panel.locator('body[data-observed][data-rendered]').waitFor({ timeout: T });
    const bar = panel.locator('#observed-bar');
    await bar.locator('strong', { hasText: 'hubble.jsonl' }).waitFor({ timeout: T });
    const text = await bar.textContent();
    if (!text.includes('7 flows, 4 connections') || !text.includes('1 would be blocked') || !text.includes('never observed (candidates for tightening)')) throw new Error(`observed bar: ${text}`);
    await panel.locator('#observed-legend:not([hidden])').waitFor({ timeout: T });
  });

  await h.test('the blocked connection is red and dashed with a ✗ badge, to the observed destination; observed edges solid with a ✓; the rest fade', async () => {
    const blocked = edge(LEDGER, STRIPE);
    await blocked.waitFor({ state: 'attached', timeout: T });
    if (!(await blocked.getAttribute('class')).includes('observed-blocked')) throw new Error(`not observed-blocked: ${await blocked.getAttribute('class')}`);
    await panel.locator(`g.node[data-id="${STRIPE}"].observed`).waitFor({ state: 'attached', timeout: T });
    const seen = edge(WEB, API);
    const never = edge(API, WEB);
    const [b, s, n] = [await look(blocked), await look(seen), await look(never)];
    console.log(`       blocked ${JSON.stringify(b)}\n       seen ${JSON.stringify(s)}\n       never ${JSON.stringify(n)}`);
    // Red: the theme's colour for what is removed (compare mode's), never the colour of an allowed edge.
    const red = /rgb\((\d+), (\d+), (\d+)\)/.exec(b.stroke);
    if (!red || !(+red[1] > 120 && +red[1] > 2 * +red[2] && +red[1] > 2 * +red[3]) || b.stroke === s.stroke) throw new Error(`the blocked edge is not red: ${b.stroke}`);
    if (b.dash === 'none' || s.dash !== 'none') throw new Error('the line pattern does not tell blocked from observed');
    if (!b.label?.startsWith('✗ blocked 3/3') || !s.label?.startsWith('✓ 2 seen')) throw new Error(`badges: ${b.label} / ${s.label}`);
    if (!b.aria.includes('observed, 3 flows would be blocked') || !n.aria.includes('never observed')) throw new Error(`accessible names: ${b.aria} / ${n.aria}`);
    if (!(Number(n.opacity) < 1) || Number(s.opacity) !== 1 || Number(b.opacity) !== 1) throw new Error(`fading: never ${n.opacity}, seen ${s.opacity}, blocked ${b.opacity}`);
    await shootPanel('observed-1-panel.png');
  });

  await h.test('the blocked edge is explained: would be blocked, by the namespace default-deny, linked to its line', async () => {
    await edge(LEDGER, STRIPE).dispatchEvent('click');
    const explain = panel.locator('#explain');
    await explain.locator('text=Observed: 3 flows, 3 flows would be blocked. No rule of the workspace allows it.').waitFor({ timeout: T });
    await explain.locator('text=billing/ledger[Deployment] → api.stripe.com (203.0.113.7) TCP 443: 3 flows, would be blocked').waitFor({ timeout: T });
    await explain.locator('a.source-link', { hasText: 'billing/default-deny-egress' }).first().waitFor({ timeout: T });
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.locator('.notification-toast').first().waitFor({ state: 'detached', timeout: T });
    await shootPanel('observed-2-explained.png');
    await shootPanel('observed.png', path.join(repoRoot, 'docs/images'));
    // An observed, allowed edge names the rule that allows it.
    await edge(LEDGER, API).dispatchEvent('click');
    await explain.locator('text=Observed: 1 flow, all allowed.', { exact: false }).first().waitFor({ timeout: T });
    await explain.locator('a.source-link', { hasText: 'billing/ledger-to-api' }).first().waitFor({ timeout: T });
  });

  await h.test('compare mode does not draw the overlay and says so; Stop comparing brings it back', async () => {
    await panel.locator('#compare').click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'the shop' }).first().waitFor({ timeout: T });
    await pick(page, 'HEAD');
    await panel.locator('body[data-compare]:not([data-observed])').waitFor({ timeout: T });
    await panel.locator('#observed-bar', { hasText: 'not drawn while comparing' }).waitFor({ timeout: T });
    if (await panel.locator('g.edge.observed-blocked, g.edge.observed-seen').count()) throw new Error('observed marks drawn while comparing');
    await panel.locator('#compare-stop').click();
    await panel.locator('body[data-observed]:not([data-compare])').waitFor({ timeout: T });
    await edge(LEDGER, STRIPE).waitFor({ state: 'attached', timeout: T });
  });

  await h.test('Clear observed flows takes the overlay away', async () => {
    await panel.locator('#observed-clear').click();
    await panel.locator('body:not([data-observed])[data-rendered]').waitFor({ timeout: T });
    await panel.locator('#observed-bar[hidden]').waitFor({ state: 'attached', timeout: T });
    await edge(LEDGER, STRIPE).waitFor({ state: 'detached', timeout: T });
    if (await panel.locator('g.edge.observed-seen').count()) throw new Error('marks stay after clearing');
  });
} finally {
  if (wb.errors.length > 0) console.log(`page errors: ${wb.errors.join('\n')}`);
  await wb.close();
  rmSync(source, { recursive: true, force: true });
}
process.exit(h.summary());
