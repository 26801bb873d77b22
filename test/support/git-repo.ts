// A git repository made in a test: files written, commits made with isomorphic-git (no git program needed).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as git from 'isomorphic-git';

export interface TestRepo {
  dir: string;
  /** Write (or with `null`, delete) files, stage everything, commit; returns the commit id. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  /** Write files without committing. */
  write(files: Record<string, string>): void;
  cleanup(): void;
}

export async function makeRepo(): Promise<TestRepo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-git-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  let tick = 0;
  const write = (files: Record<string, string | null>) => {
    for (const [rel, text] of Object.entries(files)) {
      const p = path.join(dir, rel);
      if (text === null) rmSync(p, { force: true });
      else {
        mkdirSync(path.dirname(p), { recursive: true });
        writeFileSync(p, text);
      }
    }
  };
  return {
    dir,
    write,
    async commit(files, message) {
      write(files);
      for (const [rel, text] of Object.entries(files)) {
        if (text === null) await git.remove({ fs, dir, filepath: rel });
        else await git.add({ fs, dir, filepath: rel });
      }
      const author = { name: 'Test', email: 'test@example.test', timestamp: 1_700_000_000 + tick++, timezoneOffset: 0 };
      return git.commit({ fs, dir, message, author, committer: author });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// A small workspace whose revisions the diff tests commit: two namespaces, web and api in shop, web's egress
// policy allowing api only (POLICY), then also 198.51.100.0/24 on 443 (OPENED).
export const NS = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: pay}\n';
export const APPS = ['web', 'api'].map((n) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${n}, namespace: shop}\nspec:\n  selector: {matchLabels: {app: ${n}}}\n  template:\n    metadata: {labels: {app: ${n}}}\n    spec: {containers: [{name: c, image: i}]}\n`).join('---\n');
export const POLICY = `# egress of the web tier
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: api}}}]
`;
export const OPENED = `${POLICY}  - to:
    - ipBlock: {cidr: 198.51.100.0/24}
    ports: [{port: 443}]
`;
