// Scaffold previews as a person meets them, at the default window (1400×900): the palette's New Default-Deny
// Egress Policy… and Allow Egress To… open a preview beside the editor with a bar that stays at its top
// (Insert into <the file that holds that namespace's resources> · Save As… · Discard), never a toast that
// hides; the preview changes nothing in the workspace's analysis until it is inserted or saved.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHarness, screenshot } from './harness.mjs';
import { acceptFileDialog, clickLens, noTab, openFile, openWorkbench, pick, runCommand } from './workbench.mjs';

const T = 30_000;
const wb = await openWorkbench({ viewport: { width: 1400, height: 900 }, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
const { page } = wb;
const h = createHarness('scaffold', () => page);

// A lens with a command is a link; one without (a label) is a span.
const lens = (text) => page.locator('.codelens-decoration a, .codelens-decoration > span', { hasText: text });
/** Choose in the open quick pick by typing (a hover over the list can cover the rows). */
async function choose(label) {
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: T });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
}
const status = (text) => page.locator('.statusbar-item', { hasText: text }).first();
const tab = (name) => page.locator('.tab', { hasText: name });

try {
  await h.test('New Default-Deny…: the preview has Insert into the namespace\'s file (not the open one), Save As… and Discard; the workspace is unchanged meanwhile', async () => {
    // payments.yaml is the open file; the policy is for shop.
    await openFile(page, 'payments.yaml');
    await status('Egress Lens: 2 unrestricted').waitFor({ timeout: 60_000 });
    await runCommand(page, 'Egress Lens: New Default-Deny Egress Policy…');
    await pick(page, 'shop');
    await pick(page, 'Allow DNS');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: T });
    await lens('Insert into shop/foo-deny-egress.yaml').waitFor({ timeout: T });
    await lens('Save As…').waitFor({ timeout: T });
    await lens('Discard').waitFor({ timeout: T });
    await lens('not in the workspace until saved').waitFor({ timeout: T });
    if (await lens('Insert into payments/payments.yaml').count()) throw new Error("Insert is offered for the open file, not for the namespace's");
    // The server has analysed the preview (its own lens on the policy says what it selects: alone, nothing)...
    await lens(/selects/).first().waitFor({ timeout: T });
    // ...and the workspace still has its two unrestricted workloads; no toast stands in for the bar.
    await status('Egress Lens: 2 unrestricted').waitFor({ timeout: T });
    if (await page.locator('.notification-toast', { hasText: /preview|Save As/ }).count()) throw new Error('a toast asks what to do with the preview');
    await screenshot(page, 'scaffold-preview.png');
  });

  await h.test('Insert puts it at the end of shop\'s file, saved; the preview closes and the analysis changes', async () => {
    const file = path.join(wb.ws, 'shop/foo-deny-egress.yaml');
    const before = readFileSync(file, 'utf8');
    await clickLens(lens('Insert into shop/foo-deny-egress.yaml'), (timeout) => page.locator('.tab.active', { hasText: 'foo-deny-egress.yaml' }).waitFor({ timeout }), {
      mayRepeat: () => readFileSync(file, 'utf8') === before,
    });
    await noTab(page, 'Untitled', T);
    // foo and web now have a default-deny: nothing is unrestricted.
    await page.waitForFunction(() => [...document.querySelectorAll('.statusbar-item')].some((e) => /Egress Lens/.test(e.textContent) && !/unrestricted|indexing/.test(e.textContent)), undefined, { timeout: T });
    const after = readFileSync(file, 'utf8');
    if (!after.startsWith(before)) throw new Error('the file\'s text changed before the insertion point');
    if (!/^---\napiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\n  namespace: shop\n/.test(after.slice(before.length).replace(/^\n/, ''))) throw new Error(`not appended as a document: ${after.slice(before.length, before.length + 200)}`);
  });

  await h.test('Allow Egress To…: the preview offers the source\'s namespace file; Save As… writes a new file beside it', async () => {
    await openFile(page, 'etl.yaml');
    await runCommand(page, 'Egress Lens: Allow Egress To…');
    await choose('payments/ledger[Deployment]');
    await choose('An address range');
    const input = page.locator('.quick-input-widget input');
    await input.fill('198.51.100.0/24');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '(3/4)' }).waitFor({ timeout: T });
    await input.fill('443');
    await page.keyboard.press('Enter');
    await choose('Kubernetes NetworkPolicy');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: T });
    await lens('Insert into payments/payments.yaml').waitFor({ timeout: T });
    if (await lens('Insert into analytics/etl.yaml').count()) throw new Error('Insert is offered for the open file');
    // The save dialog proposes the policy's name beside payments.yaml.
    await clickLens(lens('Save As…'), (timeout) => page.waitForFunction(() => /\/payments\/[a-z0-9-]+\.yaml$/.test(document.querySelector('.quick-input-widget input')?.value ?? ''), undefined, { timeout }));
    const proposed = await page.locator('.quick-input-widget input').inputValue();
    await acceptFileDialog(page, proposed);
    const name = path.basename(proposed);
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: T });
    await noTab(page, 'Untitled', T);
    if (!existsSync(path.join(wb.ws, 'payments', name))) throw new Error(`${name} was not written beside payments.yaml`);
    if (!readFileSync(path.join(wb.ws, 'payments', name), 'utf8').includes('cidr: 198.51.100.0/24')) throw new Error('not the previewed policy');
  });

  await h.test('Discard closes the preview without asking to save it', async () => {
    await runCommand(page, 'Egress Lens: New Default-Deny Egress Policy…');
    await pick(page, 'analytics');
    await pick(page, 'Deny DNS too');
    await lens('Discard').waitFor({ timeout: T });
    await lens('Insert into analytics/etl.yaml').waitFor({ timeout: T });
    await clickLens(lens('Discard'), (timeout) => noTab(page, 'Untitled', timeout));
    if (await page.locator('.monaco-dialog-box').count()) throw new Error('a save prompt opened');
  });
} finally {
  await wb.close();
}
process.exit(h.summary());
