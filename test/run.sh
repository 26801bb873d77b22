#!/usr/bin/env bash
# npm test: every test layer, in order. Installs what it needs (npm packages, then for the editor
# tests code-server, Node 24 for it, Debian's Chromium and Neovim). Ends with one summary line per layer.
set -uo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || exit 1
fi

status=0
summary=()
step() { # name, command...
  local name=$1; shift
  echo
  echo "=== $name"
  local t0=$(date +%s)
  if "$@"; then summary+=("PASS  $name ($(( $(date +%s) - t0 )) s)"); else summary+=("FAIL  $name ($(( $(date +%s) - t0 )) s)"); status=1; fi
}

step "typecheck (strict, engine without Node types)" npx tsc -p server/src/engine/tsconfig.json
step "compile" npx tsc -p tsconfig.json
step "lint" npx eslint -c server/eslint.config.mjs server client test
rm -f dist/egress-lens.vsix
step "bundle and package the .vsix" npm run -s package

# node --test: engine fixtures, LSP protocol, CLI. Its summary lines (# pass / # fail) are what CI reads.
# --test-timeout is a guard: a test that hangs (a server that never answers) fails by name after 5 minutes
# instead of holding the run until CI's own limit.
mapfile -t node_tests < <(find out/test -name '*.test.js' -not -path '*/vscode/*' | sort)
step "engine, protocol and CLI tests (node --test)" node --test --test-timeout=300000 --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination=out/node-tests.tap "${node_tests[@]}"
if [ -f out/node-tests.tap ]; then grep -E '^# (tests|pass|fail|cancelled|skipped|todo)' out/node-tests.tap; fi

step "Neovim: the bundled server in a real non-VS Code client" node test/nvim/run.mjs
step "netpol-analyzer conformance (reach vs expected connlists)" node out/test/conformance/netpol-analyzer.js
step "netpol-analyzer conformance (diff vs expected connectivity diffs)" node out/test/conformance/netpol-analyzer-diff.js
step "netpol-analyzer conformance (exposure vs expected exposure outputs)" node out/test/conformance/netpol-analyzer-exposure.js

step "VS Code extension-host suite (code-server)" node test/vscode/run-code-server.mjs
step "browser UI test (code-server + Chromium)" node test/ui/quickfix.ui.mjs
step "language features UI test: status, lenses, hover, completion, walkthrough (code-server + Chromium)" node test/ui/language.ui.mjs
step "side by side with the YAML language server of Red Hat's extension (code-server + Chromium)" node test/ui/redhat-yaml.ui.mjs
step "reachability panel UI test (code-server + Chromium)" node test/ui/panel.ui.mjs
step "reachability panel layout at 1400x900, measured (code-server + Chromium)" node test/ui/panel-layout.ui.mjs
step "change review: the edited policy's lens, the panel comparing with HEAD, Review Changes Against… (code-server + Chromium)" node test/ui/compare.ui.mjs
step "observed traffic: Load Observed Flows…, the panel's overlay (blocked red and dashed, explained; unobserved faded), exclusive with compare mode (code-server + Chromium)" node test/ui/observed.ui.mjs
step "scaffold previews: Insert / Save As / Discard bar, analysis unchanged until saved (code-server + Chromium)" node test/ui/scaffold.ui.mjs

echo
echo "=== summary ($(( $(date +%s) - start )) s)"
printf '%s\n' "${summary[@]}"
passed=$(printf '%s\n' "${summary[@]}" | grep -c '^PASS')
failed=$(printf '%s\n' "${summary[@]}" | grep -c '^FAIL')
echo "$passed passed, $failed failed"
exit $status
