import { el001 } from './input/el001-yaml-syntax';
import { el002 } from './input/el002-schema';
import { el004 } from './input/el004-file-not-analysed';
import { el005 } from './input/el005-suppression-without-reason';
import { el006 } from './input/el006-invalid-configuration';
import { el007 } from './input/el007-duplicate-resource';
import { el003 } from './input/el003-removed-api-version';
import { el102 } from './netpol/el102-namespace-without-default-deny-egress';
import { el104 } from './netpol/el104-egress-blocks-dns';
import { el105 } from './netpol/el105-allow-all-egress';
import { el106 } from './netpol/el106-invalid-ipblock';
import { el107 } from './netpol/el107-ipblock-targets-cluster';
import { el108 } from './netpol/el108-selector-matches-nothing';
import { el109 } from './netpol/el109-namespace-label-missing';
import { el110 } from './netpol/el110-peer-or-instead-of-and';
import { el111 } from './netpol/el111-invalid-port-range';
import { el112 } from './netpol/el112-unresolved-named-port';
import { el113 } from './netpol/el113-host-network-not-covered';
import { el114 } from './netpol/el114-redundant-egress-rule';
import { el115 } from './netpol/el115-cni-does-not-enforce';
import { el116 } from './netpol/el116-external-by-ip-only';
import { el117 } from './netpol/el117-observed-traffic-blocked';
import { el201 } from './mesh/el201-mesh-allows-any-egress';
import { el202 } from './mesh/el202-egress-gateway-bypassable';
import { el203 } from './mesh/el203-gateway-not-found';
import { el204 } from './mesh/el204-gateway-selector-matches-nothing';
import { el205 } from './mesh/el205-egress-route-incomplete';
import { el206 } from './mesh/el206-external-host-not-registered';
import { el207 } from './mesh/el207-host-mismatch';
import { el208 } from './mesh/el208-subset-not-found';
import { el209 } from './mesh/el209-port-mismatch';
import { el210 } from './mesh/el210-tls-origination-unverified';
import { el211 } from './mesh/el211-serviceentry-misconfigured';
import { el212 } from './mesh/el212-egress-gateway-without-access-log';
import { el213 } from './mesh/el213-egress-host-without-limits';
import { el214 } from './mesh/el214-tls-contradicts-route';
import { el301 } from './gateway/el301-route-parent-not-found';
import { el302 } from './gateway/el302-route-backend-not-found';
import { el303 } from './gateway/el303-listener-does-not-admit-route';
import { el304 } from './gateway/el304-missing-reference-grant';
import { el401 } from './cilium/el401-fqdn-without-dns-proxy';
import { el402 } from './cilium/el402-entity-world-egress';
import { el403 } from './cilium/el403-fqdn-mixed-with-l3';
import { el701 } from './gke/el701-fqdn-policy-without-dns';
import { el801 } from './openshift/el801-egress-firewall-rule-shadowed';
import { el901 } from './antrea/el901-fqdn-service-name';
import { el501 } from './calico/el501-calico-allow-all-egress';
import { el502 } from './calico/el502-calico-shadowed-deny';
import { el503 } from './calico/el503-calico-enterprise-only';
import { el601 } from './admin/el601-admin-priority-collision';
import { el602 } from './admin/el602-admin-rule-shadowed';
import { el603 } from './admin/el603-admin-priority-out-of-range';
import { el101 } from './netpol/el101-unrestricted-egress';
import { el103 } from './netpol/el103-ignored-egress-rules';
import type { Rule } from './rule';
import { registerRules } from './registry';

/** Every rule, in catalogue order. Adding a rule: one file, one line here, one docs page, fixtures. */
export const rules: readonly Rule[] = [
  el001, el002, el003, el004, el005, el006, el007,
  el101, el102, el103, el104, el105, el106, el107, el108, el109, el110, el111, el112, el113, el114, el115, el116, el117,
  el201, el202, el203, el204, el205, el206, el207, el208, el209, el210, el211, el212, el213, el214,
  el301, el302, el303, el304,
  el401, el402, el403, el501, el502, el503, el601, el602, el603, el701, el801, el901,
];

export const ruleById: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, r]));
registerRules(ruleById);
