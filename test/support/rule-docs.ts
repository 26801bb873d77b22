/** docs/rules/<ID>.md, generated from each rule's metadata so that the two never drift apart. */
import type { Rule } from '../../server/src/engine';

export function renderRuleDoc(rule: Rule): string {
  const safety = rule.docs.fixSafety.toLowerCase();
  const fix = !rule.fixes
    ? 'no quick fix'
    : safety.startsWith('safe only when')
      ? 'quick fix, safe only in the cases below (otherwise unsafe: offered one by one, never in fix-all)'
      : safety.startsWith('safe')
        ? 'safe quick fix'
        : 'quick fix (unsafe: offered one by one, never in fix-all)';
  return `# ${rule.id} ${rule.name}

**Default severity:** ${rule.severity} · **Fix:** ${fix}

${rule.docs.summary}

## Why it matters

${rule.docs.why}

## Example that fires

\`\`\`yaml
${rule.docs.bad.trimEnd()}
\`\`\`

## Fixed

\`\`\`yaml
${rule.docs.good.trimEnd()}
\`\`\`

## Fix safety

${rule.docs.fixSafety}
`;
}
