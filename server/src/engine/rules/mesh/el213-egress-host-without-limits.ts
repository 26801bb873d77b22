import { spanAt } from '../../model/anchor';
import { defineRule, type RawFinding } from '../rule';
import { boundsConnections, destinationRulesFor, EGRESS_ROUTE_EXAMPLE, GATEWAY_TELEMETRY_EXAMPLE, gatewayRoutedHosts } from './gateway-traffic';
import { relatedTo } from './refs';

const SHARED = `${EGRESS_ROUTE_EXAMPLE}${GATEWAY_TELEMETRY_EXAMPLE}`;

export const el213 = defineRule({
  id: 'EL213',
  name: 'egress-host-without-limits',
  severity: 'hint',
  docs: {
    summary: 'An external host routed through an egress gateway has no connection limits and no outlier detection: no DestinationRule for it sets `trafficPolicy.connectionPool` or `outlierDetection`.',
    why: 'Every connection to the host goes through the gateway’s few pods. Without a connection pool, a slow or failing provider lets connections pile up there until the gateway starves every other host it serves; without outlier detection, the gateway keeps sending to an address that fails. A DestinationRule for the host bounds both.',
    bad: SHARED,
    good: `${SHARED}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: stripe-limits
  namespace: istio-system
spec:
  host: api.stripe.com
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 5s}
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
      baseEjectionTime: 60s
`,
    fix: 'none',
    fixSafety: 'No quick fix: the limits depend on the provider and its traffic; the example above is a starting point.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<string>();
    for (const routed of gatewayRoutedHosts(ctx.mesh)) {
      if (seen.has(routed.host)) continue;
      seen.add(routed.host);
      const rules = destinationRulesFor(ctx.mesh, routed.host);
      if (rules.some(boundsConnections)) continue;
      out.push({
        uri: routed.vs.r.uri,
        span: spanAt(routed.vs.r, routed.hostAt.path),
        message: `${routed.host} is routed through egress gateway ${routed.gateway.label} with no connection limits and no outlier detection: no DestinationRule for it sets trafficPolicy.connectionPool or outlierDetection, so a slow provider can tie up the gateway's connections.`,
        related: rules.map((dr) => relatedTo(dr.r, `DestinationRule ${dr.r.namespace}/${dr.r.name} for ${dr.host} sets neither`, dr.hostPath)),
      });
    }
    return out;
  },
});
