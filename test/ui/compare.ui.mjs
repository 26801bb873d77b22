// Change review in a real VS Code: the examples committed to a git repository made here, then two policies
// edited in the working tree (payments' ledger may reach 203.0.113.0/24 on 443 and postgres on 5433 too;
// analytics' etl no longer reaches the data lake). The edited policy's code lens says what its change opens;
// clicking it opens the panel in compare mode (added edges green, removed red and dashed, changed amber and
// dotted, each explained on selection); Compare with… picks a revision; Egress Lens: Review Changes Against…
// writes the pull-request report to an untitled document, which is then rendered as GitHub renders a
// comment for the README. Screenshots land in test/artifacts/ (and the README's in docs/images/).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as git from 'isomorphic-git';
import MarkdownIt from 'markdown-it';
import { repoRoot } from '../../client/tools/code-server.mjs';
import { artifactsDir, createHarness, screenshot, edgeLook, shootPanel as shootPanelOf } from './harness.mjs';
import { openFile, openWorkbench, pick, runCommand } from './workbench.mjs';

const T = 30_000;

/** GitHub's look for a comment (its Markdown body), in a few rules. */
const GITHUB_CSS = `
body { margin: 16px; background: #fff; font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; max-width: 960px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; font-size: 14px; color: #59636e; border-radius: 6px 6px 0 0; }
.head b { color: #1f2328; } .head span { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 6px; font-size: 12px; }
.markdown-body { padding: 16px; font-size: 14px; line-height: 1.5; }
.markdown-body h3 { font-size: 1.25em; margin: 0 0 16px; font-weight: 600; }
.markdown-body h4 { font-size: 1em; margin: 24px 0 16px; font-weight: 600; }
.markdown-body table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; margin-bottom: 16px; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.markdown-body th { font-weight: 600; } .markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 85%; background: rgba(129,139,152,0.12); border-radius: 6px; padding: .2em .4em; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body p { margin: 0 0 16px; }
`;
const LEDGER = 'payments/ledger[Deployment]';
const POSTGRES = 'payments/postgres[StatefulSet]';
const ETL = 'analytics/etl[Deployment]';
const PROVIDER = 'ip:203.0.113.0-203.0.113.255';
const LAKE = 'ip:10.40.0.0-10.40.255.255';

// The repository: the examples at HEAD, the edits in the working tree.
const source = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-compare-src-'));
cpSync(path.join(repoRoot, 'examples'), source, { recursive: true });
await git.init({ fs, dir: source, defaultBranch: 'main' });
await git.add({ fs, dir: source, filepath: '.' });
const author = { name: 'Test', email: 'test@example.test', timestamp: 1_700_000_000, timezoneOffset: 0 };
const head = await git.commit({ fs, dir: source, message: 'the examples', author, committer: author });
const edit = (rel, from, to) => {
  const p = path.join(source, rel);
  const text = readFileSync(p, 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} does not hold ${JSON.stringify(from)}`);
  writeFileSync(p, text.replace(from, to));
};
edit('payments/payments.yaml', '    ports:\n    - port: 5432\n', '    ports:\n    - port: 5432\n    - port: 5433\n  # the card processor\n  - to:\n    - ipBlock:\n        cidr: 203.0.113.0/24\n    ports:\n    - port: 443\n');
edit('analytics/etl.yaml', '  # the data lake\n  - to:\n    - ipBlock:\n        cidr: 10.40.1.7/16\n    ports:\n    - port: 443\n', '');

const wb = await openWorkbench({ source, viewport: { width: 1600, height: 1000 }, settings: { 'workbench.colorTheme': 'Default Light Modern', 'workbench.secondarySideBar.defaultVisibility': 'hidden' } });
const { page } = wb;
const h = createHarness('compare', () => page);
const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
const edge = (src, dst) => panel.locator(`g.edge[data-src="${src}"][data-dst="${dst}"]`);

const look = edgeLook;
const shootPanel = (file, dir) => shootPanelOf(page, file, dir);

let markdown = '';
try {
  await h.test('the edited policy has a code lens with what its change opens against HEAD', async () => {
    await openFile(page, 'payments.yaml');
    await page.keyboard.press('Control+B'); // room for the panel
    const lens = page.locator('.codelens-decoration', { hasText: 'this change' }).first();
    await lens.waitFor({ timeout: T });
    const text = (await lens.textContent()).trim();
    if (!text.includes('this change opens 1 path to the internet · opens 1 path within a namespace')) throw new Error(`lens: ${text}`);
    await screenshot(page, 'compare-1-lens.png');
  });

  await h.test('clicking the lens opens the panel in compare mode against HEAD', async () => {
    await page.locator('.codelens-decoration a', { hasText: 'this change' }).first().click();
    await panel.locator('body[data-compare][data-rendered]').waitFor({ timeout: T });
    const bar = panel.locator('#compare-bar');
    await bar.locator('strong', { hasText: 'HEAD' }).waitFor({ timeout: T });
    const text = await bar.textContent();
    if (!text.includes(head.slice(0, 8)) || !text.includes('opens 1 path to the internet') || !text.includes('1 added, 1 removed, 1 changed')) throw new Error(`compare bar: ${text}`);
    await panel.locator('#compare-legend:not([hidden])').waitFor({ timeout: T });
  });

  await h.test('added edges are green and solid, removed red and dashed, changed amber and dotted; the rest fade', async () => {
    const added = edge(LEDGER, PROVIDER);
    const removed = edge(ETL, LAKE);
    const changed = edge(LEDGER, POSTGRES);
    for (const [g, cls] of [[added, 'change-added'], [removed, 'change-removed'], [changed, 'change-changed']]) {
      await g.waitFor({ state: 'attached', timeout: T });
      if (!(await g.getAttribute('class')).includes(cls)) throw new Error(`not ${cls}: ${await g.getAttribute('class')}`);
    }
    const [a, r, c] = [await look(added), await look(removed), await look(changed)];
    console.log(`       added ${JSON.stringify(a)}, removed ${JSON.stringify(r)}, changed ${JSON.stringify(c)}`);
    if (new Set([a.stroke, r.stroke, c.stroke]).size !== 3) throw new Error('added, removed and changed share a colour');
    if (a.dash !== 'none' || r.dash === 'none' || c.dash === 'none' || r.dash === c.dash) throw new Error('the line patterns do not tell the changes apart');
    // api's edges did not change (api still reaches the data lake's addresses, as part of the internet).
    const still = panel.locator('g.edge[data-src="ns:shop"], g.edge[data-src="shop/api[Deployment]"]').first();
    await still.waitFor({ state: 'attached', timeout: T });
    if ((await still.getAttribute('class')).includes('change-')) throw new Error(`an unchanged edge is marked: ${await still.getAttribute('class')}`);
    if (Number((await look(still)).opacity) >= 1) throw new Error('unchanged edges do not step back');
    await shootPanel('compare-2-panel.png');
  });

  await h.test('a marked edge is explained: the connections before and after, the deciding rule at its line', async () => {
    await edge(LEDGER, PROVIDER).dispatchEvent('click');
    const explain = panel.locator('#explain');
    await explain.locator('text=Opened against HEAD: before nothing, after TCP 443.').waitFor({ timeout: T });
    await explain.locator('a.source-link', { hasText: 'NetworkPolicy payments/ledger-to-postgres, spec.egress[1] — payments.yaml:' }).first().waitFor({ timeout: T });
    await edge(ETL, LAKE).dispatchEvent('click');
    await explain.locator('text=Closed against HEAD: before TCP 443, after nothing.').waitFor({ timeout: T });
    await explain.locator('a.source-link', { hasText: '(in HEAD) — etl.yaml:' }).first().waitFor({ timeout: T });
    await shootPanel('compare-3-explained.png');
    // For the README: the edited policy with its lens, and the panel comparing beside it.
    const p = path.join(repoRoot, 'docs/images/compare.png');
    await page.screenshot({ path: p });
    console.log(`       screenshot: ${path.relative(repoRoot, p)}`);
  });

  await h.test('Stop comparing, then Compare with… HEAD from the picker', async () => {
    await panel.locator('#compare-stop').click();
    await panel.locator('body:not([data-compare])').waitFor({ timeout: T });
    if (await panel.locator('g.edge.change-added').count()) throw new Error('marks stay after Stop comparing');
    await panel.locator('#compare').click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'the examples' }).first().waitFor({ timeout: T });
    await pick(page, 'HEAD');
    await panel.locator('body[data-compare]').waitFor({ timeout: T });
    await edge(LEDGER, PROVIDER).and(panel.locator('.change-added')).waitFor({ state: 'attached', timeout: T });
  });

  await h.test('Review Changes Against… writes the pull-request report to an untitled Markdown document', async () => {
    await runCommand(page, 'Egress Lens: Review Changes Against…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'main' }).first().waitFor({ timeout: T });
    await pick(page, 'HEAD');
    await page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: T });
    // The text through the editor's own model (the DOM holds only the visible lines).
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: '### Egress Lens: opens 1 path to the internet' }).first().waitFor({ timeout: T });
    markdown = await page.evaluate(async () => {
      // The active editor's visible lines, in the order of their position.
      const lines = [...document.querySelectorAll('.editor-group-container.active .editor-instance .monaco-editor .view-lines .view-line')];
      return lines
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((l) => l.textContent.replace(/\u00a0/g, ' '))
        .join('\n');
    });
    for (const want of ['#### Internet and host names', '`payments/ledger[Deployment]`', '`203.0.113.0/24`', '#### Within a namespace']) if (!markdown.includes(want)) throw new Error(`the report lacks ${want}:\n${markdown}`);
    await screenshot(page, 'compare-4-review.png');
  });

  await h.test('the report as a pull-request comment (rendered as GitHub renders Markdown), for the README', async () => {
    // The report the command wrote is the CLI's diff --format md; read it whole from the CLI for the picture.
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'diff', '--base', 'HEAD', '--link-template', 'https://github.com/acme/k8s/blob/{rev}/{path}#L{line}'], { cwd: wb.ws, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const firstLine = r.stdout.split('\n')[0];
    if (!markdown.startsWith(firstLine)) throw new Error(`the editor's report and the CLI's differ:\n${markdown.split('\n')[0]}\n${firstLine}`);
    const html = new MarkdownIt({ html: true, linkify: false }).render(r.stdout);
    const context = await page.context().browser().newContext({ viewport: { width: 1000, height: 600 } });
    const comment = await context.newPage();
    await comment.setContent(`<!DOCTYPE html><html><head><style>${GITHUB_CSS}</style></head><body><div class="comment"><div class="head"><b>github-actions</b> <span>bot</span> commented</div><div class="markdown-body">${html}</div></div></body></html>`);
    const box = await comment.locator('.comment').boundingBox();
    const p = path.join(repoRoot, 'docs/images/pr-comment.png');
    await comment.screenshot({ path: p, clip: { x: 0, y: 0, width: 1000, height: Math.ceil(box.y + box.height + 16) } });
    await comment.screenshot({ path: path.join(artifactsDir, 'compare-5-pr-comment.png'), fullPage: true });
    console.log('       screenshot: docs/images/pr-comment.png');
    await context.close();
  });
} finally {
  if (wb.errors.length > 0) console.log(`page errors: ${wb.errors.join('\n')}`);
  await wb.close();
  rmSync(source, { recursive: true, force: true });
}
process.exit(h.summary());
