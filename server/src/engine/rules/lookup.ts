import type { Resource } from '../model/resources';
import type { Finding } from '../types';
import type { FixContext } from './rule';

/** The resource a finding sits in (the innermost object whose source contains it). */
export function resourceAt(ctx: FixContext, finding: Finding): Resource | undefined {
  let best: Resource | undefined;
  for (const r of ctx.model.resources) {
    if (r.uri !== finding.uri) continue;
    if (finding.span.start < r.doc.span.start || finding.span.start > r.doc.span.end) continue;
    if (!best || r.path.length > best.path.length) {
      if (r.path.length === 0) best = best ?? r;
      else {
        const node = r.doc.doc.getIn(r.path, true) as { range?: [number, number, number] } | undefined;
        if (node?.range && finding.span.start >= node.range[0] && finding.span.start <= node.range[1]) best = r;
      }
    }
  }
  return best;
}
