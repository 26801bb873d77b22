// Reach fixtures: YAML with the expected connectivity list in a trailing comment block (hand-derived
// from the Kubernetes semantics, never generated). Directives before `# expect:`:
//   # external: yes          include lines with [External] peers (left out otherwise)
//   # only-src: A, B         keep lines whose source is one of these
//   # only-dst: A, B         keep lines whose destination is one of these
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, formatConnlist } from '../../server/src/engine';

const dir = path.join(__dirname, '../../../test/fixtures/reach');

for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
  test(`reach: ${name}`, () => {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const directive = (key: string) => new RegExp(`^# ${key}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
    const at = text.indexOf('# expect:\n');
    assert.ok(at >= 0, 'no "# expect:" block');
    const expected = text
      .slice(at + '# expect:\n'.length)
      .split('\n')
      .filter((l) => l.startsWith('# '))
      .map((l) => l.slice(2));
    const list = (v?: string) => (v ? v.split(',').map((s) => s.trim()) : undefined);
    const onlySrc = list(directive('only-src'));
    const onlyDst = list(directive('only-dst'));
    const external = directive('external') === 'yes';
    const a = analyze([{ uri: `file:///fixtures/${name}`, text }]);
    const actual = formatConnlist(a.reach.connections(), 'txt')
      .split('\n')
      .filter((l) => l !== '')
      .filter((l) => external || !l.includes('[External]'))
      .filter((l) => !onlySrc || onlySrc.includes(l.split(' => ')[0]))
      .filter((l) => !onlyDst || onlyDst.includes(l.split(' => ')[1].split(' : ')[0]));
    assert.deepEqual(actual, expected);
  });
}
