/**
 * Host names as destinations (Cilium toFQDNs, Calico domains, Istio ServiceEntry hosts): one canonical
 * form, and patterns where `*` stands for any run of DNS characters within one label (`*.example.com`
 * matches `api.example.com`, not `example.com` nor `a.b.example.com`); `*` alone matches every name.
 */
import { TextMemo } from '../memo';

export function normalizeHost(h: string): string {
  return h.trim().toLowerCase().replace(/\.$/, '');
}

export function isPattern(h: string): boolean {
  return h.includes('*');
}

/** Compiled patterns by text (bounded: a workspace names a few hundred at most). */
const patterns = new TextMemo<RegExp>('host patterns, as regular expressions', 10_000);

function patternRegExp(pattern: string): RegExp {
  return patterns.get(pattern, () => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[a-z0-9-]*')}$`));
}

/**
 * Whether a rule's host pattern covers a destination: a name, or a pattern that is the same or
 * narrower than the rule's (`*` covers everything; otherwise only the same pattern is known to be covered).
 */
export function hostCovers(rule: string, destination: string): boolean {
  const r = normalizeHost(rule);
  const d = normalizeHost(destination);
  if (r === '*' || r === d) return true;
  if (isPattern(d)) return false;
  return isPattern(r) && patternRegExp(r).test(d);
}
