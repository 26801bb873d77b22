import { formatV4, type IpRangeSet } from '../sets/iprange';

/** The fewest CIDR blocks that cover an IPv4 interval exactly. */
function v4Blocks(lo: number, hi: number): string[] {
  const out: string[] = [];
  let start = lo;
  while (start <= hi) {
    let size = 1;
    // Grow the block while it stays aligned and inside the interval.
    while (size < 2 ** 32 && start % (size * 2) === 0 && start + size * 2 - 1 <= hi) size *= 2;
    out.push(`${formatV4(start)}/${32 - Math.log2(size)}`);
    start += size;
  }
  return out;
}

/**
 * Address ranges as people write them: each contiguous range as its CIDR blocks (`10.40.0.0/16`), or as
 * `first-last` when that would take more than `maxBlocks` blocks; IPv6 as `first-last`.
 */
export function addressLabels(set: IpRangeSet, maxBlocks = 3): string[] {
  const out: string[] = [];
  for (const [lo, hi] of set.v4) {
    const blocks = v4Blocks(lo, hi);
    if (blocks.length <= maxBlocks) out.push(...blocks);
    else out.push(`${formatV4(lo)}-${formatV4(hi)}`);
  }
  const v6 = set.ranges().slice(set.v4.length);
  for (const r of v6) out.push(r === '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' ? '::/0' : r);
  return out;
}

/** How many contiguous address ranges a set holds (what "N destinations" counts for addresses). */
export function rangeCount(set: IpRangeSet): number {
  return set.v4.length + set.v6.length;
}
