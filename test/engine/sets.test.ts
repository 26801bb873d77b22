import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PortSet, MAX_PORT } from '../../server/src/engine/sets/portset';
import { ConnectionSet } from '../../server/src/engine/sets/connections';
import { IpRangeSet, parseCidr, partition, formatV6, parseV6, rangeToCidrs } from '../../server/src/engine/sets/iprange';
import { int, rng } from '../support/random';

// Reference model: a bitmap over a small universe, checked against the interval arithmetic.
const U = 64;
function randomSet(r: () => number): [PortSet, boolean[]] {
  const bits = Array<boolean>(U + 1).fill(false);
  const intervals: [number, number][] = [];
  for (let k = int(r, 0, 4); k > 0; k--) {
    const a = int(r, 1, U);
    const b = int(r, a, Math.min(U, a + int(r, 0, 12)));
    intervals.push([a, b]);
    for (let i = a; i <= b; i++) bits[i] = true;
  }
  return [PortSet.of(intervals), bits];
}
function bitsOf(s: PortSet): boolean[] {
  const bits = Array<boolean>(U + 1).fill(false);
  for (const [a, b] of s.intervals()) for (let i = a; i <= Math.min(b, U); i++) bits[i] = true;
  return bits;
}

test('PortSet union/intersect/subtract agree with a bitmap (2,000 random cases)', () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const r = rng(seed);
    const [a, ab] = randomSet(r);
    const [b, bb] = randomSet(r);
    const universe = PortSet.range(1, U);
    assert.deepEqual(bitsOf(a.union(b)), ab.map((x, i) => x || bb[i]), `union, seed ${seed}`);
    assert.deepEqual(bitsOf(a.intersect(b)), ab.map((x, i) => x && bb[i]), `intersect, seed ${seed}`);
    assert.deepEqual(bitsOf(a.subtract(b)), ab.map((x, i) => x && !bb[i]), `subtract, seed ${seed}`);
    assert.deepEqual(bitsOf(a.complement().intersect(universe)), ab.map((x, i) => i > 0 && !x), `complement, seed ${seed}`);
    // Canonical form: equal sets have equal representations.
    assert.ok(a.union(b).equals(b.union(a)));
  }
});

test('PortSet renders like netpol-analyzer', () => {
  assert.equal(PortSet.of([[80, 80], [443, 443], [8000, 8080], [8081, 8090]]).toString(), '80,443,8000-8090');
  assert.equal(PortSet.all.subtract(PortSet.port(80)).toString(), `1-79,81-${MAX_PORT}`);
  assert.ok(PortSet.range(0, 70000).isAll);
});

test('ConnectionSet strings', () => {
  assert.equal(ConnectionSet.all.toString(), 'All Connections');
  assert.equal(ConnectionSet.none.toString(), 'No Connections');
  const dns = ConnectionSet.of('UDP', PortSet.port(53)).union(ConnectionSet.of('TCP', PortSet.port(53)));
  assert.equal(dns.toString(), 'TCP 53,UDP 53');
  const allButHttp = ConnectionSet.all.subtract(ConnectionSet.of('TCP', PortSet.port(80)));
  assert.equal(allButHttp.toConnlistString(), 'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535', 'netpol-analyzer knows no ICMP');
  assert.equal(allButHttp.toString(), 'ICMP,SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535');
  assert.equal(ConnectionSet.icmpOnly.toString(), 'ICMP');
  assert.ok(ConnectionSet.all.subtract(ConnectionSet.icmpOnly).allPorts && !ConnectionSet.all.subtract(ConnectionSet.icmpOnly).isAll);
  assert.equal(ConnectionSet.all.subtract(ConnectionSet.icmpOnly).toConnlistString(), 'All Connections');
  assert.equal(ConnectionSet.from({ TCP: PortSet.of([[10053, 10054]]), UDP: PortSet.port(10053) }).toString(), 'TCP 10053-10054,UDP 10053');
  assert.ok(dns.contains(ConnectionSet.of('UDP', PortSet.port(53))));
  assert.ok(!dns.contains(ConnectionSet.of('UDP', PortSet.range(53, 54))));
});

test('CIDRs: IPv4 and IPv6, host bits, canonical form', () => {
  const c = parseCidr('10.0.0.1/8')!;
  assert.equal(c.hostBitsSet, true);
  assert.equal(c.canonical, '10.0.0.0/8');
  assert.equal(c.set.toString(), '10.0.0.0-10.255.255.255');
  assert.equal(parseCidr('0.0.0.0/0')!.set.toString(), '0.0.0.0-255.255.255.255');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('10.0.0/8'), undefined);
  assert.equal(parseCidr('300.0.0.0/8'), undefined);
  const v6 = parseCidr('2001:db8::/32')!;
  assert.equal(v6.family, 6);
  assert.equal(v6.set.toString(), '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  assert.equal(parseCidr('::/0')!.set.toString(), '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  assert.equal(formatV6(parseV6('2001:0db8:0000:0000:0001:0000:0000:0001')!), '2001:db8::1:0:0:1');
  assert.equal(formatV6(parseV6('::ffff:10.1.2.3')!), '::ffff:a01:203');
  assert.equal(parseV6('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(parseV6('1::2::3'), undefined);
});

test('IP sets: except, overlap, partition', () => {
  const block = parseCidr('10.0.0.0/8')!.set.subtract(parseCidr('10.1.0.0/16')!.set);
  assert.equal(block.toString(), '10.0.0.0-10.0.255.255,10.2.0.0-10.255.255.255');
  assert.ok(block.overlaps(parseCidr('10.0.0.0/24')!.set));
  assert.ok(!block.overlaps(parseCidr('10.1.2.0/24')!.set));
  const parts = partition(IpRangeSet.allV4, [parseCidr('10.0.0.0/8')!.set, parseCidr('10.1.0.0/16')!.set]);
  assert.deepEqual(parts.map(String), [
    '0.0.0.0-9.255.255.255',
    '10.0.0.0-10.0.255.255',
    '10.1.0.0-10.1.255.255',
    '10.2.0.0-10.255.255.255',
    '11.0.0.0-255.255.255.255',
  ]);
  assert.equal(IpRangeSet.all.complement().isEmpty, true);
});

test('A range as the fewest CIDR blocks that cover exactly it, checked against the blocks\' own ranges', () => {
  assert.deepEqual(rangeToCidrs('0.0.0.0-255.255.255.255'), ['0.0.0.0/0']);
  assert.deepEqual(rangeToCidrs('203.0.113.0-203.0.113.255'), ['203.0.113.0/24']);
  assert.deepEqual(rangeToCidrs('10.0.0.1-10.0.0.6'), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']);
  assert.deepEqual(rangeToCidrs('::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), ['::/0']);
  assert.equal(rangeToCidrs('10.0.0.9-10.0.0.1'), undefined);
  assert.equal(rangeToCidrs('not a range'), undefined);
  const r = rng(7);
  for (let i = 0; i < 500; i++) {
    const a = int(r, 0, 2 ** 32 - 1);
    const b = Math.min(2 ** 32 - 1, a + int(r, 0, 2 ** int(r, 0, 24)));
    const want = IpRangeSet.fromIntervals([[a, b]]);
    const blocks = rangeToCidrs(want.toString())!;
    const got = blocks.map((c) => parseCidr(c)!).reduce((s, c) => {
      assert.equal(c.hostBitsSet, false, c.canonical);
      assert.ok(!s.overlaps(c.set), `${c.canonical} overlaps an earlier block`);
      return s.union(c.set);
    }, IpRangeSet.fromIntervals([]));
    assert.ok(got.equals(want), `${want} → ${blocks.join(', ')}`);
  }
});
