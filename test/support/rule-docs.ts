/** docs/rules/<ID>.md, generated from each rule's metadata so that the two never drift apart. */
export { ruleDocPage as renderRuleDoc } from '../../server/src/engine';
