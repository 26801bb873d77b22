import { isRecord, type Resource } from '../../model/resources';
import { isCalicoPolicy } from '../../policy/calico';

/** Each egress rule of every Calico policy, with its path. */
export function calicoEgressRules(resources: readonly Resource[]): { r: Resource; rule: Record<string, unknown>; index: number; path: (string | number)[] }[] {
  const out = [];
  for (const r of resources) {
    if (!isCalicoPolicy(r)) continue;
    const spec = isRecord(r.obj.spec) ? r.obj.spec : {};
    const list = Array.isArray(spec.egress) ? spec.egress : [];
    for (let i = 0; i < list.length; i++) if (isRecord(list[i])) out.push({ r, rule: list[i] as Record<string, unknown>, index: i, path: ['spec', 'egress', i] });
  }
  return out;
}

const DESTINATION_KEYS = ['selector', 'notSelector', 'namespaceSelector', 'nets', 'notNets', 'services', 'serviceAccounts', 'domains'];

/** Whether an entity rule names which endpoints or addresses it means (ports alone do not). */
export function restrictsPeers(entity: unknown): boolean {
  return isRecord(entity) && DESTINATION_KEYS.some((k) => entity[k] !== undefined);
}
