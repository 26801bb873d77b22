import { el001 } from './el001-yaml-syntax';
import { el002 } from './el002-schema';
import { el004 } from './el004-file-not-analysed';
import { el101 } from './el101-unrestricted-egress';
import { el103 } from './el103-ignored-egress-rules';
import type { Rule } from './rule';

/** Every rule, in catalogue order. Adding a rule: one file, one line here, one docs page, fixtures. */
export const rules: readonly Rule[] = [el001, el002, el004, el101, el103];

export const ruleById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
