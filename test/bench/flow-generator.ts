/**
 * A seeded generator of Hubble flow logs (`hubble observe -o json` lines, with the GetFlowsResponse wrapper)
 * for the workspace of test/bench/generator.ts: pods of ns-NNN/svc-J talking to pods of their namespace and
 * of others, to the cluster DNS, and to external hosts by name, with replies and the ingress observation of
 * pod-to-pod flows, as a node's Hubble records them. Same seed, same bytes.
 *
 *   node out/test/bench/flow-generator.js FILE [COUNT] [NAMESPACES]
 */
import { createWriteStream } from 'node:fs';
import { int, rng } from '../support/random';

const TIERS = ['web', 'web', 'web', 'api', 'api', 'api', 'api', 'db', 'db', 'db'];

interface Pod {
  ns: string;
  app: string;
  ip: string;
  json: string;
}

function endpointJson(ns: string, labels: Record<string, string>, pod: string, workload: string, identity: number): string {
  const l = [
    ...Object.entries(labels).map(([k, v]) => `k8s:${k}=${v}`),
    `k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=${ns}`,
    'k8s:io.cilium.k8s.policy.cluster=default',
    'k8s:io.cilium.k8s.policy.serviceaccount=default',
    `k8s:io.kubernetes.pod.namespace=${ns}`,
  ].sort();
  return JSON.stringify({ ID: 1000 + (identity % 3000), identity, cluster_name: 'default', namespace: ns, labels: l, pod_name: pod, workloads: [{ name: workload, kind: 'Deployment' }] });
}

function pods(namespaces: number): Pod[] {
  const out: Pod[] = [];
  for (let i = 0; i < namespaces; i++) {
    const ns = `ns-${String(i).padStart(3, '0')}`;
    for (let j = 0; j < 10; j++) {
      const app = `svc-${j}`;
      const ip = `10.${(i >> 4) + 1}.${(i & 15) * 16 + j}.${10 + j}`;
      out.push({ ns, app, ip, json: endpointJson(ns, { app, tier: TIERS[j] }, `${app}-7c9d8b6f5-${(i * 10 + j).toString(36).padStart(5, 'x')}`, app, 10000 + i * 10 + j) });
    }
  }
  return out;
}

const DNS: Pod = { ns: 'kube-system', app: 'coredns', ip: '10.96.0.10', json: endpointJson('kube-system', { 'k8s-app': 'kube-dns' }, 'coredns-5d78c9869d-abcde', 'coredns', 102) };
const WORLD = JSON.stringify({ identity: 2, labels: ['reserved:world'] });

function line(n: number, src: Pod | undefined, dst: Pod | undefined, srcIp: string, dstIp: string, proto: 'TCP' | 'UDP', sport: number, dport: number, o: { reply?: boolean; ingress?: boolean; names?: string[] } = {}): string {
  const sec = String(n % 60).padStart(2, '0');
  const time = `2026-12-05T07:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${sec}.${String(n % 1e9).padStart(9, '0')}Z`;
  const flags = proto === 'TCP' ? `,"flags":{${o.reply ? '"SYN":true,"ACK":true' : '"SYN":true'}}` : '';
  const names = o.names ? `,"destination_names":${JSON.stringify(o.names)}` : '';
  return (
    `{"flow":{"time":"${time}","uuid":"6f1d3a8e-0b7c-4e5f-9a2b-${n.toString(16).padStart(12, '0')}","verdict":"FORWARDED",` +
    `"ethernet":{"source":"2a:3b:4c:5d:6e:7f","destination":"7f:6e:5d:4c:3b:2a"},` +
    `"IP":{"source":"${srcIp}","destination":"${dstIp}","ipVersion":"IPv4"},` +
    `"l4":{"${proto}":{"source_port":${sport},"destination_port":${dport}${flags}}},` +
    `"source":${src ? src.json : WORLD},"destination":${dst ? dst.json : WORLD},"Type":"L3_L4","node_name":"worker-${n % 7}"${names},` +
    // Hubble still writes the deprecated reply field on replies, beside is_reply.
    `${o.reply ? '"reply":true,' : ''}"event_type":{"type":4,"sub_type":3},"traffic_direction":"${o.ingress ? 'INGRESS' : 'EGRESS'}","trace_observation_point":"${o.ingress ? 'TO_ENDPOINT' : 'TO_STACK'}",` +
    `"is_reply":${o.reply ? 'true' : 'false'},"interface":{"index":${12 + (n % 40)},"name":"lxc${(n % 4096).toString(16)}"},"Summary":"${proto === 'TCP' ? 'TCP Flags: SYN' : 'UDP'}"},` +
    `"node_name":"worker-${n % 7}","time":"${time}"}`
  );
}

/** Writes `count` flows to `file`. */
export async function writeHubbleFlows(file: string, count: number, namespaces = 480, seed = 11): Promise<void> {
  const r = rng(seed);
  const all = pods(namespaces);
  const out = createWriteStream(file);
  const hosts = Array.from({ length: 40 }, (_, i) => ({ name: `api-${i}.partner-${i % 7}.example.com`, ip: `203.0.${113 + (i % 3)}.${10 + i}` }));
  let buf: string[] = [];
  // Each workload talks to a few peers, as services do: two in its namespace, the api of two other
  // namespaces, three external hosts, and DNS.
  const peersOf = (p: number) => {
    const ns = p - (p % 10);
    const j = p % 10;
    const other = (k: number) => ((Math.floor(p / 10) + 1 + ((p * 7 + k * 13) % (namespaces - 1))) % namespaces) * 10 + 4;
    return { local: [ns + ((j + 1) % 10), ns + ((j + 3) % 10)], remote: [other(0), other(1)], hosts: [p % hosts.length, (p * 3 + 1) % hosts.length, (p * 7 + 5) % hosts.length] };
  };
  for (let n = 0; n < count; n++) {
    const si = int(r, 0, all.length - 1);
    const src = all[si];
    const peers = peersOf(si);
    const sport = int(r, 32768, 60999);
    const k = r();
    let l: string;
    if (k < 0.15) l = line(n, src, DNS, src.ip, DNS.ip, 'UDP', sport, 53);
    else if (k < 0.55) {
      const dst = all[peers.local[int(r, 0, 1)]];
      l = line(n, src, dst, src.ip, dst.ip, 'TCP', sport, 8080, { ingress: r() < 0.25 });
    } else if (k < 0.65) {
      const dst = all[peers.remote[int(r, 0, 1)] % all.length];
      l = line(n, src, dst, src.ip, dst.ip, 'TCP', sport, r() < 0.8 ? 8080 : 9090);
    } else if (k < 0.8) {
      const h = hosts[peers.hosts[int(r, 0, 2)]];
      l = line(n, src, undefined, src.ip, h.ip, 'TCP', sport, 443, { names: [h.name] });
    } else {
      // A reply: from the destination's port back to the source's.
      const dst = all[peers.local[0]];
      l = line(n, dst, src, dst.ip, src.ip, 'TCP', 8080, sport, { reply: true });
    }
    buf.push(l);
    if (buf.length === 2000) {
      if (!out.write(buf.join('\n') + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = [];
    }
  }
  out.write(buf.length > 0 ? buf.join('\n') + '\n' : '');
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

if (require.main === module) {
  const [file, count, namespaces] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node out/test/bench/flow-generator.js FILE [COUNT] [NAMESPACES]');
    process.exit(2);
  }
  void writeHubbleFlows(file, Number(count ?? 1_000_000), Number(namespaces ?? 480));
}
