/**
 * Change review in the editor (issue 18): what the workspace, as it is now (open buffers over the disk),
 * opens and closes against a git revision.
 * - `egressLens/revisions`: the branches, tags and recent commits to pick a base from;
 * - `egressLens/review`: the Markdown report, the same as `egress-lens diff --base REV --format md`;
 * - `egressLens/compare` and `egressLens/compareExplain`: the panel's graph of both states, edges marked
 *   added, removed or changed, and why each changed;
 * - the code lens of an edited file: what that file's change alone opens and closes against HEAD.
 *
 * The revision is read from the repository's object store by the same reader as the CLI's (host/git.ts);
 * its analysis is computed once per commit id (and settings) and kept, so that a lens after an edit only
 * analyses the base with the edited file in it, reusing the base's reachability.
 */
import * as path from 'path';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { BaseState, changeLine, diffAnalyses, LineIndex, reviewMarkdown, summarize, type Analysis, type ConnectionChange, type DiffPeer, type EngineConfig, type SourceFile, type Span } from '../engine';
import { objectSpan } from '../engine/lang/symbols';
import { pathToUri, uriToPath } from '../host/files';
import { fileAtRevision, GitError, listRevisions, openRepository, resolveRevision, revisionFiles, type Repository } from '../host/git';
import { reachabilityView } from '../engine/lang/panel/graph';
import { rangesHold, type ReachabilityView } from '../engine/lang/panel/view';
import {
  CompareRequests,
  type CompareExplainParams,
  type CompareParams,
  type CompareResult,
  type ExplainItem,
  type ExplainResult,
  type ExplainSection,
  type ReachEdge,
  type ReachNode,
  type ReachConns,
  type ReviewParams,
  type ReviewResult,
  type RevisionsResult,
} from './protocol';

export interface CompareHost {
  /** The workspace folders (the first one's repository is read). */
  roots(): string[];
  /** Every file of the workspace as the server holds it now. */
  files(): SourceFile[];
  /** The workspace's settings. */
  config(): EngineConfig;
  /**
   * The workspace's own analysis of `files()` under `config()`, current (undefined where the folder is
   * analysed as cluster views instead): a lens can use it rather than analyse the base with the file in it.
   */
  analysis?(): Analysis | undefined;
  flush(): void;
  linesOf(uri: string): LineIndex;
  /** A lens computed after its request was answered is ready: the client should ask again. */
  lensesChanged?(): void;
}

/** A base revision, analysed, as named by one request (`rev`); the names of a commit share its state. */
export class Base {
  constructor(
    readonly rev: string,
    readonly commit: string,
    readonly repo: Repository,
    private readonly held: { state: BaseState },
    /** The workspace settings it was analysed with. */
    readonly settings: EngineConfig,
  ) {}

  /** Analysed again from the workspace's analysis when their lineages parted (`BaseState.rebased`). */
  get state(): BaseState {
    return this.held.state;
  }

  set state(s: BaseState) {
    this.held.state = s;
  }

  /** The same base, named otherwise. */
  named(rev: string): Base {
    return new Base(rev, this.commit, this.repo, this.held, this.settings);
  }
}

/** A change's effect on one file, for its code lens. */
export interface ChangeLens {
  span: Span;
  title: string;
}

const MAX_BASES = 4;
/** An edit's diagnostics budget (SPEC §6): a lens that takes longer is computed after the request is answered. */
const LENS_BUDGET = 50;
/** How long the text must rest before a slow lens is computed. */
const LENS_REST = 400;

/** Where a place is, in a state's own text (a base file's lines differ from the buffer's). */
function linesIn(state: BaseState): (uri: string) => LineIndex {
  const cache = new Map<string, LineIndex>();
  return (uri) => {
    let l = cache.get(uri);
    if (!l) cache.set(uri, (l = new LineIndex(state.text(uri) ?? '')));
    return l;
  };
}

function relativePath(uri: string, dir: string): string {
  const p = uriToPath(uri) ?? uri;
  return path.relative(dir, p).split(path.sep).join('/') || p;
}

/**
 * Whether a peer of the diff belongs to a node of the panel's graph (of either state): the workload or host
 * itself, or the external node whose address ranges hold the diff's range (the internet for what none holds).
 */
function peerMatcher(views: ReachabilityView[]): (peer: DiffPeer, id: string) => boolean {
  const nodeOf = (id: string) => views.map((v) => v.nodes[v.index.get(id) ?? -1]).find((n) => n !== undefined);
  return (peer, id) => {
    if (peer.kind === 'workload') return peer.id === id;
    if (peer.kind === 'host') return id === `fqdn:${peer.host}`;
    if (id === `ip:${peer.range}`) return true;
    const n = nodeOf(id);
    const holds = n?.ranges ? rangesHold(n.ranges, peer.range) : undefined;
    return holds ?? n?.kind === 'internet';
  };
}

export class Comparisons {
  private readonly bases = new Map<string, Promise<Base>>();
  private readonly lenses = new Map<string, { state: BaseState; text: string; lens: ChangeLens | undefined }>();

  private readonly budget: number;
  private readonly rest: number;

  /** `timing` for tests: the lens budget and rest in milliseconds. */
  constructor(
    private readonly host: CompareHost,
    timing: { budget?: number; rest?: number } = {},
  ) {
    this.budget = timing.budget ?? LENS_BUDGET;
    this.rest = timing.rest ?? LENS_REST;
  }

  /** Opened afresh for each request: its object cache never outlives a repack or a fetch. */
  private repository(): Promise<Repository> {
    const root = this.host.roots()[0];
    if (!root) return Promise.reject(new GitError('no workspace folder is open'));
    return openRepository(root);
  }

  /** The base analysis of a revision: computed once per commit id and settings, then reused. */
  async base(rev = 'HEAD'): Promise<Base> {
    const repo = await this.repository();
    const commit = await resolveRevision(repo, rev);
    const config = this.host.config();
    const key = commit;
    const hit = this.bases.get(key);
    if (hit) {
      const b = await hit.catch(() => undefined);
      // Settings changed since: the base is analysed again under the new ones.
      if (b && b.settings === config) return b.named(rev);
      this.bases.delete(key);
    }
    const made = (async (): Promise<Base> => {
      const files = await revisionFiles(repo, commit, [this.host.roots()[0]]);
      // Built from the workspace's analysis: the lens then compares the workspace's later analyses with it.
      const state = new BaseState(files.map((f) => ({ uri: pathToUri(f.path), text: f.text })), config, this.workspaceAnalysis(config));
      this.basesAnalysed++;
      return new Base(rev, commit, repo, { state }, config);
    })();
    this.bases.set(key, made);
    made.catch(() => this.bases.delete(key));
    while (this.bases.size > MAX_BASES) this.bases.delete(this.bases.keys().next().value!);
    return made;
  }

  /** The workspace's own analysis, when it is one of `files()` under these settings. */
  private workspaceAnalysis(config: EngineConfig): Analysis | undefined {
    const a = this.host.analysis?.();
    return a?.config === config ? a : undefined;
  }

  /** The workspace now, analysed against a base (same settings, parses shared). */
  now(b: Base): Analysis {
    this.host.flush();
    return b.state.compare(this.host.files());
  }

  async revisions(): Promise<RevisionsResult> {
    return listRevisions(await this.repository());
  }

  async review(p: ReviewParams): Promise<ReviewResult> {
    const b = await this.base(p.base || 'HEAD');
    const after = this.now(b);
    const d = diffAnalyses(b.state.analysis, after);
    const markdown = reviewMarkdown(d, { before: b.state.analysis, after }, { path: (uri) => relativePath(uri, b.repo.dir) });
    return { base: { rev: b.rev, commit: b.commit }, summary: summarize(d).text, markdown, changes: d.changes.length };
  }

  /**
   * What one file's change alone opens and closes against HEAD: the base with this file as it is now.
   * None when the file is as it was, or when its change alters no connection.
   *
   * In a workspace where that takes longer than an edit's budget (LENS_BUDGET), the lens is not computed
   * while the code lens request waits: the last one of the file is answered, and the new one is computed
   * once the text has rested (LENS_REST), then the client is asked for its lenses again (`lensesChanged`).
   * Typing never waits for it.
   */
  async lens(uri: string): Promise<ChangeLens | undefined> {
    const now = this.host.files().find((f) => f.uri === uri);
    if (!now) return undefined;
    let b: Base;
    try {
      // A file as it is in HEAD needs no analysis of HEAD at all: its text is read alone first.
      const repo = await this.repository();
      const head = await resolveRevision(repo, 'HEAD');
      if ((await this.headText(repo, head, uri)) === now.text) return undefined;
      b = await this.base('HEAD');
    } catch {
      return undefined; // not a repository, no commit yet: no lens
    }
    if (now.text === b.state.text(uri)) return undefined;
    const hit = this.lenses.get(uri);
    if (hit?.state === b.state && hit.text === now.text) return hit.lens;
    if (!this.slow) return this.computeLens(b, uri, now.text);
    clearTimeout(this.pending.get(uri));
    this.pending.set(
      uri,
      setTimeout(() => {
        this.pending.delete(uri);
        const current = this.host.files().find((f) => f.uri === uri);
        if (current?.text !== now.text) return; // typed since: that text's own timer computes it
        this.computeLens(b, uri, now.text);
        this.host.lensesChanged?.();
      }, this.rest),
    );
    return hit?.state === b.state ? hit.lens : undefined;
  }

  /** Texts of files at HEAD, per commit: whether a file changed is known without analysing HEAD. */
  private readonly headTexts = new Map<string, { commit: string; text: string | undefined }>();

  private async headText(repo: Repository, commit: string, uri: string): Promise<string | undefined> {
    const hit = this.headTexts.get(uri);
    if (hit?.commit === commit) return hit.text;
    const file = uriToPath(uri);
    const text = file ? await fileAtRevision(repo, commit, file) : undefined;
    this.headTexts.set(uri, { commit, text });
    return text;
  }

  /** How many base states were analysed (for tests: once per commit and settings). */
  basesAnalysed = 0;
  /** How many lenses used the workspace's own analysis as the state to compare (for tests). */
  lensesFromWorkspace = 0;

  private slow = false;
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();

  private computeLens(b: Base, uri: string, text: string): ChangeLens | undefined {
    const t0 = Date.now();
    // The workspace's own analysis is the base with this file in it when no other file differs from the base.
    const analysis = this.workspaceAnalysis(b.settings);
    const files = analysis && this.host.files();
    if (analysis && files && b.state.holds(files, { uri, text })) {
      const rebased = b.state.rebased(analysis);
      if (rebased) b.state = rebased;
    }
    const after = b.state.withFile({ uri, text }, analysis && files && { analysis, files });
    if (after === analysis) this.lensesFromWorkspace++;
    const d = diffAnalyses(b.state.analysis, after, { explain: false, changesOnly: true });
    let lens: ChangeLens | undefined;
    if (d.changes.length > 0) {
      // Above the first resource of the file that is new or differs from the base (a policy being edited),
      // beside its other lenses.
      const before = new Map(b.state.analysis.model.resources.filter((r) => r.uri === uri).map((r) => [`${r.kind}/${r.namespace ?? ''}/${r.name}`, JSON.stringify(r.obj)]));
      const mine = after.model.resources.filter((r) => r.uri === uri);
      const edited = mine.find((r) => before.get(`${r.kind}/${r.namespace ?? ''}/${r.name}`) !== JSON.stringify(r.obj)) ?? mine[0];
      lens = { span: edited ? objectSpan(edited) : { start: 0, end: 0 }, title: changeLine(summarize(d)) };
    }
    this.lenses.set(uri, { state: b.state, text, lens });
    this.slow = Date.now() - t0 > this.budget;
    return lens;
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /** Both states in one graph: the new state's nodes and edges, the old state's that are gone, changes marked. */
  async compare(p: CompareParams, revision: number): Promise<CompareResult> {
    const b = await this.base(p.base || 'HEAD');
    const after = this.now(b);
    const d = diffAnalyses(b.state.analysis, after, { explain: false });
    const va = reachabilityView(after, (u) => this.host.linesOf(u));
    const vb = reachabilityView(b.state.analysis, linesIn(b.state));
    const matches = peerMatcher([va, vb]);
    // The two states cut the addresses outside the cluster each at their own CIDRs: an edge is marked only
    // where the diff (which compares address by address) says the connections changed.
    const changed = (src: string, dst: string) => d.changes.some((c) => matches(c.src, src) && matches(c.dst, dst));
    const nodes: ReachNode[] = va.nodes.map((n) => ({ ...n }));
    const index = new Map(va.index);
    const beforeIds = new Set(vb.nodes.map((n) => n.id));
    for (const n of nodes) if (n.kind === 'workload' && !beforeIds.has(n.id)) n.change = 'added';
    const nodeOf = (id: string): number => {
      let i = index.get(id);
      if (i === undefined) {
        const n = vb.nodes[vb.index.get(id)!];
        index.set(id, (i = nodes.length));
        nodes.push({ ...n, location: undefined, ...(n.kind === 'workload' ? { change: 'removed' as const } : {}) });
      }
      return i;
    };
    for (const n of vb.nodes) if (n.kind === 'workload') nodeOf(n.id);
    const conns: ReachConns[] = [];
    const connsIndex = new Map<string, number>();
    const connOf = (c: ReachConns) => {
      let i = connsIndex.get(c.text);
      if (i === undefined) {
        connsIndex.set(c.text, (i = conns.length));
        conns.push(c);
      }
      return i;
    };
    const old = new Map(vb.edges.map((e) => [`${vb.nodes[e.src].id}>${vb.nodes[e.dst].id}`, e]));
    const edges: ReachEdge[] = [];
    for (const e of va.edges) {
      const [src, dst] = [va.nodes[e.src].id, va.nodes[e.dst].id];
      const was = old.get(`${src}>${dst}`);
      old.delete(`${src}>${dst}`);
      const edge: ReachEdge = { ...e, conns: connOf(va.conns[e.conns]) };
      if (changed(src, dst)) {
        if (!was) edge.change = 'added';
        else if (vb.conns[was.conns].text !== va.conns[e.conns].text) Object.assign(edge, { change: 'changed', before: connOf(vb.conns[was.conns]) });
      }
      edges.push(edge);
    }
    for (const e of old.values()) {
      const [src, dst] = [vb.nodes[e.src].id, vb.nodes[e.dst].id];
      if (!changed(src, dst)) continue;
      const c = connOf(vb.conns[e.conns]);
      edges.push({ ...e, src: nodeOf(src), dst: nodeOf(dst), conns: c, before: c, change: 'removed' });
    }
    let shown = { nodes, edges };
    const fi = p.focus === undefined ? undefined : index.get(p.focus);
    if (fi !== undefined) {
      const keep = edges.filter((e) => e.src === fi || e.dst === fi);
      const used = [...new Set([fi, ...keep.flatMap((e) => [e.src, e.dst])])].sort((x, y) => x - y);
      const remap = new Map(used.map((old, i) => [old, i]));
      shown = { nodes: used.map((i) => nodes[i]), edges: keep.map((e) => ({ ...e, src: remap.get(e.src)!, dst: remap.get(e.dst)! })) };
    }
    const namespaces = [...va.namespaces, ...vb.namespaces.filter((n) => !va.namespaces.some((m) => m.name === n.name)).map((n) => ({ ...n, location: undefined }))];
    return {
      revision,
      ...(fi !== undefined ? { focus: p.focus } : {}),
      namespaces,
      nodes: shown.nodes,
      conns,
      edges: shown.edges,
      stats: { workloads: after.reach.workloads.length, edges: va.edges.length, unrestrictedWorkloads: va.unrestrictedWorkloads },
      compare: { rev: b.rev, commit: b.commit, summary: summarize(d).text },
      // Flows loaded: their overlay is the workspace's alone, not drawn over both states (the bar says so).
      ...(after.config.observedFlows?.length ? { observedHidden: true } : {}),
    };
  }

  /** Why an edge of the compare graph changed: before, after, and each deciding rule in its own state. */
  async explain(p: CompareExplainParams): Promise<ExplainResult> {
    const b = await this.base(p.base || 'HEAD');
    const after = this.now(b);
    const d = diffAnalyses(b.state.analysis, after);
    const va = reachabilityView(after, (u) => this.host.linesOf(u));
    const vb = reachabilityView(b.state.analysis, linesIn(b.state));
    const matches = peerMatcher([va, vb]);
    const nodeOf = (id: string) => [va, vb].map((v) => v.nodes[v.index.get(id) ?? -1]).find((n) => n !== undefined);
    const changes = d.changes.filter((c) => matches(c.src, p.src) && matches(c.dst, p.dst));
    const label = (id: string) => (nodeOf(id)?.kind === 'external' ? nodeOf(id)!.label : id);
    const title = `${label(p.src)} → ${label(p.dst)}`;
    if (changes.length === 0) return { title, summary: `No change against ${b.rev}.`, sections: [] };
    const lines = { before: linesIn(b.state), after: (u: string) => this.host.linesOf(u) };
    const sections: ExplainSection[] = changes.map((c: ConnectionChange) => ({
      heading: `${c.type === 'added' ? 'Added' : c.type === 'removed' ? 'Removed' : 'Changed'}: ${c.src.id} → ${c.dst.id}: before ${c.before.isEmpty ? 'nothing' : c.before.toString()}, after ${c.after.isEmpty ? 'nothing' : c.after.toString()}`,
      items: c.why.map(
        (r): ExplainItem => ({
          text: r.state === 'before' ? `${r.text} (before the change)` : r.text,
          tone: r.verdict === 'allow' ? 'allow' : 'deny',
          conns: r.conns.toString(),
          links: r.refs.map((ref) => {
            // A rule of the base is shown with its line there (the editor holds the new text).
            const l = lines[r.state](ref.uri);
            return { label: r.state === 'before' ? `${ref.label} (in ${b.rev})` : ref.label, location: { uri: ref.uri, range: { start: l.position(ref.span.start), end: l.position(ref.span.end) } } };
          }),
        }),
      ),
    }));
    const c = changes[0];
    const opened = changes.some((x) => !x.opened.isEmpty);
    const closed = changes.some((x) => !x.closed.isEmpty);
    const summary = `${opened && closed ? 'Changed' : opened ? 'Opened' : closed ? 'Closed' : 'Rerouted'} against ${b.rev}: before ${c.before.isEmpty ? 'nothing' : c.before.toString()}, after ${c.after.isEmpty ? 'nothing' : c.after.toString()}.`;
    return { title, summary, conns: c.after.toString(), sections };
  }
}

/** Why a request failed, for the user: git's errors as they are, anything else as an internal error. */
function failure(e: unknown): ResponseError<void> {
  if (e instanceof GitError) return new ResponseError(ErrorCodes.InvalidRequest, e.message);
  return new ResponseError(ErrorCodes.InternalError, e instanceof Error ? e.message : String(e));
}

export function registerCompare(connection: Connection, host: CompareHost, revisionOf: () => number): Comparisons {
  const c = new Comparisons(host);
  const guard =
    <P, R>(f: (p: P) => Promise<R>) =>
    async (p: P): Promise<R> => {
      try {
        return await f(p);
      } catch (e) {
        throw failure(e);
      }
    };
  connection.onRequest(CompareRequests.revisions, guard(() => c.revisions()));
  connection.onRequest(CompareRequests.review, guard((p: ReviewParams | null) => c.review(p ?? {})));
  connection.onRequest(CompareRequests.compare, guard((p: CompareParams | null) => c.compare(p ?? {}, revisionOf())));
  connection.onRequest(CompareRequests.compareExplain, guard((p: CompareExplainParams) => c.explain(p)));
  return c;
}
