import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../support/workspace';

// The TextMate patterns are plain regular expressions that JavaScript and Oniguruma read alike.
const grammar = JSON.parse(readFileSync(path.join(repoRoot, 'syntaxes/egress-lens.injection.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

function firstMatch(pattern: string, line: string): string | undefined {
  return new RegExp(pattern).exec(line)?.[0];
}

test('the grammar is contributed as an injection into YAML', () => {
  const g = pkg.contributes.grammars.find((x: { scopeName: string }) => x.scopeName === grammar.scopeName);
  assert.ok(g, 'grammar contributed');
  assert.deepEqual(g.injectTo, ['source.yaml']);
  assert.equal(grammar.injectionSelector, 'L:source.yaml');
});

test('directive comments are highlighted, with rule ids and reason', () => {
  const re = grammar.repository['ignore-directive'].match;
  const m = new RegExp(re).exec('  # egress-lens-ignore EL101, EL104: batch job, egress reviewed');
  assert.ok(m);
  assert.equal(m[2], 'egress-lens-ignore');
  assert.match(m[3], /EL101, EL104/);
  assert.equal(m[5].trim(), 'batch job, egress reviewed');
  assert.equal(firstMatch(re, '# an ordinary comment'), undefined);
  assert.equal(firstMatch(re, 'key: value#egress-lens-ignore'), undefined, 'not inside a value');
});

test('CIDR values are highlighted, and only CIDRs', () => {
  const [v4, v6] = grammar.repository.cidr.patterns.map((p: { match: string }) => p.match);
  assert.equal(firstMatch(v4, '        cidr: 10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(firstMatch(v4, '        - 192.168.1.0/24'), '192.168.1.0/24');
  assert.equal(firstMatch(v4, 'image: repo/app:1.2.3.4/5x'), undefined);
  assert.equal(firstMatch(v4, 'cidr: 300.0.0.0/8'), undefined);
  assert.equal(firstMatch(v4, 'version: 1.2.3'), undefined);
  assert.equal(firstMatch(v6, '        cidr: 2001:db8::/32'), '2001:db8::/32');
  assert.equal(firstMatch(v6, '        cidr: ::/0'), '::/0');
  assert.equal(firstMatch(v6, 'time: 12:30/4x'), undefined);
});
