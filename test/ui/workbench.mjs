// Driving the VS Code workbench like a person: open files, read the Problems panel, use Quick Fix and the palette.
// Selectors from TESTING.md 1B; the AI entries this build adds to menus are never counted on.
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCodeServer, installExtension, launchChromium, repoRoot, startCodeServer, writeUserSettings } from '../../client/tools/code-server.mjs';

const T = 30_000;

/** Start code-server with the packaged .vsix installed (EGRESS_LENS_VSIX overrides which), on a throwaway copy of examples/ (or of `source`). */
export async function openWorkbench({ vsix = process.env.EGRESS_LENS_VSIX ?? path.join(repoRoot, 'dist/egress-lens.vsix'), settings = {}, viewport = { width: 1400, height: 900 }, source = path.join(repoRoot, 'examples') } = {}) {
  const cs = ensureCodeServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-ui-'));
  const ws = path.join(tmp, 'workspace');
  cpSync(source, ws, { recursive: true });
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  writeUserSettings(userDataDir, settings);
  installExtension(cs, vsix, extensionsDir, userDataDir);
  const server = await startCodeServer(cs, { folder: ws, userDataDir, extensionsDir });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ timeout: T });
  return {
    readyAt: Date.now(),
    page,
    ws,
    errors,
    async close() {
      await browser.close();
      await server.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: T });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: T });
}

export async function showProblems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ timeout: T });
  return panel;
}

/** Type into the Problems panel's filter box (rows are virtualised: only what is visible exists). */
export async function filterProblems(page, text) {
  const input = page.locator('.panel .viewpane-filter input, .panel .markers-panel-filter-container input').first();
  await input.waitFor({ timeout: T });
  await input.fill(text);
}

/** A row of the Problems panel containing a text. */
export function problemRow(page, text) {
  return page.locator('.markers-panel .monaco-list-rows .monaco-list-row', { hasText: text });
}

export async function goToLine(page, line, column = 1) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
}

/**
 * Ctrl+Space at the cursor until the suggest widget shows a row with `text`; resolves to the widget's rows.
 * A suggest request sent while the editor still applies the keystrokes before it can be cancelled by VS Code
 * itself: when the first request shows nothing, it is asked once more.
 */
export async function suggest(page, text) {
  const rows = page.locator('.suggest-widget .monaco-list-row');
  await page.keyboard.press('Control+Space');
  await rows.filter({ hasText: text }).first().waitFor({ timeout: 10_000 }).catch(async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Space');
  });
  await rows.filter({ hasText: text }).first().waitFor({ timeout: T });
  return rows;
}

/** Ctrl+. on the current line, then click our own item by its title. */
export async function applyQuickFix(page, title) {
  await page.keyboard.press('Control+.');
  const item = page.locator('.action-widget:not(.action-list-submenu-panel) .monaco-list-row', { hasText: title }).first();
  await item.waitFor({ timeout: T });
  await item.click();
}

export async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: T });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
}

/**
 * Pick an entry of the open quick pick by its label: typed into its filter until that entry is the focused
 * one, then Enter (a click can miss a list that is still laying itself out); a click when the filter does not
 * bring it forward.
 */
export async function pick(page, label) {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: T });
  await page.locator('.quick-input-widget input').fill(label);
  const focused = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: label });
  const forward = await focused.first().waitFor({ timeout: 5000 }).then(
    () => true,
    () => false,
  );
  if (forward) await page.keyboard.press('Enter');
  else await row.click();
}

/** The text of the active editor, read through the model (not the virtualised DOM). */
export async function editorText(page) {
  return page.evaluate(() => {
    const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
    return lines.map((l) => l.textContent).join('\n');
  });
}

/** Waits until no editor tab, in any editor group, has `text` in its label (the preview closed everywhere). */
export function noTab(page, text, timeout = 30_000) {
  return page.waitForFunction((t) => ![...document.querySelectorAll('.tab')].some((e) => e.textContent.includes(t)), text, { timeout });
}

/**
 * Click a code lens and wait for what it does (`effect(timeout)` rejects when it is not seen in time). A lens
 * that the editor re-renders between the press and the release (a refresh of the lenses arriving at that moment)
 * drops the click, as it would for a person, who clicks again: so does this, while the lens is still there, the
 * effect has not happened and `mayRepeat()` says a second click cannot do the work twice.
 */
export async function clickLens(locator, effect, { attempts = 3, timeout = 10_000, mayRepeat = () => true } = {}) {
  for (let i = 1; ; i++) {
    await locator.click();
    try {
      await effect(timeout);
      return;
    } catch (e) {
      if (i >= attempts || !(await locator.isVisible()) || !(await mayRepeat())) throw e;
      process.stdout.write(`       the click on "${await locator.textContent()}" was not taken up; clicking again\n`);
    }
  }
}

/**
 * Accept the browser's file dialog (a quick input holding a path) on `file`. The dialog writes the folder it
 * opens on into its input once it has read that folder, over anything typed or proposed before: the path is
 * put after the listing shows, checked in place before Enter, and put again when the dialog replaced it.
 */
export async function acceptFileDialog(page, file, { listed = '..' } = {}) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: listed }).first().waitFor({ timeout: 30_000 });
  for (let attempt = 1; ; attempt++) {
    await input.fill(file);
    await page.waitForFunction((want) => document.querySelector('.quick-input-widget input')?.value === want, file, { timeout: 30_000 });
    await page.keyboard.press('Enter');
    const took = await input.waitFor({ state: 'hidden', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (took) return;
    if (attempt === 3) throw new Error(`the file dialog did not take ${file}`);
  }
}
