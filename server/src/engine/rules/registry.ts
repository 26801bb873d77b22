import type { Rule } from './rule';

let registry: ReadonlyMap<string, Rule> = new Map();

/** Set once by rules/index.ts; rules that speak of other rules read it through ruleById(). */
export function registerRules(r: ReadonlyMap<string, Rule>): void {
  registry = r;
}

export function ruleById(): ReadonlyMap<string, Rule> {
  return registry;
}
