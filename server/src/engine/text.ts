/**
 * Names and messages in line-oriented text output (the CLI's text formats). File names and the values
 * inside messages come from the workspace, and may hold any character: a line break in one would start a
 * line of its own (a fake finding in `check`, a fake connection in `reach`), a terminal escape would
 * rewrite the screen, a bidirectional control would reorder what is shown. These are written as escapes.
 */

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional controls.
const SPECIAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', '"': '\\"' };

function escape(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

const ANY_SPECIAL = new RegExp(SPECIAL.source);

/** Text for one line: every character that could break or disguise the line written as an escape (`\n`, `\u001b`). */
export function escapeLine(s: string): string {
  return s.replace(SPECIAL, escape);
}

/**
 * A name (a file, a workload) for one line of text: as it is when it is plain, otherwise in double quotes
 * with C-style escapes, as git prints such paths; so an escaped name can never be taken for a plain one.
 */
export function quoteName(s: string): string {
  if (!ANY_SPECIAL.test(s) && !/["\\]/.test(s)) return s;
  return `"${s.replace(/["\\]/g, escape).replace(SPECIAL, escape)}"`;
}
