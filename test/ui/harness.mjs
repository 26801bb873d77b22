// A tiny sequential test harness for browser tests: named steps, screenshots, a final "N passed, N failed".
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../client/tools/code-server.mjs';

export const artifactsDir = path.join(repoRoot, 'test/artifacts');
mkdirSync(artifactsDir, { recursive: true });

export function createHarness(name, getPage) {
  const results = [];
  let n = 0;
  return {
    async test(title, fn) {
      const t0 = Date.now();
      try {
        await fn();
        results.push({ title, ok: true });
        console.log(`  ok   ${title} (${Date.now() - t0} ms)`);
      } catch (e) {
        results.push({ title, ok: false, error: e });
        const page = getPage?.();
        if (page) await screenshot(page, `failure-${name}-${++n}.png`).catch(() => undefined);
        console.log(`  FAIL ${title}\n${String(e?.stack ?? e).replace(/^/gm, '       ')}`);
      }
    },
    get failed() {
      return results.filter((r) => !r.ok).length;
    },
    summary() {
      const passed = results.filter((r) => r.ok).length;
      console.log(`${name}: ${passed} passed, ${this.failed} failed`);
      return this.failed === 0 ? 0 : 1;
    },
  };
}

export async function screenshot(page, file) {
  const p = path.join(artifactsDir, file);
  await page.screenshot({ path: p });
  console.log(`       screenshot: ${path.relative(repoRoot, p)}`);
  return p;
}

/** A screenshot of the reachability panel alone (its webview's box), into test/artifacts or `dir`. */
export async function shootPanel(page, file, dir = artifactsDir) {
  const box = await page.locator('iframe.webview.ready').boundingBox();
  const p = path.join(dir, file);
  await page.screenshot({ path: p, clip: box });
  console.log(`       screenshot: ${path.relative(repoRoot, p)}`);
}

/** The computed look of a panel edge (`g.edge`): its line's colour, pattern and width, its opacity, label and name. */
export function edgeLook(g) {
  return g.evaluate((el) => {
    const cs = getComputedStyle(el.querySelector('.edge-line'));
    return { stroke: cs.stroke, dash: cs.strokeDasharray, width: cs.strokeWidth, opacity: getComputedStyle(el).opacity, label: el.getAttribute('data-label'), aria: el.getAttribute('aria-label') };
  });
}
