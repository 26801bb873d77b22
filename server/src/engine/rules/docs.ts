/**
 * A rule's documentation, rendered once from its metadata for every place it is read: the pages in
 * docs/rules/ (`npm run docs`) and the help of SARIF reports (Markdown and plain text).
 */
import type { Rule } from './rule';

/** A fenced code block that no backtick run inside it can close. */
export function fence(lang: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${body.trimEnd()}\n${f}`;
}

/** What a rule's quick fix is, in a few words (its safety decides whether fix-all applies it). */
export function fixKind(rule: Rule): string {
  switch (rule.docs.fix) {
    case 'none':
      return 'no quick fix';
    case 'depends':
      return 'quick fix, safe only in the cases below (otherwise unsafe: offered one by one, never in fix-all)';
    case 'safe':
      return 'safe quick fix';
    case 'unsafe':
      return 'quick fix (unsafe: offered one by one, never in fix-all)';
  }
}

/** The summary, why it matters, the example that fires, the fixed one and the fix's safety, in Markdown. */
export function ruleDocMarkdown(rule: Rule): string {
  const d = rule.docs;
  return `${d.summary}\n\n## Why it matters\n\n${d.why}\n\n## Example that fires\n\n${fence('yaml', d.bad)}\n\n## Fixed\n\n${fence('yaml', d.good)}\n\n## Fix safety\n\n${d.fixSafety}\n`;
}

/** The same as plain text. */
export function ruleDocText(rule: Rule): string {
  const d = rule.docs;
  return `${d.summary}\n\nWhy it matters: ${d.why}\n\nExample that fires:\n${d.bad.trimEnd()}\n\nFixed:\n${d.good.trimEnd()}\n\nFix safety: ${d.fixSafety}`;
}

/** docs/rules/<ID>.md. */
export function ruleDocPage(rule: Rule): string {
  return `# ${rule.id} ${rule.name}\n\n**Default severity:** ${rule.severity} · **Fix:** ${fixKind(rule)}\n\n${ruleDocMarkdown(rule)}`;
}
