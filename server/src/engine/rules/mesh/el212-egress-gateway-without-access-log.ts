import { nameSpan } from '../../model/anchor';
import { addResource } from '../../fixes/new-resource';
import { resourceAt } from '../lookup';
import { defineRule, type RawFinding } from '../rule';
import { EGRESS_ROUTE_EXAMPLE, GATEWAY_TELEMETRY_EXAMPLE, gatewayApplies, gatewayDefinition, gatewayRoutedHosts, isTelemetry } from './gateway-traffic';
import { gatewayAccessLogs } from '../../scaffold/gateway-traffic';


export const el212 = defineRule({
  id: 'EL212',
  name: 'egress-gateway-without-access-log',
  severity: 'info',
  docs: {
    summary: 'An egress gateway through which external hosts are routed keeps no access log: no Telemetry resource turns access logging on for its pods, and the mesh config sets no `accessLogFile` or default access-log provider.',
    why: 'The egress gateway is the one place where every connection to the outside can be recorded: which pod reached which host, when, and with what answer. Without an access log there, an incident review or an audit has nothing to read. Istio logs nothing by default; the Telemetry API turns it on for the gateway’s pods alone.',
    bad: EGRESS_ROUTE_EXAMPLE,
    good: `${EGRESS_ROUTE_EXAMPLE}${GATEWAY_TELEMETRY_EXAMPLE}`,
    fix: 'safe',
    fixSafety: 'Safe: adds a Telemetry resource that turns on Envoy access logging for the gateway’s pods; it changes no route and no policy.',
  },
  check(ctx) {
    const out: RawFinding[] = [];
    const telemetries = ctx.model.definitions.filter(isTelemetry);
    const byGateway = new Map<string, { hosts: string[]; routed: ReturnType<typeof gatewayRoutedHosts>[number] }>();
    for (const routed of gatewayRoutedHosts(ctx.mesh)) {
      const e = byGateway.get(routed.gateway.label);
      if (e) e.hosts.push(routed.host);
      else byGateway.set(routed.gateway.label, { hosts: [routed.host], routed });
    }
    for (const { hosts, routed } of byGateway.values()) {
      const g = routed.gateway;
      if (gatewayApplies(ctx.mesh, telemetries, g, routed.host).logged) continue;
      const def = gatewayDefinition(g);
      if (!def) continue;
      const list = `${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ` and ${hosts.length - 3} more` : ''}`;
      out.push({
        uri: def.uri,
        span: nameSpan(def),
        message: `Egress gateway ${g.label} routes ${list} out of the mesh, but keeps no access log: no Telemetry resource turns access logging on for its pods, and the mesh config sets no accessLogFile.`,
        data: { gateway: g.label },
      });
    }
    return out;
  },
  fixes(ctx) {
    const r = resourceAt(ctx, ctx.finding);
    const label = ctx.finding.data?.gateway;
    if (!r) return [];
    const routed = gatewayRoutedHosts(ctx.mesh).find((x) => x.gateway.label === label);
    if (!routed) return [];
    const g = routed.gateway;
    const taken = new Set(ctx.model.definitions.filter((d) => isTelemetry(d) && d.namespace === g.namespace).map((d) => d.name));
    const telemetry = gatewayAccessLogs(g, taken);
    const name = (telemetry.metadata as { name: string }).name;
    return [{ title: `Add Telemetry ${g.namespace}/${name}: access logs for egress gateway ${g.label}`, safety: 'safe', edits: [addResource(ctx.file, r, telemetry, ctx.config)] }];
  },
});
