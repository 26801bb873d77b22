// npm run docs: rewrite docs/rules/*.md and docs/rules/README.md from the rules' metadata.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { rules } from '../../server/src/engine';
import { renderRuleDoc } from './rule-docs';
import { repoRoot } from './workspace';

const dir = path.join(repoRoot, 'docs/rules');
mkdirSync(dir, { recursive: true });
for (const r of rules) writeFileSync(path.join(dir, `${r.id}.md`), renderRuleDoc(r));
writeFileSync(path.join(dir, 'README.md'), renderIndex());
console.log(`wrote ${rules.length} rule pages to docs/rules/`);

export function renderIndex(): string {
  const rows = rules.map((r) => `| [${r.id}](${r.id}.md) | ${r.name} | ${r.severity} | ${r.fixes ? 'yes' : '—'} | ${r.docs.summary.replace(/\|/g, '\\|')} |`);
  return `# Rules\n\n| id | name | default severity | fix | what it catches |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
}
