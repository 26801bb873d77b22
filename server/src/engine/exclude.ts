/**
 * `exclude` globs: which workspace files are not analysed. Globs come from `.egress-lens.yaml` and the
 * editor's settings, that is from the repository, so a glob is untrusted input: a broken one is refused
 * (EL006 at the pattern), and none can make matching slow. minimatch (11 and later) matches each path
 * portion without regular expressions and walks `**` without recursive backtracking, so the time to test
 * a path grows with the length of the pattern and of the path, never exponentially. Brace expansion is
 * the one place where one pattern becomes many: it is capped per glob and over the whole list.
 */
import { Minimatch, type MinimatchOptions } from 'minimatch';
import { perObject } from './memo';

/** Patterns one glob may expand to (`{a,b}{c,d}` is 4). */
export const MAX_GLOB_EXPANSION = 64;
/** Patterns all exclude globs together may expand to: every file is tested against each. */
export const MAX_EXCLUDE_PATTERNS = 1024;

const OPTIONS: MinimatchOptions = {
  // `*` and `**` match names that start with a dot (`.github/**`), as they always did here.
  dot: true,
  // A leading `!` or `#` is part of the name: an exclude list has no negation or comments.
  nonegate: true,
  nocomment: true,
  // The same meaning on every platform, whatever the process runs on; `\` separates like `/`.
  platform: 'linux',
  windowsPathsNoEscape: true,
  // One more than allowed, to tell a glob that expands too far from one that just fits.
  braceExpandMax: MAX_GLOB_EXPANSION + 1,
};

export type CompiledGlob = { ok: true; matchers: Minimatch[]; patterns: number } | { ok: false; message: string };

/**
 * A glob as matchers of workspace-relative paths. As in `.gitignore`: a glob without a slash matches a
 * file or folder name at any depth, a leading `/` anchors it at the root, and a glob that matches a
 * folder excludes everything inside it.
 */
export function compileGlob(glob: string): CompiledGlob {
  let g = glob.trim().replace(/\\/g, '/');
  if (g === '') return { ok: true, matchers: [], patterns: 0 };
  const anchored = g.startsWith('/');
  if (anchored) g = g.slice(1);
  const anywhere = !anchored && !g.includes('/');
  const sources = anywhere ? [`**/${g}`, `**/${g}/**`] : [g, `${g}/**`];
  let matchers: Minimatch[];
  try {
    matchers = sources.map((s) => new Minimatch(s, OPTIONS));
  } catch (e) {
    return { ok: false, message: `"${glob}" is not a valid glob: ${(e as Error).message}.` };
  }
  const expanded = matchers[0].globSet;
  if (expanded.length > MAX_GLOB_EXPANSION) return { ok: false, message: `"${glob}" expands to more than ${MAX_GLOB_EXPANSION} patterns; list fewer alternatives in its braces.` };
  // Braces that did not expand (`{?}`, `{a}`, an unclosed `{`) are taken literally by a glob matcher: never what was meant.
  if (expanded.some((p) => /[{}]/.test(p.replace(/\[[!^]?\]?[^\]]*\]/g, '')))) return { ok: false, message: `"${glob}" has braces that expand to nothing: a brace group lists alternatives ({a,b}) or a range ({1..3}); write [{] or [}] for the character itself.` };
  if (g.split('/').some((part) => /\[[^\]]*$/.test(part))) return { ok: false, message: `"${glob}" has a [ that is never closed; write [[] for the character itself.` };
  return { ok: true, matchers, patterns: matchers.reduce((n, m) => n + m.set.length, 0) };
}

export interface ExcludeProblem {
  /** The glob's index in the list. */
  index: number;
  message: string;
}

/** Compile an exclude list: the globs that may be used, and a problem for each one that may not. */
export function checkExclude(globs: readonly string[]): { valid: string[]; problems: ExcludeProblem[] } {
  const valid: string[] = [];
  const problems: ExcludeProblem[] = [];
  let total = 0;
  globs.forEach((glob, index) => {
    const c = compileGlob(glob);
    if (!c.ok) problems.push({ index, message: c.message });
    else if (total + c.patterns > MAX_EXCLUDE_PATTERNS) problems.push({ index, message: `"${glob}": the exclude globs expand to more than ${MAX_EXCLUDE_PATTERNS} patterns together; this one and the rest are not used.` });
    else {
      total += c.patterns;
      valid.push(glob);
    }
  });
  return { valid, problems };
}

/** The matchers of an exclude list (compiled once per list); globs that may not be used match nothing. */
const matchersOf = perObject((globs: readonly string[]): Minimatch[] => checkExclude(globs).valid.flatMap((g) => (compileGlob(g) as { matchers: Minimatch[] }).matchers));

/** Whether a workspace-relative path (forward slashes) matches one of the exclude globs. */
export function isExcluded(relativePath: string, globs: readonly string[] | undefined): boolean {
  if (!globs || globs.length === 0) return false;
  const p = relativePath.replace(/\\/g, '/').replace(/^\.\//, '');
  return matchersOf(globs).some((m) => m.match(p));
}
