// Posts the Egress Lens report on a pull request, or updates the comment it posted before (found by a
// marker line), through the GitHub REST API. Used by action.yml; reads GITHUB_API_URL (set by the runner), GITHUB_REPOSITORY,
// PR_NUMBER and GITHUB_TOKEN, and the report's file from its argument.
import { readFileSync } from 'node:fs';

const MARKER = '<!-- egress-lens-review -->';
const api = process.env.GITHUB_API_URL;
const repo = process.env.GITHUB_REPOSITORY;
const pr = process.env.PR_NUMBER;
const token = process.env.GITHUB_TOKEN;
if (!api || !repo || !pr || !token) {
  console.error('comment: GITHUB_API_URL, GITHUB_REPOSITORY, PR_NUMBER and GITHUB_TOKEN are needed');
  process.exit(2);
}
const body = `${MARKER}\n${readFileSync(process.argv[2], 'utf8')}`;
const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json', 'x-github-api-version': '2022-11-28', 'user-agent': 'egress-lens-action' };

async function call(method, path, payload) {
  const res = await fetch(`${api}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The comment this action posted before, if any (every page of the pull request's comments). */
async function previous() {
  for (let page = 1; ; page++) {
    const comments = await call('GET', `/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
    const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
    if (mine) return mine;
    if (comments.length < 100) return undefined;
  }
}

try {
  const existing = await previous();
  const c = existing ? await call('PATCH', `/repos/${repo}/issues/comments/${existing.id}`, { body }) : await call('POST', `/repos/${repo}/issues/${pr}/comments`, { body });
  console.log(`${existing ? 'updated' : 'posted'} ${c.html_url ?? `comment ${c.id}`}`);
} catch (e) {
  console.error(`comment: ${e.message}`);
  process.exit(1);
}
