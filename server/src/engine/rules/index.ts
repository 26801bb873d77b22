import { el001 } from './el001-yaml-syntax';
import { el002 } from './el002-schema';
import { el004 } from './el004-file-not-analysed';
import { el005 } from './el005-suppression-without-reason';
import { el006 } from './el006-invalid-configuration';
import { el007 } from './el007-duplicate-resource';
import { el003 } from './el003-removed-api-version';
import { el102 } from './el102-namespace-without-default-deny-egress';
import { el104 } from './el104-egress-blocks-dns';
import { el105 } from './el105-allow-all-egress';
import { el106 } from './el106-invalid-ipblock';
import { el107 } from './el107-ipblock-targets-cluster';
import { el108 } from './el108-selector-matches-nothing';
import { el109 } from './el109-namespace-label-missing';
import { el110 } from './el110-peer-or-instead-of-and';
import { el111 } from './el111-invalid-port-range';
import { el112 } from './el112-unresolved-named-port';
import { el113 } from './el113-host-network-not-covered';
import { el114 } from './el114-redundant-egress-rule';
import { el115 } from './el115-cni-does-not-enforce';
import { el116 } from './el116-external-by-ip-only';
import { el117 } from './el117-observed-traffic-blocked';
import { el201 } from './el201-mesh-allows-any-egress';
import { el202 } from './el202-egress-gateway-bypassable';
import { el203 } from './el203-gateway-not-found';
import { el204 } from './el204-gateway-selector-matches-nothing';
import { el205 } from './el205-egress-route-incomplete';
import { el206 } from './el206-external-host-not-registered';
import { el207 } from './el207-host-mismatch';
import { el208 } from './el208-subset-not-found';
import { el209 } from './el209-port-mismatch';
import { el210 } from './el210-tls-origination-unverified';
import { el211 } from './el211-serviceentry-misconfigured';
import { el301 } from './el301-route-parent-not-found';
import { el302 } from './el302-route-backend-not-found';
import { el303 } from './el303-listener-does-not-admit-route';
import { el304 } from './el304-missing-reference-grant';
import { el401 } from './el401-fqdn-without-dns-proxy';
import { el402 } from './el402-entity-world-egress';
import { el403 } from './el403-fqdn-mixed-with-l3';
import { el501 } from './el501-calico-allow-all-egress';
import { el502 } from './el502-calico-shadowed-deny';
import { el503 } from './el503-calico-enterprise-only';
import { el601 } from './el601-admin-priority-collision';
import { el602 } from './el602-admin-rule-shadowed';
import { el603 } from './el603-admin-priority-out-of-range';
import { el101 } from './el101-unrestricted-egress';
import { el103 } from './el103-ignored-egress-rules';
import type { Rule } from './rule';
import { registerRules } from './registry';

/** Every rule, in catalogue order. Adding a rule: one file, one line here, one docs page, fixtures. */
export const rules: readonly Rule[] = [
  el001, el002, el003, el004, el005, el006, el007,
  el101, el102, el103, el104, el105, el106, el107, el108, el109, el110, el111, el112, el113, el114, el115, el116, el117,
  el201, el202, el203, el204, el205, el206, el207, el208, el209, el210, el211,
  el301, el302, el303, el304,
  el401, el402, el403, el501, el502, el503, el601, el602, el603,
];

export const ruleById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
registerRules(ruleById);
