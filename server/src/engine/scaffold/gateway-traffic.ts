/**
 * What happens at the egress gateway: a traffic policy for an external host (connection pool and outlier
 * detection, in a DestinationRule), access logs for the gateway's pods (the Telemetry API), and a local
 * rate limit for one host's route at the gateway (an EnvoyFilter, as Istio's rate-limiting task writes it).
 * Each is built from the workspace's mesh (which gateway routes the host, which labels its pods carry).
 */
import type { GatewayDeployment } from '../mesh/mesh';
import { normalizeHost } from '../sets/hosts';
import { freeName } from './default-deny';
import { hostShortName } from './gateway';
import { hostProblem } from './names';
import type { ScaffoldResult } from './allow-egress';

/** The labels of a gateway's pods: its Istio Gateway's selector, or its declared pods'. */
export function gatewayPodLabels(g: GatewayDeployment): Record<string, string> {
  return g.workloads[0]?.labels ?? g.istio[0]?.selector ?? {};
}

/** A Telemetry resource turning Envoy access logs on for a gateway's pods (by selector, or targetRefs for a Gateway API gateway). */
export function gatewayAccessLogs(g: GatewayDeployment, taken: ReadonlySet<string>): Record<string, unknown> {
  const name = freeName(`${g.label.split('/')[1] ?? 'egress-gateway'}-access-logs`, taken);
  const target = g.gwApi ? { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: g.gwApi.r.name }] } : { selector: { matchLabels: gatewayPodLabels(g) } };
  return { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace: g.namespace }, spec: { ...target, accessLogging: [{ providers: [{ name: 'envoy' }] }] } };
}

export interface TrafficPolicyOptions {
  host: string;
  namespace: string;
  taken: ReadonlySet<string>;
  /** Existing DestinationRules (host, namespace/name), to say when one already exists for the host. */
  existing: readonly { host: string; name: string }[];
}

/** A DestinationRule bounding the connections to an external host, each default said in a note. */
export function trafficPolicyForHost(o: TrafficPolicyOptions): ScaffoldResult {
  const problem = hostProblem(o.host, true);
  if (problem) return { ok: false, error: problem };
  const host = normalizeHost(o.host);
  const name = freeName(`${hostShortName(host)}-traffic-policy`, o.taken);
  const notes = [
    'connectionPool.tcp.maxConnections 100: at most 100 connections from each proxy to the host; more wait, then fail fast instead of piling up in the gateway.',
    'connectionPool.tcp.connectTimeout 5s: a connection the host does not accept within 5 s fails (Envoy waits 10 s by default).',
    'connectionPool.http.http1MaxPendingRequests 100 and http2MaxRequests 1000: requests queued or in flight, for HTTP traffic the proxy can read (not TLS passthrough).',
    'outlierDetection: an address that fails 5 times in a row (connection errors, or 5xx on HTTP) is left out for 60 s, checked every 30 s; at most half of the addresses at once.',
    'Request timeouts and retries belong to the route: set `timeout` and `retries` on the VirtualService http route for the host.',
  ];
  const others = o.existing.filter((d) => normalizeHost(d.host) === host);
  if (others.length > 0) notes.unshift(`DestinationRule ${others.map((d) => d.name).join(', ')} already exists for ${host}: Istio applies one DestinationRule per host, so merge this trafficPolicy into it rather than adding a second.`);
  const rule = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace: o.namespace },
    spec: {
      host,
      trafficPolicy: {
        connectionPool: { tcp: { maxConnections: 100, connectTimeout: '5s' }, http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
      },
    },
  };
  return { ok: true, resources: [rule], notes };
}

export interface RateLimitOptions {
  host: string;
  /** Requests allowed per minute through the gateway for the host (default 600). */
  perMinute?: number;
  /** The hosts each gateway routes, and how (the gateway leg's protocol). */
  routes: readonly { gateway: GatewayDeployment; host: string; port?: number; protocol: 'http' | 'tls' | 'tcp' }[];
  taken: (namespace: string) => ReadonlySet<string>;
}

/**
 * A local rate limit at the gateway that routes a host: an EnvoyFilter on the gateway's pods that adds Envoy's
 * local rate limit filter to its HTTP listeners, enabled only on the host's virtual host (`host:port`).
 */
export function rateLimitHost(o: RateLimitOptions): ScaffoldResult {
  const problem = hostProblem(o.host, false);
  if (problem) return { ok: false, error: problem };
  const host = normalizeHost(o.host);
  const perMinute = o.perMinute ?? 600;
  if (!Number.isInteger(perMinute) || perMinute < 1) return { ok: false, error: `${o.perMinute}: the limit is a whole number of requests per minute, at least 1.` };
  const legs = o.routes.filter((r) => r.host === host);
  if (legs.length === 0) return { ok: false, error: `No egress gateway routes ${host} in the workspace: route it through one first (Egress Lens: Route Host Through Egress Gateway…).` };
  const http = legs.find((l) => l.protocol === 'http');
  if (!http) return { ok: false, error: `Egress gateway ${legs[0].gateway.label} passes ${host}'s TLS through without reading it: it sees connections, not requests, so an HTTP rate limit cannot apply. Originate TLS at the gateway (the application sends HTTP) to limit requests.` };
  const g = http.gateway;
  const port = http.port ?? 80;
  const name = freeName(`${g.label.split('/')[1] ?? 'egress-gateway'}-ratelimit-${hostShortName(host)}`, o.taken(g.namespace));
  const filter = {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name, namespace: g.namespace },
    spec: {
      workloadSelector: { labels: gatewayPodLabels(g) },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
          patch: {
            operation: 'INSERT_BEFORE',
            value: {
              name: 'envoy.filters.http.local_ratelimit',
              typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', value: { stat_prefix: 'http_local_rate_limiter' } },
            },
          },
        },
        {
          applyTo: 'HTTP_ROUTE',
          match: { context: 'GATEWAY', routeConfiguration: { vhost: { name: `${host}:${port}`, route: { action: 'ANY' } } } },
          patch: {
            operation: 'MERGE',
            value: {
              typed_per_filter_config: {
                'envoy.filters.http.local_ratelimit': {
                  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                  type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
                  value: {
                    stat_prefix: 'http_local_rate_limiter',
                    token_bucket: { max_tokens: perMinute, tokens_per_fill: perMinute, fill_interval: '60s' },
                    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
                    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  const notes = [
    `Each gateway pod lets ${perMinute} requests a minute to ${host} through (a token bucket refilled every 60 s) and answers the rest with 429; with several gateway pods the total is that many times more.`,
    `The limit applies on the gateway's virtual host ${host}:${port}, the leg the gateway reads as HTTP.`,
  ];
  return { ok: true, resources: [filter], notes };
}
