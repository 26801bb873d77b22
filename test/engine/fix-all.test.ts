import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, applyEdits, fixAll, fixesFor, readConfigFile, ruleById, type EngineConfig } from '../../server/src/engine';
import { readFixture } from '../support/fixture';
import { repoRoot } from '../support/workspace';

const root = path.join(repoRoot, 'test/fixtures/rules');

function configOf(dir: string): Partial<EngineConfig> | undefined {
  const cfg = path.join(dir, '.egress-lens.yaml');
  try {
    return readConfigFile(cfg, readFileSync(cfg, 'utf8')).config;
  } catch {
    return undefined;
  }
}

test('fix-all applies every safe fix, never an unsafe one, and a second run changes nothing (all fixtures)', () => {
  let files = 0;
  let changed = 0;
  for (const ruleId of readdirSync(root)) {
    if (ruleById.get(ruleId)?.docs.input === 'config') continue;
    const dir = path.join(root, ruleId);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.startsWith('.'))) {
      const uri = `file:///fx/${ruleId}/${name}`;
      const text = readFixture(readFileSync(path.join(dir, name), 'utf8')).text;
      const config = configOf(dir);
      const a = analyze([{ uri, text }], config);
      files++;
      const edit = fixAll(a, uri);
      const fixed = edit ? applyEdits(text, [edit]) : text;
      if (edit) changed++;
      const again = analyze([{ uri, text: fixed }], config);
      // Nothing safe is left to fix in the file...
      const leftover = again.findings.filter((f) => f.uri === uri && fixesFor(again, f).some((x) => x.safety === 'safe' && x.edits.every((e) => e.uri === uri && !e.create)));
      assert.deepEqual(leftover.map((f) => `${f.ruleId} ${f.message}`), [], `${ruleId}/${name}: safe fixes left after fix-all`);
      // ...fixing again changes nothing...
      assert.equal(fixAll(again, uri), undefined, `${ruleId}/${name}: fix-all is not idempotent`);
      // ...and no unsafe fix's text made it in.
      for (const f of a.findings.filter((f) => f.uri === uri && f.fixable)) {
        for (const x of fixesFor(a, f).filter((x) => x.safety === 'unsafe')) {
          for (const e of x.edits) {
            const added = e.newText.trim();
            if (added.length > 2 && !text.includes(added)) assert.ok(!fixed.includes(added), `${ruleId}/${name}: the unsafe fix "${x.title}" was applied`);
          }
        }
      }
    }
  }
  assert.ok(files > 40 && changed > 8, `fix-all exercised on ${files} files, ${changed} changed`);
});

test('fix-all on the example: neither "Add Egress to policyTypes" (foo would lose all egress but its rules) nor the unsafe default-deny', () => {
  const file = path.join(repoRoot, 'examples/shop/foo-deny-egress.yaml');
  const uri = 'file:///ex/foo-deny-egress.yaml';
  const text = readFileSync(file, 'utf8');
  const a = analyze([{ uri, text }]);
  assert.deepEqual(a.findings.filter((f) => f.fixable).flatMap((f) => fixesFor(a, f).map((x) => `${f.ruleId} ${x.safety}`)), ['EL103 unsafe', 'EL101 unsafe', 'EL102 unsafe', 'EL101 unsafe']);
  assert.equal(fixAll(a, uri), undefined);
});
