import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, flows } from '../../server/src/engine';
import { forEachLine, forEachLineBytes, NATIVE_BYTES, readFlowFile, NotAFlowLog } from '../../server/src/host/flow-files';
import { repoRoot } from '../support/workspace';
import { writeHubbleFlows } from '../bench/flow-generator';
import { generateWorkspace } from '../bench/generator';

const dir = path.join(repoRoot, 'test/fixtures/flows');
const lines = (name: string) => readFileSync(path.join(dir, name), 'utf8').split('\n').filter((l) => l.trim() !== '');
const pods = flows.readPodAddresses(JSON.parse(readFileSync(path.join(dir, 'pods.json'), 'utf8'))).map;

test('Hubble: the fast path reads every line exactly as a full JSON.parse does', () => {
  const reader = new flows.HubbleReader();
  let fast = 0;
  for (const l of lines('hubble.jsonl')) {
    let slow: flows.LineResult;
    try {
      slow = flows.hubbleFromObject(JSON.parse(l));
    } catch {
      slow = { kind: 'error', message: '' };
    }
    const got = reader.read(l);
    if (slow.kind === 'error') assert.equal(got.kind, 'error');
    else assert.deepEqual(got, slow, l.slice(0, 120));
    if (got.kind === 'flow') fast++;
  }
  assert.equal(fast, 13);
  // The usual lines take the fast path (and the one with egress_denied_by the full parse).
  assert.equal(lines('hubble.jsonl').filter((l) => reader.fast(l) !== undefined).length, 12);
  // Read twice: the second time from the endpoint cache, with the same result.
  const again = new flows.HubbleReader();
  for (const l of lines('hubble.jsonl').slice(0, 3)) assert.deepEqual(again.read(l), again.read(l));
});

test('Hubble: the fast path takes every line of the benchmark generator, with the flows a full parse gives', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const file = path.join(tmp, 'gen.jsonl');
    await writeHubbleFlows(file, 3000, 20);
    const reader = new flows.HubbleReader();
    const all = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (const l of all) {
      const fast = reader.fast(l);
      assert.ok(fast, l.slice(0, 100));
      assert.deepEqual(fast, flows.hubbleFromObject(JSON.parse(l)));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('Hubble: read on the bytes of a file (buffers reused from line to line), with the native or the plain byte operations, every line reads as a full JSON.parse does', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const file = path.join(tmp, 'gen.jsonl');
    // About 7 MB: the 2 MiB read buffer is refilled several times while endpoints are kept.
    await writeHubbleFlows(file, 5000, 40);
    writeFileSync(file, readFileSync(file, 'utf8') + lines('hubble.jsonl').join('\n') + '\n');
    for (const ops of [NATIVE_BYTES, undefined]) {
      const reader = new flows.HubbleReader(ops);
      let n = 0;
      let fast = 0;
      await forEachLineBytes(file, (bytes) => {
        const text = bytes!.toString('utf8');
        let want: flows.LineResult;
        try {
          want = flows.hubbleFromObject(JSON.parse(text));
        } catch {
          want = { kind: 'error', message: '' };
        }
        if (reader.fast(bytes!) !== undefined) fast++;
        const got = reader.read(bytes!);
        if (want.kind === 'error') assert.equal(got.kind, 'error');
        else assert.deepEqual(got, want, text.slice(0, 120));
        n++;
      });
      assert.equal(n, 5000 + lines('hubble.jsonl').length);
      assert.equal(fast, 5000 + 12, 'the generated lines and the usual fixture lines take the fast path');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('Hubble: endpoints with the same first bytes and the same length are told apart by all their bytes; escapes and non-ASCII text read as JSON.parse reads them', () => {
  const endpoint = (tier: string) => `{"ID":7,"identity":9,"cluster_name":"default","namespace":"shop","labels":["k8s:app=web","k8s:tier=${tier}"],"pod_name":"web-1"}`;
  const line = (src: string, extra = '') =>
    `{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"destination_port":80}},"source":${src},"destination":${endpoint('db')},"Type":"L3_L4"${extra},"traffic_direction":"EGRESS"},"node_name":"n"}`;
  const cases = [
    line(endpoint('api')),
    line(endpoint('apx')), // same length, same head, one byte apart
    line(endpoint('api')),
    line(endpoint('été')), // UTF-8 in a label
    line(endpoint('api'), ',"Summary":"a \\"quoted\\" word"'), // an escaped quote in a field the fast path skips
    line(endpoint('api'), ',"destination_names":["bücher.example."]'),
    line(endpoint('a\\u0070i')), // an escape inside an endpoint: JSON.parse decodes it
    line(endpoint('api'), ',"is_repl\\u0079":true'), // an escaped key: JSON.parse reads it as is_reply
    line(endpoint('api'), ',"x":{"source":"10.9.9.9"}').replace('"IP":{"source":"10.0.0.1",', '"IP":{"s\\u006furce":"10.0.0.3","source":"10.0.0.1",'), // escaped and repeated keys in IP
    line(endpoint('api')).replace('"source":"10.0.0.1"', '"source":"10.0.0.1","source":"10.0.0.4"'), // a key twice: the last one counts
    line(endpoint('api'), ',"reply":true,"is_reply":true'), // a reply as Hubble writes it: the deprecated field beside is_reply
    line(endpoint('api'), ',"reply":true'), // only the deprecated field (older Hubble)
    line(endpoint('api'), ',"reply":true,"is_reply":false'), // is_reply decides when both are there
    line(endpoint('api'), ',"is_reply":false,"reply":true'),
  ];
  const reader = new flows.HubbleReader(NATIVE_BYTES);
  for (const l of [...cases, ...cases]) {
    const got = reader.read(Buffer.from(l, 'utf8'));
    assert.deepEqual(got, flows.hubbleFromObject(JSON.parse(l)), l);
  }
  const tiers = cases.slice(0, 4).map((l) => {
    const r = reader.read(Buffer.from(l, 'utf8'));
    return r.kind === 'flow' ? r.flow.src.labels?.tier : undefined;
  });
  assert.deepEqual(tiers, ['api', 'apx', 'api', 'été']);
  const names = reader.read(Buffer.from(cases[5], 'utf8'));
  assert.deepEqual(names.kind === 'flow' && names.flow.names, ['bücher.example']);
  // Replies in either spelling take the fast path, with the reply the full parse reads.
  const replies = cases.slice(-4).map((l) => {
    const r = reader.fast(Buffer.from(l, 'utf8'));
    return r?.kind === 'flow' ? r.flow.reply : undefined;
  });
  assert.deepEqual(replies, [true, true, false, false]);
});

test('Hubble: -o jsonpb without the wrapper (protojson camelCase names) reads as -o json with it', () => {
  const reader = new flows.HubbleReader();
  const wrapped = lines('hubble.jsonl').slice(0, 6).map((l) => reader.read(l));
  const bare = lines('hubble-jsonpb.jsonl').map((l) => reader.read(l));
  assert.equal(bare.length, 6);
  assert.deepEqual(bare, wrapped);
});

test('Hubble: labels, world identities, DNS names, replies, observation points and denying policies', () => {
  const reader = new flows.HubbleReader();
  const all = lines('hubble.jsonl').map((l) => reader.read(l));
  const flowsRead = all.filter((r): r is Extract<flows.LineResult, { kind: 'flow' }> => r.kind === 'flow').map((r) => r.flow);
  const first = flowsRead[0];
  assert.deepEqual(first.src, { namespace: 'shop', pod: 'web-5d8f7c6b9-x2k4p', workload: { name: 'web', kind: 'Deployment' }, labels: { app: 'web', tier: 'front' } });
  assert.equal(first.srcIp, '10.244.1.10');
  assert.equal(first.protocol, 'TCP');
  assert.equal(first.port, 8080);
  assert.equal(flowsRead[2].reply, true);
  assert.equal(flowsRead[3].duplicate, true);
  const stripe = flowsRead.find((f) => f.names.length > 0)!;
  assert.deepEqual(stripe.dst, { external: true });
  assert.equal(stripe.dstIp, '203.0.113.7');
  assert.deepEqual(stripe.names, ['api.stripe.com']);
  assert.ok(flowsRead.some((f) => f.protocol === 'ICMP' && f.port === undefined));
  const dropped = flowsRead.find((f) => f.verdict === 'denied')!;
  assert.deepEqual(dropped.deniedBy, ['shop/web-egress']);
  assert.deepEqual(all.map((r) => r.kind).filter((k) => k !== 'flow'), ['skip', 'error']);
});

test('Calico: classic records and Whisker records; the destination reporter counts once; pub networks are outside', () => {
  const classic = lines('calico.jsonl').map(flows.calicoLine);
  assert.equal(classic[3].kind, 'error');
  const f = classic.filter((r): r is Extract<flows.LineResult, { kind: 'flow' }> => r.kind === 'flow').map((r) => r.flow);
  assert.deepEqual(f[0].src, { namespace: 'shop', pod: 'web-5d8f7c6b9-', labels: { app: 'web', tier: 'front' } });
  assert.equal(f[1].duplicate, true);
  assert.deepEqual(f[2].dst, { external: true });
  assert.equal(f[2].dstIp, '203.0.113.7');
  assert.deepEqual(f[2].names, ['api.stripe.com']);
  assert.equal(f[3].protocol, 'UDP');
  assert.deepEqual(f[7].deniedBy, ['shop/default.web-egress']);
  const whisker = lines('whisker.jsonl').map(flows.calicoLine);
  assert.equal(whisker[0].kind, 'flow');
  if (whisker[0].kind === 'flow') assert.deepEqual(whisker[0].flow.src.labels, { app: 'web', tier: 'front' });
  if (whisker[1].kind === 'flow') assert.deepEqual(whisker[1].flow.dst, { external: true });
});

test('VPC flow logs: pods by address, replies by the ports pods listen on, header and NODATA skipped, short records malformed', () => {
  const reader = new flows.VpcReader(pods);
  const r = lines('vpc-flow-logs.txt').map((l) => reader.read(l));
  assert.deepEqual(r.map((x) => x.kind), ['skip', 'flow', 'flow', 'flow', 'flow', 'flow', 'flow', 'flow', 'flow', 'flow', 'skip', 'error']);
  const f = r.map((x) => (x.kind === 'flow' ? x.flow : undefined));
  assert.equal(f[1]!.reply, false);
  assert.equal(f[2]!.reply, true, 'api answering from its port 8080');
  assert.equal(f[4]!.reply, true, 'the answer of 203.0.113.7:443');
  assert.deepEqual(f[3]!.dst, { external: true });
  assert.equal(f[3]!.dstIp, '203.0.113.7');
  assert.equal(f[1]!.src.namespace, 'shop');
  assert.equal(f[9]!.verdict, 'denied');
});

test('formats are recognised from their lines; YAML and prose are not flow logs', () => {
  assert.equal(flows.detectFormat(lines('hubble.jsonl')), 'hubble');
  assert.equal(flows.detectFormat(lines('hubble-jsonpb.jsonl')), 'hubble');
  assert.equal(flows.detectFormat(lines('calico.jsonl')), 'calico');
  assert.equal(flows.detectFormat(lines('whisker.jsonl')), 'calico');
  assert.equal(flows.detectFormat(lines('vpc-flow-logs.txt')), 'vpc');
  assert.equal(flows.detectFormat(lines('workspace/shop.yaml')), undefined);
  assert.equal(flows.detectFormat(lines('notes.txt')), undefined);
  assert.equal(flows.detectFormat(['{"apiVersion":"v1","kind":"List","items":[]}']), undefined);
});

test('streaming: lines across chunk boundaries, CRLF and a last line without newline; memory of errors bounded', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const file = path.join(tmp, 'big.txt');
    // Lines of varying length, so that some straddle the 1 MiB read chunks.
    const want: string[] = [];
    for (let i = 0; i < 30_000; i++) want.push(`${i}:${'x'.repeat((i * 37) % 200)}é`);
    writeFileSync(file, want.map((l, i) => (i % 7 === 0 ? `${l}\r` : l)).join('\n'));
    const got: string[] = [];
    await forEachLine(file, (l, n) => {
      assert.equal(n, got.length + 1);
      got.push(l!);
    });
    assert.deepEqual(got, want);
    // A two-byte character cut by the 1 MiB read chunk: its bytes go together.
    const cut = path.join(tmp, 'cut.txt');
    const first = 'a'.repeat((1 << 20) - 10);
    writeFileSync(cut, `${first}\n${'b'.repeat(8)}é€z\nlast`);
    const parts: string[] = [];
    await forEachLine(cut, (l) => {
      parts.push(l!);
    });
    assert.deepEqual(parts, [first, `${'b'.repeat(8)}é€z`, 'last']);
    // A file of garbage after a flow: every line reported by number, but only the first hundred kept.
    const junk = path.join(tmp, 'junk.jsonl');
    writeFileSync(junk, [lines('hubble.jsonl')[0], ...Array.from({ length: 500 }, (_, i) => `{"broken": ${i}`)].join('\n') + '\n');
    const a = analyze([{ uri: 'file:///w/shop.yaml', text: readFileSync(path.join(dir, 'workspace/shop.yaml'), 'utf8') }]);
    const t = new flows.ObservedTraffic(a.reach);
    await readFlowFile(junk, t, { shown: 'junk.jsonl' });
    assert.equal(t.malformed, 500);
    assert.equal(t.errors.length, flows.MAX_REPORTED_ERRORS);
    assert.equal(t.errors[0].line, 2);
    await assert.rejects(readFlowFile(path.join(dir, 'notes.txt'), t, { shown: 'notes.txt' }), NotAFlowLog);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('byte table: entries with the same hash told apart by their bytes, found whole or as the prefix a value ends with, past every growth and after being emptied', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const ops of [flows.PLAIN_BYTE_OPS, NATIVE_BYTES]) {
    const table = new flows.ByteTable<number>(ops, 5000);
    // Every entry under one of four hashes: lookups must compare bytes; long entries take the host's comparison.
    const items = Array.from({ length: 3000 }, (_, i) => `{"id":${i},"pad":"${'x'.repeat(i % 100)}"}`);
    items.forEach((s, i) => {
      const b = enc(`,,${s},"next":1`);
      assert.equal(table.get(b, 2, 2 + enc(s).length, i % 4), undefined);
      table.add(b, 2, 2 + enc(s).length, i % 4, i);
    });
    assert.equal(table.size, 3000);
    items.forEach((s, i) => {
      const b = enc(`${s},"more":true}`);
      assert.equal(table.get(b, 0, enc(s).length, i % 4), i, s);
      assert.equal(table.get(b, 0, enc(s).length, (i + 1) % 4), undefined, 'another hash finds nothing');
      // As a prefix ending with `}`: the one whole object there, not a shorter or longer entry.
      assert.deepEqual(table.prefix(b, 0, i % 4, 125), [i, enc(s).length]);
    });
    // The same bytes but one: not found.
    assert.equal(table.get(enc('{"id":7,"pad":"xxxxxxy"}'), 0, 24, 3), undefined);
    // Full: emptied before the next entry, which is then the only one.
    for (let i = 3000; i < 5001; i++) table.add(enc(`k${i}`), 0, `k${i}`.length, 9, i);
    assert.equal(table.size, 1);
    assert.equal(table.get(enc('k5000'), 0, 5, 9), 5000);
    assert.equal(table.get(enc('k4999'), 0, 5, 9), undefined);
  }
  // A budget of bytes too: long entries (hostile lines) empty the table before it grows past it.
  const small = new flows.ByteTable<number>(flows.PLAIN_BYTE_OPS, 1000, 10_000);
  const long = (i: number) => enc(`${i}:${'y'.repeat(3000)}`);
  for (let i = 0; i < 10; i++) {
    small.add(long(i), 0, long(i).length, i, i);
    assert.ok(small.bytes <= 10_000, `${small.bytes} bytes kept`);
  }
  assert.equal(small.size, 1);
  assert.equal(small.get(long(9), 0, long(9).length, 9), 9);
});

test('replay counts every flow in the one connection its ends, protocol and port make, as grouping the flows read in full gives', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flows-'));
  try {
    const file = path.join(tmp, 'gen.jsonl');
    await writeHubbleFlows(file, 20_000, 12);
    const a = analyze(generateWorkspace({ namespaces: 12, workloadsPerNamespace: 10, files: 12, seed: 7 }));
    const traffic = new flows.ObservedTraffic(a.reach);
    await readFlowFile(file, traffic, { shown: 'gen.jsonl' });
    // The reference: each line parsed in full, its ends resolved by a matcher of its own, grouped by name.
    const matcher = new flows.WorkloadMatcher(a.reach);
    const expected = new Map<string, { flows: number; seen: number; allowed: number }>();
    let counted = 0;
    for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const r = flows.hubbleFromObject(JSON.parse(l));
      assert.equal(r.kind, 'flow');
      if (r.kind !== 'flow' || r.flow.reply) continue;
      const f = r.flow;
      const end = (ep: flows.FlowEndpoint, ip: string | undefined, names: string[]): flows.ConnectionEnd => {
        const x = matcher.resolve(ep);
        assert.notEqual(x.kind, 'unknown');
        return x.kind === 'workload' ? { kind: 'workload', workload: x.workload } : { kind: 'external', ...(ip ? { ip } : {}), names };
      };
      const name = flows.connectionName({ src: end(f.src, f.srcIp, []), dst: end(f.dst, f.dstIp, f.names), protocol: f.protocol, port: f.port });
      const e = expected.get(name) ?? { flows: 0, seen: 0, allowed: 0 };
      if (f.duplicate) e.seen++;
      else e.flows++;
      if (f.verdict === 'allowed') e.allowed++;
      expected.set(name, e);
      counted++;
    }
    assert.ok(counted > 15_000 && expected.size > 300, `${counted} flows, ${expected.size} connections`);
    const got = new Map([...traffic.connections.values()].map((c) => [flows.connectionName(c), { flows: c.flows, seen: c.seenAtDestination, allowed: c.cluster.allowed }]));
    assert.deepEqual(got, expected);
    // External destinations by their names and address: each host one end, however many flows reach it.
    const hosts = [...traffic.connections.values()].filter((c) => c.dst.kind === 'external');
    assert.ok(hosts.length > 0 && hosts.every((c) => c.dst.kind === 'external' && c.dst.names.length === 1 && c.dst.ip));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
