import { isMap, type Node } from 'yaml';
import { spanAt } from '../../model/anchor';
import type { Resource } from '../../model/resources';
import { locate, keySpan, nodeSpan, type YamlPath } from '../../parse/locate';
import type { Direction, NetworkPolicy } from '../../model/networkpolicy';
import type { Span } from '../../types';

export const peerKey = (dir: Direction): 'to' | 'from' => (dir === 'egress' ? 'to' : 'from');

export function rulePath(dir: Direction, i: number): YamlPath {
  return ['spec', dir, i];
}

/** Where to underline a whole rule: its first key when it is a block map, else the rule itself. */
export function ruleAnchor(r: Resource, path: YamlPath): Span {
  const node = locate(r.doc.doc, [...r.path, ...path]).node as Node | undefined;
  if (node && isMap(node) && !node.flow && node.items.length > 0) {
    const s = nodeSpan(node.items[0].key as Node);
    if (s) return s;
  }
  return spanAt(r, path);
}

/** The span of a key, falling back to its value. */
export function keyAt(r: Resource, path: YamlPath): Span {
  return keySpan(r.doc.doc, [...r.path, ...path]) ?? spanAt(r, path);
}

export function policyName(np: NetworkPolicy): string {
  return `NetworkPolicy ${np.namespace}/${np.name}`;
}

/** `egress rule 2 of NetworkPolicy shop/api` (1-based, as people count). */
export function ruleName(np: NetworkPolicy, dir: Direction, i: number): string {
  return `${dir} rule ${i + 1} of ${policyName(np)}`;
}
