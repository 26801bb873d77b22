import type { Model } from '../model/model';
import { matches } from '../model/selector';
import type { Workload } from '../model/workloads';
import type { Direction, NetworkPolicy } from './networkpolicy';

/** NetworkPolicies that select a workload's pods and govern the given direction. */
export function policiesSelecting(model: Model, w: Workload, dir: Direction): NetworkPolicy[] {
  return model.networkPolicies.filter((np) => np.namespace === w.namespace && np.affects[dir] && matches(np.podSelector, w.labels));
}
