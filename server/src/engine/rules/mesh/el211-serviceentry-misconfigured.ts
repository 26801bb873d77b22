import { spanAt } from '../../model/anchor';
import { normalizeHost } from '../../sets/hosts';
import { defineRule, type RawFinding } from '../rule';

const TCP_LIKE = new Set(['TCP', 'MONGO', 'MYSQL']);

function looksExternal(host: string): boolean {
  const h = normalizeHost(host);
  return h.includes('.') && !/\.(local|internal|svc|cluster\.local|localdomain)$/.test(h);
}

export const el211 = defineRule({
  id: 'EL211',
  name: 'serviceentry-misconfigured',
  severity: 'warning',
  docs: {
    summary: 'A ServiceEntry marks an external host MESH_INTERNAL, declares a TCP port (or one without protocol) without `addresses`, or resolves a wildcard host by DNS.',
    why: 'MESH_INTERNAL makes Istio expect a sidecar (mTLS) at the other end, which an external host does not have. A TCP port (or a port without `protocol`, which Istio treats as TCP) without addresses matches every destination on that port, so the entry opens far more than its host; not reported when Istio allocates addresses (`ISTIO_META_DNS_AUTO_ALLOCATE` in the mesh\'s proxy metadata, or `status.addresses` set). A wildcard host cannot be resolved by DNS: use `resolution: NONE` (or route it through a gateway).',
    bad: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: wikipedia
  namespace: default
spec:
  hosts: ["*.wikipedia.org"]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
  location: MESH_EXTERNAL
`,
    good: `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: wikipedia
  namespace: default
spec:
  hosts: ["*.wikipedia.org"]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: NONE
  location: MESH_EXTERNAL
`,
    fix: 'none',
    fixSafety: 'No automatic fix: the right location, addresses or resolution depend on the destination.',
  },
  // The mesh alone.
  reads: ['mesh'],
  check(ctx) {
    const out: RawFinding[] = [];
    // With DNS auto-allocation the sidecars give every entry an address of its own.
    const autoAllocated = ctx.mesh.meshConfig.some((c) => c.dnsAutoAllocate);
    for (const se of ctx.mesh.serviceEntries) {
      const r = se.r;
      if (se.location === 'MESH_INTERNAL' && se.locationPath && !se.hasWorkloadSelector && !se.hasEndpoints) {
        const ext = se.hosts.find((h) => looksExternal(h.value));
        if (ext) out.push({ uri: r.uri, span: spanAt(r, se.locationPath), message: `${ext.value} is outside the mesh but this entry is MESH_INTERNAL: Istio will expect a sidecar (mTLS) there. Use MESH_EXTERNAL.` });
      }
      if (se.addresses.length === 0 && se.statusAddresses === 0 && !autoAllocated && se.resolution !== 'STATIC') {
        for (const p of se.ports) {
          // A port without protocol (or with "") is TCP to Istio.
          if (p.protocol && !TCP_LIKE.has(p.protocol)) continue;
          const what = p.protocol ? `${p.protocol} port ${p.number}` : `Port ${p.number} has no protocol, so Istio treats it as TCP; without addresses`;
          out.push({
            uri: r.uri,
            span: spanAt(r, p.protocol ? [...p.path, 'protocol'] : p.path),
            message: p.protocol
              ? `${what} without addresses: Istio cannot tell this entry's traffic apart by host, so every destination on port ${p.number} matches it. Add addresses (the host's IPs or CIDRs), or turn on DNS auto-allocation.`
              : `${what} Istio cannot tell this entry's traffic apart by host, so every destination on port ${p.number} matches it. Set the protocol (HTTP, HTTPS, TLS…), or add addresses.`,
          });
        }
      }
      const wildcard = se.hosts.find((h) => h.value.includes('*'));
      if (wildcard && se.resolution === 'DNS' && se.resolutionPath) {
        out.push({ uri: r.uri, span: spanAt(r, se.resolutionPath), message: `Host ${wildcard.value} is a wildcard, which DNS cannot resolve: use resolution NONE, or DYNAMIC_DNS.` });
      }
    }
    return out;
  },
});
