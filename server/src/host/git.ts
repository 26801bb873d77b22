/**
 * Files of a git revision, read from the repository's object store by isomorphic-git (pure JavaScript:
 * loose objects and packfiles; no `git` process). Only the commits named and the trees under the given
 * paths are read, never the history. Errors that end a run (not a repository, an unknown revision, an
 * object a shallow clone does not have) are GitErrors with one clear message.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as git from 'isomorphic-git';
import { isManifestPath, looksLikeKubernetesJson, SKIP_DIRS } from './files';

export class GitError extends Error {}

export interface Repository {
  /** The working tree's root folder. */
  dir: string;
  /** isomorphic-git's cache of parsed packfiles, shared by every read of one run. */
  cache: object;
}

/** The repository that holds a folder (searched upwards, as git does). */
export async function openRepository(from: string): Promise<Repository> {
  try {
    return { dir: await git.findRoot({ fs, filepath: path.resolve(from) }), cache: {} };
  } catch {
    throw new GitError(`${from}: not a git repository (no .git folder here or above)`);
  }
}

function isShallow(repo: Repository): boolean {
  return fs.existsSync(path.join(repo.dir, '.git', 'shallow'));
}

/** `revision "main"` or, when the name does not say it, `revision "main" (1a2b3c4d5e6f)`. */
function revisionText(rev: string, oid: string): string {
  return oid.startsWith(rev.toLowerCase()) ? `revision "${rev}"` : `revision "${rev}" (${oid.slice(0, 12)})`;
}

function missing(repo: Repository, what: string): GitError {
  return new GitError(
    isShallow(repo)
      ? `${what} is not in this shallow clone: fetch more history (git fetch --deepen, or fetch-depth: 0 in actions/checkout)`
      : `${what} is not in this repository`,
  );
}

async function commitOf(repo: Repository, oid: string, rev: string): Promise<{ oid: string; parents: string[] }> {
  try {
    const c = await git.readCommit({ fs, dir: repo.dir, oid, cache: repo.cache });
    return { oid: c.oid, parents: c.commit.parent };
  } catch (e) {
    if ((e as { code?: string }).code === 'NotFoundError') throw missing(repo, revisionText(rev, oid));
    throw new GitError(`revision "${rev}": ${(e as Error).message}`);
  }
}

/**
 * A revision as git names them: a branch, tag or remote branch, `HEAD`, a full or abbreviated commit id,
 * each followed by any number of `~N` and `^N`. Returns the commit id.
 */
export async function resolveRevision(repo: Repository, rev: string): Promise<string> {
  const m = /^(.+?)((?:[~^]\d*)*)$/.exec(rev.trim());
  if (!m || rev.includes('..')) throw new GitError(`unknown revision "${rev}"`);
  const [, name, steps] = m;
  let oid: string | undefined;
  try {
    oid = await git.resolveRef({ fs, dir: repo.dir, ref: name });
  } catch {
    if (/^[0-9a-f]{4,40}$/i.test(name)) {
      try {
        oid = await git.expandOid({ fs, dir: repo.dir, oid: name.toLowerCase(), cache: repo.cache });
      } catch (e) {
        if ((e as { code?: string }).code === 'AmbiguousError') throw new GitError(`revision "${rev}" is ambiguous`);
        throw missing(repo, `revision "${rev}"`);
      }
    }
  }
  if (!oid) throw new GitError(`unknown revision "${rev}" (no branch, tag or commit of that name)`);
  // A tag may name a tag object: peel it to its commit.
  let commit = await commitOf(repo, await peel(repo, oid, rev), rev);
  for (const step of steps.match(/[~^]\d*/g) ?? []) {
    const n = step.length > 1 ? Number(step.slice(1)) : 1;
    if (step[0] === '~') {
      for (let i = 0; i < n; i++) {
        if (commit.parents.length === 0) throw new GitError(`revision "${rev}": the history ends before it`);
        commit = await commitOf(repo, commit.parents[0], rev);
      }
    } else if (n > 0) {
      const parent = commit.parents[n - 1];
      if (!parent) throw new GitError(`revision "${rev}": the commit has no parent ${n}`);
      commit = await commitOf(repo, parent, rev);
    }
  }
  return commit.oid;
}

async function peel(repo: Repository, oid: string, rev: string): Promise<string> {
  try {
    const o = await git.readObject({ fs, dir: repo.dir, oid, cache: repo.cache });
    if (o.type === 'tag') return (o.object as { object: string }).object;
    return oid;
  } catch (e) {
    if ((e as { code?: string }).code === 'NotFoundError') throw missing(repo, revisionText(rev, oid));
    throw new GitError(`revision "${rev}": ${(e as Error).message}`);
  }
}

export interface RevisionFile {
  /** Absolute path where the file sits in the working tree. */
  path: string;
  text: string;
}

/**
 * The manifests (YAML, and JSON that looks like Kubernetes) of a commit below the given folders or files
 * (absolute paths inside the working tree), as the working tree would hold them.
 */
export async function revisionFiles(repo: Repository, commit: string, under: string[]): Promise<RevisionFile[]> {
  const prefixes = under.map((p) => path.relative(repo.dir, path.resolve(p)).split(path.sep).join('/'));
  if (prefixes.some((p) => p.startsWith('..'))) throw new GitError(`${under.find((p) => path.relative(repo.dir, path.resolve(p)).startsWith('..'))}: outside the repository ${repo.dir}`);
  const wanted = (rel: string) => prefixes.some((p) => p === '' || rel === p || rel.startsWith(`${p}/`));
  const within = (rel: string) => prefixes.some((p) => p === '' || rel === p || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`));
  const out: RevisionFile[] = [];
  const texts = new Map<string, string>();
  const decoder = new TextDecoder('utf-8');
  const walk = async (treeOid: string, dir: string): Promise<void> => {
    let tree;
    try {
      tree = await git.readTree({ fs, dir: repo.dir, oid: treeOid, cache: repo.cache });
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFoundError') throw missing(repo, `tree ${treeOid.slice(0, 12)} of ${commit.slice(0, 12)}`);
      throw e;
    }
    for (const entry of tree.tree) {
      const rel = dir ? `${dir}/${entry.path}` : entry.path;
      if (entry.type === 'tree') {
        if (!SKIP_DIRS.has(entry.path) && within(rel)) await walk(entry.oid, rel);
      } else if (entry.type === 'blob' && entry.mode !== '120000' && isManifestPath(entry.path) && wanted(rel)) {
        let text = texts.get(entry.oid);
        if (text === undefined) {
          try {
            const { blob } = await git.readBlob({ fs, dir: repo.dir, oid: entry.oid, cache: repo.cache });
            text = decoder.decode(blob);
          } catch (e) {
            if ((e as { code?: string }).code === 'NotFoundError') throw missing(repo, `${rel} at ${commit.slice(0, 12)}`);
            throw e;
          }
          texts.set(entry.oid, text);
        }
        if (/\.json$/i.test(rel) && !looksLikeKubernetesJson(text)) continue;
        out.push({ path: path.join(repo.dir, ...rel.split('/')), text });
      }
    }
  };
  const root = await git.readCommit({ fs, dir: repo.dir, oid: commit, cache: repo.cache });
  await walk(root.commit.tree, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A commit as a picker shows it. */
export interface CommitInfo {
  oid: string;
  /** The first line of its message. */
  subject: string;
  author: string;
  /** Seconds since the epoch (the committer's time). */
  time: number;
}

export interface RevisionList {
  /** The branch checked out (undefined: a detached HEAD, or no commit yet). */
  branch?: string;
  head?: string;
  branches: { name: string; oid: string }[];
  tags: { name: string; oid: string }[];
  /** The most recent commits of HEAD's first-parent history, newest first. */
  commits: CommitInfo[];
}

/** What a picker offers to compare with: the branches, the tags and the last `depth` commits of HEAD. */
export async function listRevisions(repo: Repository, depth = 30): Promise<RevisionList> {
  const { dir, cache } = repo;
  const head = await git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => undefined);
  const branch = (await git.currentBranch({ fs, dir, fullname: false }).catch(() => undefined)) ?? undefined;
  const named = async (names: string[], prefix: string) =>
    (await Promise.all(names.map(async (name) => ({ name, oid: await git.resolveRef({ fs, dir, ref: `${prefix}${name}` }).catch(() => '') })))).filter((b) => b.oid !== '');
  const remotes = await git.listRemotes({ fs, dir }).catch(() => []);
  const remoteBranches = (
    await Promise.all(remotes.map(async (r) => (await git.listBranches({ fs, dir, remote: r.remote }).catch(() => [])).filter((b) => b !== 'HEAD').map((b) => `${r.remote}/${b}`)))
  ).flat();
  const branches = [...(await named(await git.listBranches({ fs, dir }).catch(() => []), 'refs/heads/')), ...(await named(remoteBranches, 'refs/remotes/'))];
  const tags = await named(await git.listTags({ fs, dir }).catch(() => []), 'refs/tags/');
  let commits: CommitInfo[] = [];
  if (head) {
    try {
      const log = await git.log({ fs, dir, ref: 'HEAD', depth, cache });
      commits = log.map((c) => ({ oid: c.oid, subject: c.commit.message.split('\n')[0], author: c.commit.author.name, time: c.commit.committer.timestamp }));
    } catch (e) {
      // A shallow clone ends its history early: what was read is kept.
      if ((e as { code?: string }).code !== 'NotFoundError') throw new GitError(`reading the history: ${(e as Error).message}`);
    }
  }
  return { branch, head, branches, tags, commits };
}

/**
 * The text of one file (an absolute path in the working tree) at a commit; undefined when the commit has no
 * such file, or the path is outside the repository.
 */
export async function fileAtRevision(repo: Repository, commit: string, file: string): Promise<string | undefined> {
  const rel = path.relative(repo.dir, path.resolve(file)).split(path.sep).join('/');
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  try {
    const { blob } = await git.readBlob({ fs, dir: repo.dir, oid: commit, filepath: rel, cache: repo.cache });
    return new TextDecoder('utf-8').decode(blob);
  } catch {
    return undefined;
  }
}
