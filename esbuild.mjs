// Bundles the extension (client), the language server, the CLI and the panel's webview code.
// Usage: node esbuild.mjs [--watch] [--dev]
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const dev = process.argv.includes('--dev');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: !dev,
  keepNames: true,
  sourcemap: dev ? 'inline' : 'external',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  define: { __EGRESS_LENS_VERSION__: JSON.stringify(version) },
};

const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['server/src/lsp/main.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['server/src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The reachability panel's webview: browser code and its stylesheet.
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', entryPoints: [{ in: 'client/webview/main.ts', out: 'panel' }, { in: 'client/webview/panel.css', out: 'panel' }], outdir: 'dist/webview' },
  // The graph's layout library, a script of its own that the panel loads when it first draws a graph (1.6 MB of a 1.7 MB bundle).
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', globalName: 'EgressLensElk', entryPoints: [{ in: 'node_modules/elkjs/lib/elk.bundled.js', out: 'elk' }], outdir: 'dist/webview', banner: { js: '/*! elkjs (https://github.com/kieler/elkjs), EPL-2.0. */' } },
];

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  for (const [i, r] of results.entries()) {
    const out = Object.entries(r.metafile.outputs).find(([f]) => f.endsWith('.js'));
    console.log(`esbuild: ${builds[i].outfile ?? builds[i].outdir} ${(out[1].bytes / 1024).toFixed(0)} KB`);
  }
}
