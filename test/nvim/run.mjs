// The language server in a real editor that is not VS Code: Debian's Neovim (0.7.2) starts dist/server.js
// over stdio, opens shop/foo-deny-egress.yaml of a copy of the examples, and test/nvim/client.lua records
// the diagnostics, a hover, a definition from a selector, the code lenses, the EL103 quick fix applied with Neovim's own workspace-edit code, and the
// diagnostics republished for the edited buffer. This script checks what it recorded.
// Usage: node test/nvim/run.mjs   (needs `node esbuild.mjs` first; installs neovim with apt-get as root)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aptInstall, hasCommand, repoRoot } from '../../client/tools/code-server.mjs';

const server = path.join(repoRoot, 'dist/server.js');
const clientLua = path.join(repoRoot, 'test/nvim/client.lua');
const file = 'shop/foo-deny-egress.yaml';
const fixTitle = 'Add Egress to policyTypes (may block traffic)';

const results = [];
function check(name, fn) {
  try {
    fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}\n  ${String(e.message ?? e).replace(/\n/g, '\n  ')}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const json = (v) => JSON.stringify(v);
function finish() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

if (!hasCommand('nvim')) {
  try {
    aptInstall(['neovim']);
  } catch (e) {
    check('neovim is installed', () => {
      throw e;
    });
    finish();
  }
}
if (!existsSync(server)) {
  check('the server bundle exists', () => {
    throw new Error(`${server} is missing: run node esbuild.mjs first`);
  });
  finish();
}

const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
console.log(`# ${version}, server ${path.relative(repoRoot, server)}`);

// Where the findings must be, read from the example itself (1-based lines and columns).
const original = readFileSync(path.join(repoRoot, 'examples', file), 'utf8').replace(/\n$/, '').split('\n');
const lineOf = (re, from = 0) => {
  const i = original.findIndex((l, n) => n >= from && re.test(l));
  if (i < 0) throw new Error(`examples/${file} has no line matching ${re}`);
  return i + 1;
};
const egressKey = lineOf(/^ {2}egress:/); // EL103 anchors on the ignored `egress` key
const ingressItem = lineOf(/^ {2}- Ingress$/, lineOf(/^ {2}policyTypes:/));
const foo = lineOf(/^ {2}name: foo$/); // EL101 anchors on the workload's name
const web = lineOf(/^ {2}name: web$/);
const expected = [
  { code: 'EL103', line: egressKey, col: 3 },
  { code: 'EL101', line: foo, col: 9 },
  { code: 'EL101', line: web, col: 9 },
];

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'egress-lens-nvim-')));
const workspace = path.join(tmp, 'ws');
cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true });
const resultFile = path.join(tmp, 'result.json');

const started = performance.now();
const nvim = spawnSync('timeout', ['60', 'nvim', '--headless', '--clean', '-n', '-c', `luafile ${clientLua.replace(/([ \\])/g, '\\$1')}`], {
  cwd: workspace,
  encoding: 'utf8',
  env: {
    ...process.env,
    XDG_CACHE_HOME: path.join(tmp, 'cache'), // Neovim's lsp.log stays in the temp folder
    XDG_DATA_HOME: path.join(tmp, 'data'),
    EGRESS_LENS_SERVER: server,
    EGRESS_LENS_WORKSPACE: workspace,
    EGRESS_LENS_FILE: file,
    EGRESS_LENS_EXPECT: expected.map((d) => `${d.code}:${d.line}`).join(','),
    EGRESS_LENS_HOVER: `${foo}:9`,
    EGRESS_LENS_FIX: `EL103:${fixTitle}`,
    EGRESS_LENS_DEFINITION: `${lineOf(/^ {2}podSelector:/)}:3`,
    EGRESS_LENS_RESULT: resultFile,
  },
});
const elapsed = performance.now() - started;
const result = existsSync(resultFile) ? JSON.parse(readFileSync(resultFile, 'utf8')) : undefined;
rmSync(tmp, { recursive: true, force: true });
if (result) {
  mkdirSync(path.join(repoRoot, 'test/artifacts'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test/artifacts/nvim-result.json'), JSON.stringify(result, null, 2) + '\n');
}
console.log(`# nvim ran ${elapsed.toFixed(0)} ms (exit ${nvim.status})`);

check('nvim runs the script to the end and exits 0', () => {
  assert(nvim.status === 0, `exit ${nvim.status}${nvim.status === 124 ? ' (timeout)' : ''}\nstdout: ${nvim.stdout}\nstderr: ${nvim.stderr}`);
  assert(result, 'no result file');
  assert(!result.error, result.error);
});
if (!result) finish();

const diagnostics = result.diagnostics ?? [];
const after = result.diagnostics_after_fix ?? [];
const where = (ds) => ds.map((d) => `${d.code}@${d.line}:${d.col}`).join(' ');

check(`diagnostics: ${where(expected)}, from egress-lens`, () => {
  assert(json(diagnostics.map(({ code, line, col }) => ({ code, line, col }))) === json(expected), `got ${where(diagnostics)}`);
  for (const d of diagnostics) {
    assert(d.source === 'egress-lens', `source of ${d.code} is ${json(d.source)}`);
    assert(typeof d.message === 'string' && d.message.length > 0, `${d.code} has no message`);
  }
  assert(/policyTypes/.test(diagnostics[0].message), `EL103 message: ${diagnostics[0].message}`);
  assert(diagnostics[0].severity === 1, 'EL103 is an error (severity 1)');
});

check('diagnostics are published for the version of the buffer that Neovim sent', () => {
  assert(result.diagnostics_version === result.buffer_version, `published for ${result.diagnostics_version}, buffer at ${result.buffer_version}`);
});

if (result.capabilities?.hoverProvider) {
  check('hover on the workload foo: its egress summary', () => {
    const hover = result.hover ?? {};
    assert(!hover.timeout, `hover timed out: ${hover.timeout}`);
    assert(hover.error === null, `hover failed: ${json(hover.error)}`);
    const text = (hover.lines ?? []).join('\n');
    assert(text.trim().length > 0, `empty hover: ${json(hover.result)}`);
    assert(/egress/i.test(text) && /unrestricted|any destination/i.test(text), `hover does not summarise foo's (unrestricted) egress:\n${text}`);
  });
} else {
  const answer = result.hover?.error ? ` (textDocument/hover answered: ${result.hover.error.message})` : '';
  console.log(`# hover: not offered by the server (no hoverProvider in its capabilities)${answer}`);
}

check('definition from the policy\'s podSelector: the Deployment foo, at its name', () => {
  const got = (result.definition ?? []).map((d) => ({ uri: d.uri, line: d.line, col: d.col }));
  assert(json(got) === json([{ uri: `file://${workspace}/${file}`, line: foo, col: 9 }]), json(result.definition));
});

check('code lenses: the policy (ingress only) and both Deployments (egress unrestricted)', () => {
  const want = [
    { line: lineOf(/^apiVersion: networking/), title: 'selects 1 workload · ingress only' },
    { line: lineOf(/^apiVersion: apps/), title: 'egress: unrestricted' },
    { line: lineOf(/^apiVersion: apps/, foo), title: 'egress: unrestricted' },
  ];
  const got = (result.code_lenses ?? []).map((l) => ({ line: l.line, title: l.title }));
  assert(json(got) === json(want), json(result.code_lenses));
});

check(`code action "${fixTitle}" offered as a quick fix with an edit`, () => {
  const action = (result.code_actions ?? []).find((a) => a.title === fixTitle);
  assert(action, `actions: ${json(result.code_actions)}`);
  assert(action.kind === 'quickfix' && action.has_edit, json(action));
});

check('the edit, applied by Neovim, adds "- Egress" under policyTypes and changes nothing else', () => {
  const want = [...original.slice(0, ingressItem), '  - Egress', ...original.slice(ingressItem)];
  const got = result.buffer_after_fix ?? [];
  const diff = want.findIndex((l, i) => got[i] !== l);
  assert(got.length === want.length && diff < 0, `first difference at line ${diff + 1}: want ${json(want[diff])}, got ${json(got[diff])}`);
});

check('after the edit: republished for the new version, EL103 gone, foo restricted (no EL101 on it)', () => {
  assert(result.diagnostics_after_fix_version > result.diagnostics_version, `versions ${result.diagnostics_version} -> ${result.diagnostics_after_fix_version}`);
  assert(!after.some((d) => d.code === 'EL103'), `still: ${where(after)}`);
  assert(json(after.map(({ code, line }) => ({ code, line }))) === json([{ code: 'EL101', line: web + 1 }]), `got ${where(after)}`);
});

check('the server exits 0 on shutdown', () => {
  assert(result.server_exit?.code === 0, json(result.server_exit));
});

finish();
