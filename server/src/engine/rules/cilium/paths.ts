import { isRecord, type Resource } from '../../model/resources';
import { ciliumSpecs, isCiliumPolicy } from '../../policy/cilium';

/** Each egress rule of every Cilium policy, with its path. */
export function ciliumEgressRules(resources: readonly Resource[]): { r: Resource; specPath: (string | number)[]; spec: Record<string, unknown>; rule: Record<string, unknown>; path: (string | number)[] }[] {
  const out = [];
  for (const r of resources) {
    if (!isCiliumPolicy(r)) continue;
    for (const { spec, path } of ciliumSpecs(r)) {
      const list = Array.isArray(spec.egress) ? spec.egress : [];
      for (let i = 0; i < list.length; i++) if (isRecord(list[i])) out.push({ r, specPath: path, spec, rule: list[i] as Record<string, unknown>, path: [...path, 'egress', i] });
    }
  }
  return out;
}

/** Whether a rule lets Cilium's DNS proxy see DNS answers (an L7 `dns` rule on its ports). */
export function hasDnsProxy(rule: Record<string, unknown>): boolean {
  return Array.isArray(rule.toPorts) && rule.toPorts.some((p) => isRecord(p) && isRecord(p.rules) && Array.isArray(p.rules.dns));
}
