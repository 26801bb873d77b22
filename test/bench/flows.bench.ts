// npm run bench:flows — replay 1,000,000 Hubble flows against the 13,000-document workspace, on one core:
// flows per second after the workspace analysis, peak RSS, the ratio against plain JSON.parse of the same
// lines measured in the same run (BENCH_ROUNDS alternated rounds of each, 3 by default), and synthesis time.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flows, renderYaml, Workspace } from '../../server/src/engine';
import { forEachLine, readFlowFile } from '../../server/src/host/flow-files';
import { writeHubbleFlows } from './flow-generator';
import { generateWorkspace, TARGET_SHAPE } from './generator';
import { fmt, mb, summarize } from './stats';

const COUNT = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'egress-lens-flows-'));
  const file = path.join(tmp, 'flows.jsonl');
  try {
    let t = performance.now();
    await writeHubbleFlows(file, COUNT);
    console.log(`flows: ${COUNT.toLocaleString('en-US')} Hubble lines, ${mb(statSync(file).size)} (generated in ${fmt(performance.now() - t)})`);

    const files = generateWorkspace(TARGET_SHAPE);
    const ws = new Workspace();
    t = performance.now();
    for (const f of files) ws.set(f);
    const a = ws.analyze();
    const analysisMs = performance.now() - t;
    const docs = files.reduce((n, f) => n + f.text.split('\n---\n').length, 0);
    console.log(`workspace: ${files.length} files, ${docs} documents, ${a.model.workloads.length} workloads (analysis ${fmt(analysisMs)})`);
    const rssBefore = process.memoryUsage().rss;

    // Rounds alternate the peer (plain JSON.parse of the same lines, read the same way: the floor any reader
    // of this format pays) and the replay (read, match and count, streaming; then evaluate each distinct
    // connection with its explanation), so that both meet the same moments of a shared machine; the best
    // round of each is the figure, and the ratio is taken between them.
    const parseMs: number[] = [];
    const readMs: number[] = [];
    const evalMs: number[] = [];
    let parsed = 0;
    let blocked = 0;
    let traffic = new flows.ObservedTraffic(a.reach);
    for (let round = 0; round < ROUNDS; round++) {
      t = performance.now();
      parsed = 0;
      await forEachLine(file, (l) => {
        if (l) {
          JSON.parse(l);
          parsed++;
        }
      });
      parseMs.push(performance.now() - t);

      t = performance.now();
      traffic = new flows.ObservedTraffic(a.reach);
      await readFlowFile(file, traffic, { shown: 'flows.jsonl' });
      readMs.push(performance.now() - t);
      t = performance.now();
      blocked = 0;
      for (const c of traffic.connections.values()) if (!flows.evaluateConnection(a.reach, c).allowed) blocked++;
      evalMs.push(performance.now() - t);
    }
    const replayMs = readMs.map((r, i) => r + evalMs[i]);

    t = performance.now();
    const policies = flows.synthesize(traffic.connections.values(), {
      mechanism: 'networkpolicy',
      dns: a.config.dns,
      dnsTargets: a.reach.dnsTargets,
      taken: flows.namesByNamespace(a.model.resources),
    });
    const yaml = policies.map((p) => renderYaml(p, { indent: 2, indentSeq: false, eol: '\n' })).join('---\n');
    const synthMs = performance.now() - t;
    const peak = process.resourceUsage().maxRSS * 1024;

    const rate = (ms: number) => `${Math.round((COUNT / ms) * 1000).toLocaleString('en-US')} flows/s`;
    const row = (what: string, ms: number[], withRate = true) => {
      const x = summarize(ms);
      console.log(`| ${what} | ${fmt(x.min)} | ${fmt(x.median)} | ${withRate ? `${rate(x.min)} (median ${rate(x.median)})` : ''} |`);
    };
    console.log(`distinct connections: ${traffic.connections.size.toLocaleString('en-US')} (${blocked.toLocaleString('en-US')} would be blocked); replies ${traffic.replies.toLocaleString('en-US')}; unknown ${traffic.unknownFlows}; malformed ${traffic.malformed}; JSON lines parsed ${parsed.toLocaleString('en-US')}`);
    console.log('');
    console.log(`| measurement (${ROUNDS} alternated rounds) | best | median | rate |`);
    console.log('|---|---|---|---|');
    row('plain JSON.parse of every line (same reader)', parseMs);
    row('replay: read, match, count (streaming)', readMs);
    row('replay: evaluate and explain each distinct connection', evalMs, false);
    row('replay total (after the workspace analysis)', replayMs);
    console.log(`| replay total / JSON.parse | ${(summarize(replayMs).min / summarize(parseMs).min).toFixed(2)}× | ${(summarize(replayMs).median / summarize(parseMs).median).toFixed(2)}× | |`);
    console.log(`| synthesis (${policies.length} policies, ${mb(yaml.length)} of YAML) | ${fmt(synthMs)} | | |`);
    console.log(`| RSS after the workspace analysis | ${mb(rssBefore)} | | |`);
    console.log(`| peak RSS (whole run) | ${mb(peak)} | | |`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
