// The language features as a person sees them in VS Code (code-server): the status bar item, code lenses,
// a hover, completion, the peek list of a policy's lens, and the walkthrough. Screenshots land in
// test/artifacts/ (the README's pictures come from here).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { artifactsDir, createHarness, screenshot } from './harness.mjs';
import { goToLine, openFile, openWorkbench, runCommand, suggest } from './workbench.mjs';

const T = 30_000;
const wb = await openWorkbench(); // the default window, 1400x900, as the README shows it
const { page } = wb;
const h = createHarness('language-ui', () => page);

/** The 1-based line of the first line of a workspace file that is a text (after indentation). */
function lineOf(rel, text) {
  const lines = readFileSync(path.join(wb.ws, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trim() === text);
  if (i < 0) throw new Error(`${rel} has no line "${text}"`);
  return i + 1;
}

/** A picture of the editor area alone (what the README shows). */
async function editorShot(file) {
  const p = path.join(artifactsDir, file);
  await page.locator('.part.editor').screenshot({ path: p });
  console.log(`       screenshot: test/artifacts/${file}`);
}

try {
  await h.test('the status bar shows the unrestricted workloads once the workspace is indexed', async () => {
    const item = page.locator('.statusbar-item', { hasText: 'Egress Lens: 2 unrestricted' });
    await item.waitFor({ timeout: T });
  });

  await h.test('code lenses above policies and workloads', async () => {
    await openFile(page, 'payments.yaml');
    // Room for the editor in the pictures: no side bars.
    if (await page.locator('.part.auxiliarybar').isVisible()) await page.keyboard.press('Control+Alt+B');
    if (await page.locator('.part.sidebar').isVisible()) await page.keyboard.press('Control+B');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: T });
    await page.locator('.codelens-decoration', { hasText: 'selects 2 workloads · allows 1 destination' }).first().waitFor({ timeout: T });
    await page.locator('.codelens-decoration', { hasText: 'egress: 2 destinations' }).first().waitFor({ state: 'attached', timeout: T });
    await screenshot(page, 'lang-1-codelens.png');
  });

  await h.test('a hover on a workload: its destinations, ports and deciding policies', async () => {
    const line = lineOf('payments/payments.yaml', 'name: ledger');
    await goToLine(page, line, 10);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover', { hasText: 'egress restricted' }).first();
    await hover.waitFor({ timeout: T });
    const text = await hover.innerText();
    if (!/payments\/postgres\[StatefulSet\]: TCP 5432/.test(text)) throw new Error(`hover: ${text}`);
    if (!/Decided by NetworkPolicy payments\/default-deny-egress, NetworkPolicy payments\/ledger-to-postgres/.test(text.replace(/\s+/g, ' '))) throw new Error(`hover: ${text}`);
    await screenshot(page, 'lang-2-hover.png');
    await editorShot('lang-hover-editor.png');
    await page.keyboard.press('Escape');
  });

  await h.test('completion of label values from the workspace in a selector; lenses follow the edit', async () => {
    const line = lineOf('payments/payments.yaml', 'app: postgres');
    await goToLine(page, line, 1);
    await page.keyboard.press('End');
    for (let i = 0; i < 'postgres'.length; i++) await page.keyboard.press('Backspace');
    const rows = await suggest(page, 'ledger');
    await rows.filter({ hasText: 'postgres' }).first().waitFor({ timeout: T });
    await screenshot(page, 'lang-3-completion.png');
    await editorShot('lang-completion-editor.png');
    // The lenses follow the edit: without its destination, the policy allows nothing; back after undo.
    const lens = (title) => page.locator('.codelens-decoration', { hasText: title }).first();
    await lens('selects 1 workload · allows no egress').waitFor({ state: 'attached', timeout: T });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Z');
    await page.locator('.view-line', { hasText: 'app: postgres' }).first().waitFor({ timeout: T });
    await lens('selects 1 workload · allows 1 destination').waitFor({ state: 'attached', timeout: T });
  });

  await h.test('clicking a policy lens peeks at the workloads it selects', async () => {
    await page.keyboard.press('Control+Home');
    await page.locator('.codelens-decoration a', { hasText: 'selects 1 workload' }).first().click();
    const peek = page.locator('.peekview-widget');
    await peek.waitFor({ timeout: T });
    await peek.locator('.monaco-list-row', { hasText: 'ledger' }).first().waitFor({ timeout: T });
    await screenshot(page, 'lang-4-peek.png');
    await editorShot('lang-peek-editor.png');
    await page.keyboard.press('Escape');
  });

  await h.test('the walkthrough lists its five steps and opens the sample with its diagnostics', async () => {
    await runCommand(page, 'Welcome: Open Walkthrough');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Egress Lens' }).first().click();
    for (const step of ['Open the sample', 'See a diagnostic', 'Apply a fix', 'Open the reachability panel', 'Scaffold a policy']) {
      await page.locator('.getting-started-step', { hasText: step }).first().waitFor({ timeout: T });
    }
    await screenshot(page, 'lang-5-walkthrough.png');
    await page.locator('.getting-started-step a, .getting-started-step .button-link', { hasText: 'Open the sample' }).first().click();
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: T });
    await page.locator('.editor-instance .squiggly-error').first().waitFor({ timeout: T });
    await screenshot(page, 'lang-6-sample.png');
  });

  await h.test('no errors in the page', async () => {
    const ours = wb.errors.filter((e) => /egress/i.test(e));
    if (ours.length > 0) throw new Error(ours.join('\n'));
  });
} finally {
  await wb.close();
}
process.exit(h.summary());
